// The request journal, live: polls GET /_emulator/requests, filters in the page, opens an entry.
import {OWN_HEADER} from "./api.js";
import {$, el, show, statusClass, time, queryString} from "./dom.js";
import {renderEntry} from "./entry.js";

const JOURNAL_PAGE = 500;       // entries asked for per poll (the newest, when more are waiting)
const JOURNAL_KEEP = 2000;      // entries kept in the page
const JOURNAL_ROWS = 500;       // rows drawn at most (the newest that pass the filters)

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

function entryRow(entry, selected) {
  const faultCell = entry.fault
    ? el("td", {class: "fault", title: entry.fault_kind || ""}, el("span", {class: "tag warn", text: entry.fault}))
    : el("td");
  return el("tr", {tabindex: 0, "data-id": entry.id, class: selected ? "selected" : null},
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
}

/** The Requests panel over ``store`` (its generation and vendors) and ``control``. */
export function createJournal({store, control, notify}) {
  let entries = [];
  let older = 0;            // entries older than the first page read (more came at once than a page holds)
  let selectedId = null;
  let paused = false;

  function render() {
    const filter = journalFilter();
    const matching = entries.filter((entry) => entryMatches(entry, filter));
    const rows = matching.slice(-JOURNAL_ROWS).reverse();
    $("#journal-table tbody").replaceChildren(...rows.map((entry) => entryRow(entry, entry.id === selectedId)));
    show($("#journal-empty"), rows.length === 0);
    $("#journal-empty").textContent = entries.length
      ? "No request passes these filters."
      : "No requests yet: point the code under test at this emulator.";
    const hidden = filter.hideOwn ? entries.filter(isOwn).length : 0;
    let count = `${matching.length} shown of ${entries.length}`;
    if (hidden) count += ` · ${hidden} from the dashboard hidden`;
    if (older) count += ` · ${older} older not loaded`;
    $("#journal-count").textContent = count;
    updateApiOptions();
  }

  function updateApiOptions() {
    const select = $("#filter-api");
    const known = new Set([...select.options].map((o) => o.value));
    const names = new Set([...store.vendors, ...entries.map((e) => e.api)]);
    for (const name of [...names].sort()) {
      if (name && !known.has(name)) select.append(el("option", {value: name, text: name}));
    }
  }

  function reset() {
    entries = [];
    older = 0;
    selectedId = null;
    show($("#entry-detail"), false);
    render();
  }

  /** Read the entries after the newest one held; when that one is gone, the journal changed: read it again. */
  async function poll() {
    const generation = store.generation;
    const last = entries[entries.length - 1];
    const since = last ? last.id - 1 : 0;  // ask for the newest held entry too, to see that it is still there
    const data = await control("GET", `/_emulator/requests?since=${since}&limit=${JOURNAL_PAGE + (last ? 1 : 0)}`);
    if (generation !== store.generation) return;
    let items = data.items;
    if (last) {
      const first = items[0];
      if (!first || JSON.stringify(first) !== JSON.stringify(last)) {
        // cleared, reset or replaced elsewhere (ids start again at 1), or more came than one page holds
        reset();
        await poll();
        return;
      }
      items = items.slice(1);
    } else {
      older = Math.max(0, data.total - items.length);
    }
    if (!items.length) return;
    entries.push(...items);
    if (entries.length > JOURNAL_KEEP) entries.splice(0, entries.length - JOURNAL_KEEP);
    render();
  }

  function select(id) {
    const entry = entries.find((e) => e.id === id);
    if (!entry) return;
    selectedId = id;
    for (const row of document.querySelectorAll("#journal-table tr.selected")) row.classList.remove("selected");
    document.querySelector(`#journal-table tr[data-id="${id}"]`)?.classList.add("selected");
    renderEntry($("#detail-title"), $("#detail-body"), entry);
    show($("#entry-detail"), true);
  }

  /** Show only the requests fault rule ``id`` fired on. */
  function filterByFault(id) {
    const selectNode = $("#filter-fault");
    if (![...selectNode.options].some((o) => o.value === id)) selectNode.append(el("option", {value: id, text: id}));
    selectNode.value = id;
    render();
  }

  function wire() {
    $("#journal-filters").addEventListener("input", render);
    $("#journal-filters").addEventListener("submit", (event) => event.preventDefault());
    const openRow = (event) => {
      const row = event.target.closest("tr[data-id]");
      if (row && (event.type === "click" || event.key === "Enter")) select(Number(row.dataset.id));
    };
    $("#journal-table tbody").addEventListener("click", openRow);
    $("#journal-table tbody").addEventListener("keydown", openRow);
    $("#detail-close").addEventListener("click", () => {
      selectedId = null;
      show($("#entry-detail"), false);
      render();
    });
    $("#journal-pause").addEventListener("click", () => {
      paused = !paused;
      $("#journal-pause").textContent = paused ? "Resume" : "Pause";
      $("#journal-pause").classList.toggle("active", paused);
    });
    $("#journal-clear").addEventListener("click", async () => {
      try {
        await control("DELETE", "/_emulator/requests");
        store.generation += 1;
        reset();
      } catch (err) {
        notify(`Journal: ${err.message}`, true);
      }
    });
  }

  return {
    wire, poll, render, reset, filterByFault, updateApiOptions,
    paused: () => paused,
    faultIds: () => entries.map((e) => e.fault).filter(Boolean),
  };
}
