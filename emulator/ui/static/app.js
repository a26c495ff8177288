// The emulator dashboard: plain DOM over the control API, no framework, no build step.
// Everything shown comes from requests the code under test sent (attacker-controlled), so the DOM
// is built with createElement/textContent only: never innerHTML, never data in an href or a src.

const POLL_MS = 1000;
const JOURNAL_PAGE = 500;       // entries asked for per poll (the newest, when more are waiting)
const JOURNAL_KEEP = 2000;      // entries kept in the page
const JOURNAL_ROWS = 500;       // rows drawn at most (the newest that pass the filters)
const OWN_HEADER = "X-Emulator-Dashboard";  // marks the dashboard's own vendor calls in the journal
const TENANT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const TOKEN_KEY = "emulator.controlToken";
const TENANT_KEY = "emulator.tenant";
const TENANTS_KEY = "emulator.tenants";

const PRESETS = [
  {label: "503 ×2", rule: {action: {kind: "status", status: 503}, times: 2}},
  {label: "500 once", rule: {action: {kind: "status", status: 500}, times: 1}},
  {label: "Latency 2 s", rule: {action: {kind: "latency", ms: 2000}}},
  {label: "Rate limit", rule: {action: {kind: "rate_limit", retry_after: 30}, times: 1}},
  {label: "Reset", rule: {action: {kind: "reset"}, times: 1}},
  {label: "Empty reply", rule: {action: {kind: "empty"}, times: 1}},
  {label: "Truncate", rule: {action: {kind: "truncate", fraction: 0.5}, times: 1}},
  {label: "Slow body", rule: {action: {kind: "slow_body", bytes_per_second: 256}, times: 1}},
  {label: "Hang 5 s", rule: {action: {kind: "hang", ms: 5000}, times: 1}},
  {label: "23 Video error", rule: {match: {api: "twentythree"},
    action: {kind: "error", code: "permission_denied", message: "Emulated failure"}, times: 1}},
];

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  tenant: sessionStorage.getItem(TENANT_KEY) || "",
  generation: 0,          // bumped when the world changes (tenant, reset, scenario): late answers are dropped
  entries: [],
  older: 0,               // entries older than the first page read (more came at once than a page holds)
  selectedId: null,
  paused: false,
  faults: [],
  faultsKey: "",
  scenario: null,
  clock: null,
  ready: null,
  vendors: new Set(),
  reportsKey: "",
  av: {token: null, periodFor: null, list: null, page: 1, totals: {}, sessions: [], sessionId: null},
};

// -- DOM helpers ------------------------------------------------------------------------------------
const $ = (selector) => document.querySelector(selector);

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);  // strings become text nodes
  }
  return node;
}

function show(node, visible) { node.hidden = !visible; }

/** A table row that opens something on a click or on Enter. */
function clickableRow(props, open, ...cells) {
  return el("tr", {tabindex: 0, ...props, onclick: open,
    onkeydown: (event) => { if (event.key === "Enter") open(); }}, ...cells);
}

let noticeTimer = null;
function notify(message, isError = false) {
  const notice = $("#notice");
  notice.textContent = message;
  notice.classList.toggle("is-error", isError);
  show(notice, true);
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => show(notice, false), isError ? 8000 : 4000);
}

function time(iso) { return typeof iso === "string" ? iso.replace(/^\d{4}-\d\d-\d\dT/, "").replace(/Z$/, "") : ""; }

function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return (h ? `${h}:${String(m).padStart(2, "0")}` : String(m)) + ":" + String(s).padStart(2, "0");
}

function statusClass(status) {
  return status === null || status === undefined ? "st-none" : `st-${String(status)[0]}`;
}

// -- HTTP -------------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

async function readJson(response) {
  const text = await response.text();
  try { return text ? JSON.parse(text) : null; } catch { return text; }
}

function errorText(data, response) {
  if (data && typeof data === "object") {
    const text = data.error || data.title || data.message || data.detail;
    if (text) return String(text);
  }
  return `${response.status} ${response.statusText}`.trim();
}

let tokenPrompt = null;
function askToken(message) {
  if (!tokenPrompt) {
    tokenPrompt = new Promise((resolve) => {
      const dialog = $("#token-dialog");
      $("#token-message").textContent = message;
      $("#token-input").value = "";
      $("#token-form").addEventListener("submit", (event) => {
        event.preventDefault();
        state.token = $("#token-input").value.trim();
        sessionStorage.setItem(TOKEN_KEY, state.token);
        dialog.close();
        tokenPrompt = null;
        resolve();
      }, {once: true});
      dialog.showModal();
    });
  }
  return tokenPrompt;
}

