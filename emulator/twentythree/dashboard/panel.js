// The dashboard's 23 Video panel: the reports the code under test sent (GET
// /_emulator/twentythree/reports), filterable, refreshed when the report counts change.
// Loaded by the dashboard as this vendor's panel (Vendor.dashboard_panel; contract: docs/dashboard.md).
// Reports are attacker-controlled: the DOM is built with the dashboard's el() (textContent) only.

export const column = "side";

// A fault only this vendor renders: its own error format (see the fault kinds in docs/control-api.md).
export const faultPresets = [
  {label: "23 Video error", rule: {match: {api: "twentythree"},
    action: {kind: "error", code: "permission_denied", message: "Emulated failure"}, times: 1}},
];

export function mount(root, {vendor, control, ApiError, dom}) {
  const {el, show, clickableRow, time, renderChips} = dom;
  const counts = el("span", {id: "tt-counts", class: "chips"});
  const kind = el("select", {id: "tt-kind"}, el("option", {value: "", text: "all"}),
    ...["play", "download", "event"].map((name) => el("option", {text: name})));
  const photo = el("input", {id: "tt-photo", size: 9});
  const domain = el("input", {id: "tt-domain", size: 12});
  const filters = el("form", {id: "tt-filters", class: "filters", autocomplete: "off"},
    el("label", {}, "kind ", kind), el("label", {}, "photo_id ", photo), el("label", {}, "domain ", domain),
    el("button", {type: "submit", text: "Refresh"}));
  const status = el("p", {id: "tt-status", class: "muted"});
  const tbody = el("tbody");
  const detail = el("pre", {id: "tt-detail", class: "code sub", hidden: true});
  root.replaceChildren(
    el("div", {class: "panel-head"}, el("h2", {text: "23 Video reports"}), counts),
    filters, status,
    el("div", {class: "table-wrap short"}, el("table", {id: "tt-table", class: "data"},
      el("thead", {}, el("tr", {}, ...["#", "time", "kind", "photo_id", "domain"].map((h) => el("th", {text: h})))),
      tbody)),
    detail);

  let shownKey = "";       // what the table shows (total and newest id): an unchanged answer is not redrawn
  let countsKey = null;    // the counts last seen: the reports are read again when they change

  function showReport(item) {
    detail.textContent = JSON.stringify(item, null, 2);
    show(detail, true);
  }

  async function refresh(quiet = false) {
    const params = new URLSearchParams({limit: "200"});
    if (kind.value) params.set("kind", kind.value);
    if (photo.value.trim()) params.set("photo_id", photo.value.trim());
    if (domain.value.trim()) params.set("domain", domain.value.trim());
    let data;
    try {
      data = await control("GET", `/_emulator/${vendor}/reports?${params}`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      status.textContent = `Reports unavailable: ${err.status} ${err.message}`;
      return;
    }
    const items = Array.isArray(data && data.items) ? data.items : [];
    const key = JSON.stringify([data.total, items.length && items[items.length - 1].id]);
    if (quiet && key === shownKey) return;
    shownKey = key;
    status.textContent = data.total
      ? `${data.total} report(s)${data.total > items.length ? `, newest ${items.length} shown` : ""}`
      : "No reports recorded yet.";
    tbody.replaceChildren(...items.slice().reverse().map((item) =>
      clickableRow({}, () => showReport(item),
        el("td", {class: "num muted", text: item.id ?? ""}),
        el("td", {class: "mono", text: time(item.time)}),
        el("td", {text: item.kind ?? ""}),
        el("td", {class: "mono", text: item.photo_id ?? ""}),
        el("td", {text: item.domain ?? ""}))));
  }

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    refresh().catch((err) => { status.textContent = `Reports unavailable: ${err.message}`; });
  });

  return {
    async update(latest) {
      renderChips(counts, latest);
      const key = JSON.stringify(latest);
      if (key === countsKey) return;
      countsKey = key;
      await refresh(true);
    },
    reset() {
      shownKey = "";
      countsKey = null;
      show(detail, false);
    },
  };
}
