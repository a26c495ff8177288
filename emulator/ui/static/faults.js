// The Faults panel: the tenant's rules with their counters, presets, a JSON editor.
import {$, el, show} from "./dom.js";

// Presets every vendor understands; a vendor panel may add its own (its `faultPresets` export).
export const PRESETS = [
  {label: "503 ×2", rule: {action: {kind: "status", status: 503}, times: 2}},
  {label: "500 once", rule: {action: {kind: "status", status: 500}, times: 1}},
  {label: "Latency 2 s", rule: {action: {kind: "latency", ms: 2000}}},
  {label: "Rate limit", rule: {action: {kind: "rate_limit", retry_after: 30}, times: 1}},
  {label: "Reset", rule: {action: {kind: "reset"}, times: 1}},
  {label: "Empty reply", rule: {action: {kind: "empty"}, times: 1}},
  {label: "Truncate", rule: {action: {kind: "truncate", fraction: 0.5}, times: 1}},
  {label: "Slow body", rule: {action: {kind: "slow_body", bytes_per_second: 256}, times: 1}},
  {label: "Hang 5 s", rule: {action: {kind: "hang", ms: 5000}, times: 1}},
];

function actionSummary(action) {
  switch (action.kind) {
    case "status": return `status ${action.status}`;
    case "latency": return `latency ${action.ms} ms` + (action.jitter_ms ? ` +≤${action.jitter_ms}` : "");
    case "error": return `error ${action.code}`;
    case "rate_limit": return "rate limit" + (action.retry_after !== undefined ? ` (retry ${action.retry_after} s)` : "");
    case "truncate": return "truncate" + (action.bytes !== undefined ? ` ${action.bytes} B`
      : action.fraction !== undefined ? ` ${Math.round(action.fraction * 100)}%` : "");
    case "slow_body": return `slow body ${action.bytes_per_second} B/s`;
    case "hang": return `hang ${action.ms} ms`;
    default: return String(action.kind);
  }
}

function matchSummary(match) {
  const parts = [];
  if (match.method) parts.push(match.method);
  parts.push(match.path || "any path");
  if (match.api && match.api !== "any") parts.push(`on ${match.api}`);
  for (const [k, v] of Object.entries(match.params || {})) parts.push(`${k}=${v}`);
  for (const [k, v] of Object.entries(match.headers || {})) parts.push(`${k}: ${v}`);
  return parts.join(" · ");
}

/** The preset's rule, scoped by the vendor, method and path chosen above the presets. */
function presetRule(preset) {
  const rule = JSON.parse(JSON.stringify(preset.rule));
  const match = rule.match || {};
  const api = $("#scope-api").value, method = $("#scope-method").value.trim(), path = $("#scope-path").value.trim();
  if (api !== "any" && !match.api) match.api = api;
  if (method) match.method = method.toUpperCase();
  if (path) match.path = path;
  if (Object.keys(match).length) rule.match = match;
  return rule;
}

function showFaultError(message) {
  const box = $("#fault-error");
  box.textContent = message || "";
  show(box, Boolean(message));
}

/** The Faults panel over ``control``; ``journal`` gives the fault ids seen and filters by one. */
export function createFaults({store, control, notify, journal}) {
  let rules = [];
  let key = "";

  async function refresh() {
    const generation = store.generation;
    const data = await control("GET", "/_emulator/faults");
    if (generation !== store.generation) return;
    const next = JSON.stringify(data.items);
    if (next === key) return;
    key = next;
    rules = data.items;
    render();
  }

  function render() {
    $("#faults-count").textContent = rules.length ? `${rules.length} rule(s)` : "";
    $("#fault-list").replaceChildren(...rules.map((rule) => {
      const fired = rule.times !== undefined ? `fired ${rule.fired} of ${rule.times}` : `fired ${rule.fired}`;
      return el("li", {class: `card${rule.spent ? " spent" : ""}`, "data-id": rule.id},
        el("div", {class: "card-head"},
          el("strong", {class: "mono", text: rule.id}),
          el("span", {class: "tag", text: actionSummary(rule.action)}),
          rule.spent ? el("span", {class: "tag muted", text: "spent"}) : null,
          rule.origin === "scenario" ? el("span", {class: "tag muted", text: "from scenario"}) : null,
          el("div", {class: "grow"}),
          el("button", {type: "button", class: "link", title: "Show the requests this rule fired on",
            onclick: () => journal.filterByFault(rule.id), text: "requests"}),
          el("button", {type: "button", class: "remove", "aria-label": `Remove ${rule.id}`,
            onclick: () => remove(rule.id), text: "×"})),
        el("div", {class: "muted mono", text: matchSummary(rule.match || {})}),
        el("div", {class: "counts"},
          el("span", {class: "fired", text: fired}),
          el("span", {class: "muted", text: ` · seen ${rule.seen}` + (rule.after ? ` · after ${rule.after}` : "")
            + (rule.probability < 1 ? ` · p ${rule.probability}` : "") + (rule.until ? ` · until ${rule.until}` : "")})),
        ...(rule.notes || []).map((note) => el("div", {class: "muted", text: note})));
    }));
    const select = $("#filter-fault");
    const current = select.value;
    const ids = new Set([...rules.map((r) => r.id), ...journal.faultIds()]);
    select.replaceChildren(el("option", {value: "", text: "all"}), el("option", {value: "*", text: "faulted"}),
      el("option", {value: "-", text: "not faulted"}), ...[...ids].map((id) => el("option", {value: id, text: id})));
    select.value = [...select.options].some((o) => o.value === current) ? current : "";
  }

  async function add(rule) {
    try {
      const added = await control("POST", "/_emulator/faults", {json: rule});
      showFaultError("");
      notify(`Fault added: ${(Array.isArray(added) ? added : [added]).map((r) => r.id).join(", ")}`);
      await refresh();
    } catch (err) {
      showFaultError(`Not added: ${err.message}`);
    }
  }

  async function remove(id) {
    try {
      await control("DELETE", `/_emulator/faults/${encodeURIComponent(id)}`);
      await refresh();
    } catch (err) {
      showFaultError(err.message);
    }
  }

  /** The preset buttons: the shared ones, then ``more`` (the vendor panels' presets). */
  function setPresets(more = []) {
    $("#presets").replaceChildren(...[...PRESETS, ...more].map((preset) => el("button", {type: "button",
      class: "preset", title: JSON.stringify(preset.rule), text: preset.label, onclick: () => add(presetRule(preset))})));
  }

  /** The vendor scope's choices: any, or one of the served vendors (a choice made is kept). */
  function setVendors(names) {
    const select = $("#scope-api");
    const current = select.value;
    select.replaceChildren(el("option", {value: "any", text: "any"}),
      ...names.map((name) => el("option", {value: name, text: name})));
    select.value = names.includes(current) ? current : "any";
  }

  function wire() {
    setPresets();
    $("#fault-json").value = JSON.stringify({match: {api: "any", method: "GET", path: "/analytics/videos/*"},
      action: {kind: "status", status: 503}, times: 2}, null, 2);
    $("#fault-add").addEventListener("click", () => {
      let rule;
      try {
        rule = JSON.parse($("#fault-json").value);
      } catch (err) {
        showFaultError(`Not JSON: ${err.message}`);
        return;
      }
      add(rule);
    });
    $("#faults-clear").addEventListener("click", async () => {
      try {
        await control("DELETE", "/_emulator/faults");
        showFaultError("");
        await refresh();
      } catch (err) {
        showFaultError(err.message);
      }
    });
  }

  return {wire, refresh, setPresets, setVendors, forget: () => { key = ""; }};
}