/** A control API call (tenant and token added); ApiError on a 4xx/5xx, asks for the token on a 401. */
async function control(method, path, {json, text, contentType} = {}) {
  for (;;) {
    const token = state.token;
    const headers = {Accept: "application/json"};
    if (state.tenant) headers["X-Emulator-Tenant"] = state.tenant;
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (json !== undefined) {
      body = JSON.stringify(json);
      headers["Content-Type"] = "application/json";
    } else if (text !== undefined) {
      body = text;
      headers["Content-Type"] = contentType || "text/plain";
    }
    const response = await fetch(path, {method, headers, body, cache: "no-store"});
    const data = await readJson(response);
    if (response.status === 401) {
      if (token !== state.token) continue;  // a new token was entered while this call was under way
      await askToken(state.token
        ? "The emulator refused that token. Enter the control token (--control-token) again."
        : "This emulator was started with --control-token: enter it to use the control API. "
          + "It is kept in this browser tab only (sessionStorage).");
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, errorText(data, response), data);
    return data;
  }
}

/** A call to an emulated vendor route, as a client would make it; marked so the journal can hide it. */
async function vendorCall(method, path, {json, bearer} = {}) {
  const headers = {Accept: "application/json", [OWN_HEADER]: "1"};
  if (state.tenant) headers["X-Emulator-Tenant"] = state.tenant;
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body;
  if (json !== undefined) {
    body = JSON.stringify(json);
    headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, {method, headers, body, cache: "no-store"});
  } catch {
    throw new ApiError(0, `${method} ${path}: no response (a connection fault?)`, null);
  }
  const data = await readJson(response);
  return {status: response.status, data, message: `${method} ${path} → ${response.status} ${errorText(data, response)}`};
}

// -- journal ----------------------------------------------------------------------------------------
function isOwn(entry) {
  return Object.keys(entry.headers || {}).some((name) => name.toLowerCase() === OWN_HEADER.toLowerCase());
}

function globToRegExp(glob) {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[" && glob.indexOf("]", i + 2) > 0) {
      const end = glob.indexOf("]", i + 2);
      let set = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
      if (set[0] === "!") set = "^" + set.slice(1);
      source += `[${set}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** The status filter: "503", "5xx", "none" (no response), several separated by commas or spaces. */
function statusTest(text) {
  const tests = [];
  for (const token of text.toLowerCase().split(/[\s,]+/).filter(Boolean)) {
    if (/^\d{3}$/.test(token)) tests.push((s) => s === Number(token));
    else if (/^\dxx$/.test(token)) tests.push((s) => s !== null && Math.floor(s / 100) === Number(token[0]));
    else if (token === "none" || token === "-") tests.push((s) => s === null || s === undefined);
    else return null;
  }
  return tests.length ? (status) => tests.some((test) => test(status)) : undefined;
}

function journalFilter() {
  const path = $("#filter-path").value.trim();
  let pathTest;
  if (path) {
    if (/[*?[]/.test(path)) {
      try { const re = globToRegExp(path); pathTest = (p) => re.test(p); } catch { pathTest = () => false; }
    } else pathTest = (p) => p.includes(path);
  }
  const status = statusTest($("#filter-status").value);
  $("#filter-status").classList.toggle("invalid", status === null);
  return {api: $("#filter-api").value, fault: $("#filter-fault").value, hideOwn: $("#filter-own").checked,
          pathTest, statusTest: status || undefined};
}

function entryMatches(entry, f) {
  if (f.api && entry.api !== f.api) return false;
  if (f.hideOwn && isOwn(entry)) return false;
  if (f.pathTest && !f.pathTest(entry.path)) return false;
  if (f.statusTest && !f.statusTest(entry.status)) return false;
  if (f.fault === "*") return Boolean(entry.fault);
  if (f.fault === "-") return !entry.fault;
  return !f.fault || entry.fault === f.fault;
}

function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function resetJournal() {
  state.entries = [];
  state.older = 0;
  state.selectedId = null;
  show($("#entry-detail"), false);
  renderJournal();
}

/** Read the entries after the newest one held; when that one is gone, the journal changed: read it again. */
async function pollJournal() {
  const generation = state.generation;
  const last = state.entries[state.entries.length - 1];
  const since = last ? last.id - 1 : 0;  // ask for the newest held entry too, to see that it is still there
  const data = await control("GET", `/_emulator/requests?since=${since}&limit=${JOURNAL_PAGE + (last ? 1 : 0)}`);
  if (generation !== state.generation) return;
  let items = data.items;
  if (last) {
    const first = items[0];
    if (!first || JSON.stringify(first) !== JSON.stringify(last)) {
      // cleared, reset or replaced elsewhere (ids start again at 1), or more came than one page holds
      resetJournal();
      await pollJournal();
      return;
    }
    items = items.slice(1);
  } else {
    state.older = Math.max(0, data.total - items.length);
  }
  if (!items.length) return;
  state.entries.push(...items);
  if (state.entries.length > JOURNAL_KEEP) state.entries.splice(0, state.entries.length - JOURNAL_KEEP);
  renderJournal();
}

function renderJournal() {
  const filter = journalFilter();
  const matching = state.entries.filter((entry) => entryMatches(entry, filter));
  const rows = matching.slice(-JOURNAL_ROWS).reverse();
  const tbody = $("#journal-table tbody");
  tbody.replaceChildren(...rows.map((entry) => {
    const faultCell = entry.fault
      ? el("td", {class: "fault", title: entry.fault_kind || ""}, el("span", {class: "tag warn", text: entry.fault}))
      : el("td");
    const row = el("tr", {tabindex: 0, "data-id": entry.id, class: entry.id === state.selectedId ? "selected" : null},
      el("td", {class: "num muted", text: entry.id}),
      el("td", {class: "mono", text: time(entry.time)}),
      el("td", {text: entry.api}),
      el("td", {class: "mono", text: entry.method}),
      el("td", {class: "mono", title: entry.path + queryString(entry.query)},
        el("div", {class: "path"}, entry.path, el("span", {class: "muted", text: queryString(entry.query)}))),
      el("td", {}, el("span", {class: `status ${statusClass(entry.status)}`,
        text: entry.status ?? (entry.fault_kind || "none")})),
      faultCell,
      el("td", {class: "num", text: typeof entry.duration_ms === "number" ? entry.duration_ms.toFixed(1) : ""}));
    return row;
  }));
  show($("#journal-empty"), rows.length === 0);
  $("#journal-empty").textContent = state.entries.length
    ? "No request passes these filters."
    : "No requests yet: point the code under test at this emulator.";
  const hidden = filter.hideOwn ? state.entries.filter(isOwn).length : 0;
  let count = `${matching.length} shown of ${state.entries.length}`;
  if (hidden) count += ` · ${hidden} from the dashboard hidden`;
  if (state.older) count += ` · ${state.older} older not loaded`;
  $("#journal-count").textContent = count;
  updateApiOptions();
}

function updateApiOptions() {
  const select = $("#filter-api");
  const known = new Set([...select.options].map((o) => o.value));
  const names = new Set([...state.vendors, ...state.entries.map((e) => e.api)]);
  for (const name of [...names].sort()) {
    if (name && !known.has(name)) select.append(el("option", {value: name, text: name}));
  }
}

function section(title, ...content) {
  return el("section", {class: "detail-section"}, el("h4", {text: title}), ...content);
}

function wideSection(title, ...content) {
  const node = section(title, ...content);
  node.classList.add("wide");
  return node;
}

function table(pairs) {
  if (!pairs.length) return el("p", {class: "muted", text: "none"});
  return el("table", {class: "kv"}, el("tbody", {}, pairs.map(([key, value]) =>
    el("tr", {}, el("th", {text: key}), el("td", {class: "mono", text: value})))));
}

function prettyBody(body, contentType) {
  if (!body) return el("p", {class: "muted", text: "empty"});
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    if (/x-www-form-urlencoded/i.test(contentType || "")) {
      const pairs = [...new URLSearchParams(body)];
      return el("div", {}, table(pairs), el("pre", {class: "code", text: body}));
    }
  }
  return el("pre", {class: "code", text});
}

// One word for a POSIX shell (and bash, zsh): left bare when it holds only characters no shell
// treats specially, else single-quoted, a ' inside written as '"'"'. Every part of the command
// goes through it, the method included: the journal keeps whatever method was sent.
function shellQuote(text) {
  const word = String(text);
  if (/^[A-Za-z0-9_.\/:-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

// The request as a curl command that is safe to paste: -g so brackets in the URL stay literal.
function curlFor(entry) {
  const parts = ["curl", "-g", "-i", "-X", entry.method, location.origin + entry.path + queryString(entry.query)];
  for (const [name, value] of Object.entries(entry.headers || {})) {
    if (!/^(host|content-length|connection|accept-encoding)$/i.test(name)) parts.push("-H", `${name}: ${value}`);
  }
  if (entry.body) parts.push("--data-raw", entry.body);
  return parts.map(shellQuote).join(" ");
}

function renderDetail(entry) {
  const headers = Object.entries(entry.headers || {});
  const contentType = (headers.find(([name]) => name.toLowerCase() === "content-type") || [])[1];
  const query = Object.entries(entry.query || {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]);
  $("#detail-title").textContent = `#${entry.id} ${entry.method} ${entry.path}`;
  $("#detail-body").replaceChildren(
    section("Request", table([
      ["time", entry.time], ["vendor", entry.api], ["from", entry.remote_addr ?? ""],
      ["url", entry.path + queryString(entry.query)]])),
    section("Response", table([
      ["status", entry.status === null || entry.status === undefined ? "no response" : String(entry.status)],
      ["fault", entry.fault || "none"], ["fault kind", entry.fault_kind || ""],
      ["duration", typeof entry.duration_ms === "number" ? `${entry.duration_ms} ms` : ""]])),
    section("Query", table(query)),
    section("Headers", table(headers.map(([k, v]) => [k, String(v)]))),
    wideSection("Body", prettyBody(entry.body, contentType)),
    wideSection("Reproduce", el("pre", {class: "code", text: curlFor(entry)})));
  show($("#entry-detail"), true);
}

function selectEntry(id) {
  const entry = state.entries.find((e) => e.id === id);
  if (!entry) return;
  state.selectedId = id;
  for (const row of document.querySelectorAll("#journal-table tr.selected")) row.classList.remove("selected");
  document.querySelector(`#journal-table tr[data-id="${id}"]`)?.classList.add("selected");
  renderDetail(entry);
}

// -- faults -----------------------------------------------------------------------------------------
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

async function refreshFaults() {
  const generation = state.generation;
  const data = await control("GET", "/_emulator/faults");
  if (generation !== state.generation) return;
  const key = JSON.stringify(data.items);
  if (key === state.faultsKey) return;
  state.faultsKey = key;
  state.faults = data.items;
  renderFaults();
}

function renderFaults() {
  $("#faults-count").textContent = state.faults.length ? `${state.faults.length} rule(s)` : "";
  $("#fault-list").replaceChildren(...state.faults.map((rule) => {
    const fired = rule.times !== undefined ? `fired ${rule.fired} of ${rule.times}` : `fired ${rule.fired}`;
    return el("li", {class: `card${rule.spent ? " spent" : ""}`, "data-id": rule.id},
      el("div", {class: "card-head"},
        el("strong", {class: "mono", text: rule.id}),
        el("span", {class: "tag", text: actionSummary(rule.action)}),
        rule.spent ? el("span", {class: "tag muted", text: "spent"}) : null,
        rule.origin === "scenario" ? el("span", {class: "tag muted", text: "from scenario"}) : null,
        el("div", {class: "grow"}),
        el("button", {type: "button", class: "link", title: "Show the requests this rule fired on",
          onclick: () => filterByFault(rule.id), text: "requests"}),
        el("button", {type: "button", class: "remove", "aria-label": `Remove ${rule.id}`,
          onclick: () => removeFault(rule.id), text: "×"})),
      el("div", {class: "muted mono", text: matchSummary(rule.match || {})}),
      el("div", {class: "counts"},
        el("span", {class: "fired", text: fired}),
        el("span", {class: "muted", text: ` · seen ${rule.seen}` + (rule.after ? ` · after ${rule.after}` : "")
          + (rule.probability < 1 ? ` · p ${rule.probability}` : "") + (rule.until ? ` · until ${rule.until}` : "")})),
      ...(rule.notes || []).map((note) => el("div", {class: "muted", text: note})));
  }));
  const select = $("#filter-fault");
  const current = select.value;
  const ids = new Set([...state.faults.map((r) => r.id), ...state.entries.map((e) => e.fault).filter(Boolean)]);
  select.replaceChildren(el("option", {value: "", text: "all"}), el("option", {value: "*", text: "faulted"}),
    el("option", {value: "-", text: "not faulted"}), ...[...ids].map((id) => el("option", {value: id, text: id})));
  select.value = [...select.options].some((o) => o.value === current) ? current : "";
}

function filterByFault(id) {
  const select = $("#filter-fault");
  if (![...select.options].some((o) => o.value === id)) select.append(el("option", {value: id, text: id}));
  select.value = id;
  renderJournal();
}

function showFaultError(message) {
  const box = $("#fault-error");
  box.textContent = message || "";
  show(box, Boolean(message));
}

async function addFault(rule) {
  try {
    const added = await control("POST", "/_emulator/faults", {json: rule});
    showFaultError("");
    notify(`Fault added: ${(Array.isArray(added) ? added : [added]).map((r) => r.id).join(", ")}`);
    await refreshFaults();
  } catch (err) {
    showFaultError(`Not added: ${err.message}`);
  }
}

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

async function removeFault(id) {
  try {
    await control("DELETE", `/_emulator/faults/${encodeURIComponent(id)}`);
    await refreshFaults();
  } catch (err) {
    showFaultError(err.message);
  }
}

// -- clock ------------------------------------------------------------------------------------------
async function refreshClock() {
  const data = await control("GET", "/_emulator/clock");
  state.clock = {...data, fetchedAt: Date.now()};
  renderClock();
}

function renderClock() {
  const clock = state.clock;
  if (!clock) return;
  let now = Date.parse(clock.now);
  if (clock.mode !== "frozen") now += Date.now() - clock.fetchedAt;
  $("#clock-now").textContent = Number.isFinite(now)
    ? new Date(now).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : String(clock.now);
  $("#clock-now").setAttribute("datetime", clock.now);
  $("#clock-mode").textContent = clock.mode;
  $("#clock-mode").className = `badge ${clock.mode === "frozen" ? "info" : ""}`;
  $("#clock-toggle").textContent = clock.mode === "frozen" ? "Run" : "Freeze";
}

async function setClock(body) {
  try {
    const data = await control("PUT", "/_emulator/clock", {json: body});
    state.clock = {...data, fetchedAt: Date.now()};
    renderClock();
  } catch (err) {
    notify(`Clock: ${err.message}`, true);
  }
}

// -- scenario, tenant, reset ------------------------------------------------------------------------
async function refreshScenario() {
  state.scenario = await control("GET", "/_emulator/scenario");
  const scenario = state.scenario;
  $("#scenario-name").textContent = scenario.name;
  $("#scenario-seed").textContent = `seed ${scenario.seed}`;
  $("#scenario-description").textContent = scenario.description || "";
  const select = $("#scenario-select");
  if ([...select.options].some((o) => o.value === scenario.name)) select.value = scenario.name;
  state.av.token = null;
  renderVideos();
}

async function loadScenarioList() {
  try {
    const data = await control("GET", "/_emulator/scenarios");
    $("#scenario-select").replaceChildren(...data.items.map((item) =>
      el("option", {value: item.name, title: item.description || "", text: item.name})));
    if (state.scenario) $("#scenario-select").value = state.scenario.name;
  } catch (err) {
    showScenarioError(err);
  }
}

function showScenarioError(err) {
  const box = $("#scenario-error");
  if (!err) {
    box.replaceChildren();
    show(box, false);
    return;
  }
  const messages = err.data && Array.isArray(err.data.messages) ? err.data.messages : [];
  box.replaceChildren(el("p", {text: messages.length ? "The scenario is not valid:" : err.message}),
    messages.length ? el("ul", {}, messages.map((message) => el("li", {class: "mono", text: message}))) : null);
  show(box, true);
}

async function putScenario(options, seed) {
  try {
    const query = seed === "" || seed === undefined ? "" : `?seed=${encodeURIComponent(seed)}`;
    const scenario = await control("PUT", `/_emulator/scenario${query}`, options);
    showScenarioError(null);
    notify(`Scenario ${scenario.name} loaded`);
    await worldChanged();
  } catch (err) {
    showScenarioError(err);
  }
}

function knownTenants() {
  try { return JSON.parse(sessionStorage.getItem(TENANTS_KEY)) || []; } catch { return []; }
}

function renderTenants() {
  $("#tenant-input").value = state.tenant;
  $("#tenant-list").replaceChildren(...knownTenants().map((name) => el("option", {value: name})));
}

async function switchTenant(name) {
  if (name && !TENANT_NAME.test(name)) {
    notify("A tenant name is 1–64 characters from A–Z a–z 0–9 _ . : -", true);
    return;
  }
  state.tenant = name;
  sessionStorage.setItem(TENANT_KEY, name);
  if (name) sessionStorage.setItem(TENANTS_KEY, JSON.stringify([...new Set([name, ...knownTenants()])].slice(0, 20)));
  renderTenants();
  notify(`Tenant: ${name || "default"}`);
  await worldChanged();
}

/** The tenant, its scenario or its state changed: drop what the page holds and read everything again. */
async function worldChanged() {
  state.generation += 1;
  state.faultsKey = "";
  state.reportsKey = "";
  state.av = {token: null, periodFor: null, list: null, page: 1, totals: {}, sessions: [], sessionId: null};
  show($("#av-sessions-box"), false);
  show($("#av-timeline-box"), false);
  resetJournal();
  await refreshAll();
}

async function refreshAll() {
  try {
    await refreshReady();
    await Promise.all([refreshScenario(), refreshFaults(), refreshClock(), pollJournal()]);
    await refreshReports(true);
    setConnection(true);
  } catch (err) {
    setConnection(false, err);
  }
}

// -- readiness and counts -----------------------------------------------------------------------------
async function refreshReady() {
  const ready = await control("GET", "/_emulator/ready");
  const previous = state.ready;
  state.ready = ready;
  const vendors = Object.keys(ready.counts || {}).sort();
  const vendorsChanged = vendors.join() !== [...state.vendors].join();
  state.vendors = new Set(vendors);
  if (vendorsChanged || !previous) renderVideos();
  $("#tenant-count").textContent = `${ready.tenant} · ${ready.tenants} tenant(s)`;
  renderChips($("#tt-counts"), ready.counts && ready.counts.twentythree);
  renderChips($("#av-counts"), ready.counts && ready.counts.apivideo);
  if (state.scenario && ready.scenario !== state.scenario.name) await refreshScenario();  // loaded elsewhere
  const reportsChanged = JSON.stringify((ready.counts || {}).twentythree)
    !== JSON.stringify(((previous || {}).counts || {}).twentythree);
  if (previous && reportsChanged) await refreshReports(true);
}

function renderChips(box, counts) {
  const chips = [];
  const walk = (prefix, value) => {
    if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
    } else chips.push(el("span", {class: "chip"}, el("span", {class: "muted", text: prefix}), " ", String(value)));
  };
  walk("", counts || {});
  box.replaceChildren(...chips.slice(0, 12));
}

// -- 23 Video reports -------------------------------------------------------------------------------
async function refreshReports(quiet = false) {
  const status = $("#tt-status");
  if (!state.vendors.has("twentythree")) {
    status.textContent = state.ready ? "This emulator does not serve 23 Video." : "";
    $("#tt-table tbody").replaceChildren();
    return;
  }
  const params = new URLSearchParams({limit: "200"});
  if ($("#tt-kind").value) params.set("kind", $("#tt-kind").value);
  if ($("#tt-photo").value.trim()) params.set("photo_id", $("#tt-photo").value.trim());
  if ($("#tt-domain").value.trim()) params.set("domain", $("#tt-domain").value.trim());
  let data;
  try {
    data = await control("GET", `/_emulator/twentythree/reports?${params}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    status.textContent = `Reports unavailable: ${err.status} ${err.message}`;
    return;
  }
  const items = Array.isArray(data && data.items) ? data.items : [];
  const key = JSON.stringify([data.total, items.length && items[items.length - 1].id]);
  if (quiet && key === state.reportsKey) return;
  state.reportsKey = key;
  status.textContent = data.total ? `${data.total} report(s)${data.total > items.length ? `, newest ${items.length} shown` : ""}`
    : "No reports recorded yet.";
  $("#tt-table tbody").replaceChildren(...items.slice().reverse().map((item) =>
    clickableRow({}, () => showReport(item),
      el("td", {class: "num muted", text: item.id ?? ""}),
      el("td", {class: "mono", text: time(item.time)}),
      el("td", {text: item.kind ?? ""}),
      el("td", {class: "mono", text: item.photo_id ?? ""}),
      el("td", {text: item.domain ?? ""}))));
}

function showReport(item) {
  const pre = $("#tt-detail");
  pre.textContent = JSON.stringify(item, null, 2);
  show(pre, true);
}

// -- api.video sessions -----------------------------------------------------------------------------
function apivideoSection() {
  const document_ = state.scenario && state.scenario.document;
  return (document_ && document_.apivideo) || null;
}

function defaultPeriod(section) {
  for (const item of [...(section.videos || []), ...(section.live_streams || [])]) {
    const period = item.generate && item.generate.period;
    if (typeof period === "string") return period;
    const loaded = item.sessions && item.sessions[0] && item.sessions[0].session && item.sessions[0].session.loadedAt;
    if (typeof loaded === "string") return loaded.slice(0, 7);
  }
  return state.clock ? String(state.clock.now).slice(0, 4) : String(new Date().getUTCFullYear());
}

function renderVideos() {
  const section = apivideoSection();
  const status = $("#av-status");
  const tbody = $("#av-videos tbody");
  if (!section) {
    status.textContent = state.vendors.has("apivideo") || !state.ready
      ? "The scenario has no apivideo section." : "This emulator does not serve api.video.";
    tbody.replaceChildren();
    return;
  }
  if (state.av.periodFor !== state.scenario.name) {
    $("#av-period").value = defaultPeriod(section);
    state.av.periodFor = state.scenario.name;
  }
  status.textContent = "";
  const rows = [
    ...(section.videos || []).map((item) => ["video", item]),
    ...(section.live_streams || []).map((item) => ["live", item])];
  tbody.replaceChildren(...rows.map(([type, item]) => {
    const planned = (item.sessions || []).length + ((item.generate && item.generate.sessions) || 0);
    const total = state.av.totals[item.id];
    return clickableRow({class: state.av.list && state.av.list.id === item.id ? "selected" : null},
      () => listSessions(type, String(item.id), 1),
      el("td", {text: type}),
      el("td", {class: "mono", text: item.id}),
      el("td", {class: "num", text: planned}),
      el("td", {class: "num", text: total ?? "–"}));
  }));
}

async function apivideoToken() {
  if (state.av.token) return state.av.token;
  const section = apivideoSection();
  const key = section && section.api_keys && section.api_keys[0] && section.api_keys[0].key;
  if (!key) throw new ApiError(0, "The scenario has no api.video API key (apivideo.api_keys).", null);
  const answer = await vendorCall("POST", "/auth/api-key", {json: {apiKey: key}});
  if (answer.status !== 200 || !answer.data || !answer.data.access_token) throw new ApiError(answer.status, answer.message, answer.data);
  state.av.token = answer.data.access_token;
  return state.av.token;
}

/** GET an api.video analytics route with a bearer token (logging in again once if it expired). */
async function apivideoGet(path) {
  for (let attempt = 0; ; attempt++) {
    const answer = await vendorCall("GET", path, {bearer: await apivideoToken()});
    if (answer.status === 401 && attempt === 0) {
      state.av.token = null;
      continue;
    }
    if (answer.status !== 200 || !answer.data || !Array.isArray(answer.data.data)) {
      throw new ApiError(answer.status, answer.message, answer.data);
    }
    return answer.data;
  }
}

async function listSessions(type, id, page) {
  const period = $("#av-period").value.trim();
  const status = $("#av-status");
  state.av.list = {type, id};
  state.av.page = page;
  renderVideos();
  status.textContent = "Loading…";
  const route = type === "live" ? "live-streams" : "videos";
  const params = new URLSearchParams({period, currentPage: String(page), pageSize: "25"});
  try {
    const answer = await apivideoGet(`/analytics/${route}/${encodeURIComponent(id)}?${params}`);
    const pagination = answer.pagination || {};
    state.av.totals[id] = pagination.itemsTotal;
    state.av.sessions = answer.data;
    status.textContent = "";
    renderSessions(type, id, pagination);
    renderVideos();
  } catch (err) {
    status.textContent = `Sessions unavailable: ${err.message}`;
    show($("#av-sessions-box"), false);
  }
}

function renderSessions(type, id, pagination) {
  $("#av-sessions-title").textContent = `${pagination.itemsTotal ?? state.av.sessions.length} session(s) of ${id}`;
  $("#av-page").textContent = `page ${pagination.currentPage ?? 1} of ${Math.max(1, pagination.pagesTotal ?? 1)}`;
  $("#av-prev").disabled = !(pagination.currentPage > 1);
  $("#av-next").disabled = !(pagination.currentPage < pagination.pagesTotal);
  $("#av-sessions tbody").replaceChildren(...state.av.sessions.map((item) => {
    const session = item.session || {};
    const location_ = item.location || {};
    const device = item.device || {};
    const client = item.client || {};
    const metadata = (session.metadata || []).map((m) => `${m.key}=${m.value}`).join(", ");
    return clickableRow({class: session.sessionId === state.av.sessionId ? "selected" : null},
      () => showEvents(item),
      el("td", {class: "mono", title: metadata}, session.sessionId ?? "",
        metadata ? el("div", {class: "muted small", text: metadata}) : null),
      el("td", {class: "mono", text: (session.loadedAt || "").replace("T", " ").replace(/\.\d+Z$/, "Z")}),
      el("td", {class: "num", text: duration(Date.parse(session.endedAt) - Date.parse(session.loadedAt))}),
      el("td", {text: [location_.city, location_.country].filter(Boolean).join(", ")}),
      el("td", {text: [device.type, device.vendor !== "unknown" ? device.vendor : null].filter(Boolean).join(" ")}),
      el("td", {text: [client.name, client.version].filter(Boolean).join(" ")}));
  }));
  show($("#av-sessions-box"), true);
}

function eventText(event) {
  if (event.type && event.type.startsWith("seek")) return `${event.type} ${event.from} s → ${event.to} s`;
  return `${event.type} at ${event.at} s`;
}

async function showEvents(item) {
  const session = item.session || {};
  const id = session.sessionId;
  state.av.sessionId = id;
  for (const row of document.querySelectorAll("#av-sessions tr")) {
    row.classList.toggle("selected", row.firstChild && row.firstChild.firstChild
      && row.firstChild.firstChild.textContent === id);
  }
  const title = $("#av-timeline-title");
  show($("#av-timeline-box"), true);
  title.textContent = `Events of ${id}: loading…`;
  $("#av-timeline").replaceChildren();
  $("#av-events").replaceChildren();
  const events = [];
  try {
    for (let page = 1, pages = 1; page <= pages && page <= 20; page++) {
      const answer = await apivideoGet(`/analytics/sessions/${encodeURIComponent(id)}/events?currentPage=${page}&pageSize=100`);
      events.push(...answer.data);
      pages = (answer.pagination && answer.pagination.pagesTotal) || 1;
    }
  } catch (err) {
    title.textContent = `Events of ${id} unavailable: ${err.message}`;
    return;
  }
  title.textContent = `${events.length} event(s) of ${id}`;
  renderTimeline(session, events);
}

function renderTimeline(session, events) {
  const times = events.map((e) => Date.parse(e.emittedAt)).filter(Number.isFinite);
  const start = Math.min(Date.parse(session.loadedAt) || Infinity, ...times);
  const end = Math.max(Date.parse(session.endedAt) || -Infinity, ...times);
  const span = Math.max(1, end - start);
  const line = $("#av-timeline");
  line.replaceChildren(el("div", {class: "axis"}),
    el("span", {class: "edge start muted", text: time(session.loadedAt) || ""}),
    el("span", {class: "edge end muted", text: time(session.endedAt) || ""}));
  events.forEach((event, index) => {
    const at = Date.parse(event.emittedAt);
    if (!Number.isFinite(at)) return;
    const kind = String(event.type || "").split(".")[0];
    const marker = el("div", {class: `marker ev-${kind} lane-${index % 3}`,
        title: `${duration(at - start)} · ${eventText(event)} · ${event.emittedAt}`},
      el("span", {class: "dot"}), el("span", {class: "marker-label", text: event.type}));
    marker.style.left = `${((at - start) / span) * 100}%`;
    line.append(marker);
  });
  $("#av-events").replaceChildren(...events.map((event) =>
    el("li", {}, el("span", {class: "mono muted", text: `+${duration(Date.parse(event.emittedAt) - start)} `}),
      el("span", {class: `ev-name ev-${String(event.type || "").split(".")[0]}`, text: eventText(event)}))));
}

// -- wiring -----------------------------------------------------------------------------------------
function setConnection(ok, err) {
  const badge = $("#connection");
  badge.textContent = ok ? "live" : (err instanceof ApiError ? `error ${err.status}` : "unreachable");
  badge.className = `badge ${ok ? "ok" : "bad"}`;
  badge.title = ok ? "Polling the control API every second" : String(err && err.message);
}

async function tick() {
  try {
    const jobs = [refreshClock(), refreshFaults(), refreshReady()];
    if (!state.paused) jobs.push(pollJournal());
    await Promise.all(jobs);
    setConnection(true);
  } catch (err) {
    setConnection(false, err);
  }
  setTimeout(tick, POLL_MS);
}

function wire() {
  $("#token-dialog").addEventListener("cancel", (event) => event.preventDefault());  // a token is needed

  $("#journal-filters").addEventListener("input", renderJournal);
  $("#journal-filters").addEventListener("submit", (event) => event.preventDefault());
  const openRow = (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row && (event.type === "click" || event.key === "Enter")) selectEntry(Number(row.dataset.id));
  };
  $("#journal-table tbody").addEventListener("click", openRow);
  $("#journal-table tbody").addEventListener("keydown", openRow);
  $("#detail-close").addEventListener("click", () => {
    state.selectedId = null;
    show($("#entry-detail"), false);
    renderJournal();
  });
  $("#journal-pause").addEventListener("click", () => {
    state.paused = !state.paused;
    $("#journal-pause").textContent = state.paused ? "Resume" : "Pause";
    $("#journal-pause").classList.toggle("active", state.paused);
  });
  $("#journal-clear").addEventListener("click", async () => {
    try {
      await control("DELETE", "/_emulator/requests");
      state.generation += 1;
      resetJournal();
    } catch (err) {
      notify(`Journal: ${err.message}`, true);
    }
  });

  $("#presets").replaceChildren(...PRESETS.map((preset) => el("button", {type: "button", class: "preset",
    title: JSON.stringify(preset.rule), text: preset.label, onclick: () => addFault(presetRule(preset))})));
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
    addFault(rule);
  });
  $("#faults-clear").addEventListener("click", async () => {
    try {
      await control("DELETE", "/_emulator/faults");
      showFaultError("");
      await refreshFaults();
    } catch (err) {
      showFaultError(err.message);
    }
  });

  $("#scenario-form").addEventListener("submit", (event) => {
    event.preventDefault();
    putScenario({json: {name: $("#scenario-select").value}}, $("#scenario-seed-input").value.trim());
  });
  $("#scenario-doc-load").addEventListener("click", () => {
    const text = $("#scenario-doc").value;
    if (!text.trim()) {
      showScenarioError(new ApiError(0, "Write a scenario document first.", null));
      return;
    }
    putScenario({text, contentType: "application/yaml"}, $("#scenario-seed-input").value.trim());
  });
  $("#reset-button").addEventListener("click", async () => {
    try {
      const answer = await control("POST", "/_emulator/reset");
      notify(`Tenant ${answer.tenant} reset to scenario ${answer.scenario}`);
      await worldChanged();
    } catch (err) {
      notify(`Reset: ${err.message}`, true);
    }
  });
  $("#tenant-form").addEventListener("submit", (event) => {
    event.preventDefault();
    switchTenant($("#tenant-input").value.trim());
  });

  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => setClock({advance: Number(button.dataset.advance)}));
  }
  $("#advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = Number($("#advance-seconds").value);
    if ($("#advance-seconds").value.trim() && Number.isFinite(seconds)) setClock({advance: seconds});
  });
  $("#clock-toggle").addEventListener("click", () =>
    setClock({mode: state.clock && state.clock.mode === "frozen" ? "real" : "frozen"}));
  setInterval(renderClock, 1000);

  $("#tt-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshReports().catch((err) => notify(err.message, true));
  });
  $("#av-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.av.list) listSessions(state.av.list.type, state.av.list.id, 1);
  });
  $("#av-prev").addEventListener("click", () => listSessions(state.av.list.type, state.av.list.id, state.av.page - 1));
  $("#av-next").addEventListener("click", () => listSessions(state.av.list.type, state.av.list.id, state.av.page + 1));
}

async function start() {
  wire();
  renderTenants();
  await Promise.all([loadScenarioList(), refreshAll()]);
  setTimeout(tick, POLL_MS);
}

start();
