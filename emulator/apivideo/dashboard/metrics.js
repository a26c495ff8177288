// The api.video metrics view: plays, impressions and concurrent viewers over time (a chart) and a
// breakdown table, fed by the emulator's own /data/* routes, so a player developer sees their
// test plays land. Everything shown comes from answers built on beacons (attacker-controlled):
// the DOM is built with the dashboard's el() only (createElement/textContent).

const REFRESH_MS = 5000;
const SERIES = [
  {metric: "impression", label: "impressions", cls: "m-impression"},
  {metric: "play", label: "plays", cls: "m-play"},
  {metric: "ccv-peak", label: "concurrent viewers (peak)", cls: "m-ccv"},
];
const WINDOWS = {"24h": 1, "7d": 7, "30d": 30};
const BREAKDOWNS = ["country", "continent", "device-type", "operating-system", "browser", "media-id", "referrer"];

function atom(ms) {
  return new Date(ms).toISOString().slice(0, 19) + "+00:00";
}

/** The chart: one lane of bars per series over a shared time axis (a bar at each emittedAt, its
 * height the value against the largest value shown), positioned like the session timeline. */
function drawChart(el, box, series, fromMs, toMs) {
  const peak = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.metricValue)));
  const lanes = series.map((s) => {
    const lane = el("div", {class: `lane ${s.cls}`, "data-metric": s.metric, "data-points": s.points.length,
                            title: s.label});
    lane.append(...s.points.map((p) => {
      const bar = el("span", {class: "bar", title: `${p.emittedAt}: ${p.metricValue}`});
      bar.style.left = `${(100 * (Date.parse(p.emittedAt) - fromMs)) / Math.max(1, toMs - fromMs)}%`;
      bar.style.height = `${Math.max(4, (100 * p.metricValue) / peak)}%`;
      return bar;
    }));
    return lane;
  });
  const chart = el("div", {class: "metrics-chart", role: "img",
                           "aria-label": "plays, impressions and concurrent viewers over time"},
    ...lanes, el("span", {class: "edge start", text: atom(fromMs)}), el("span", {class: "edge end", text: atom(toMs)}),
    el("span", {class: "peak", text: `max ${peak}`}));
  const legend = el("ul", {class: "legend"}, ...series.map((s) => el("li", {class: s.cls},
    el("span", {class: "swatch"}), `${s.label}: ${s.points.reduce((sum, p) => sum + p.metricValue, 0)}`)));
  box.replaceChildren(chart, legend);
}

/**
 * Mount the view into ``root``. ``get(path)`` is the dashboard's authenticated api.video GET
 * (throws on errors); ``ready()`` says whether the scenario has an api.video section; ``now()``
 * is the emulator clock's current instant (ISO text).
 */
export function mountMetrics(root, {el, get, ready, now}) {
  const windowSelect = el("select", {id: "avm-window", "aria-label": "window"},
    ...Object.keys(WINDOWS).map((w) => el("option", {value: w, text: `last ${w}`})));
  const breakdownSelect = el("select", {id: "avm-breakdown", "aria-label": "breakdown"},
    ...BREAKDOWNS.map((b) => el("option", {value: b, text: b})));
  const status = el("p", {id: "avm-status", class: "muted"});
  const chart = el("div", {id: "avm-chart"});
  const tbody = el("tbody");
  const table = el("table", {id: "avm-table", class: "data"},
    el("thead", {}, el("tr", {}, el("th", {text: "dimension"}), el("th", {class: "num", text: "plays"}))), tbody);
  root.replaceChildren(
    el("div", {class: "panel-head"}, el("h3", {text: "Metrics (/data/*)"}), windowSelect, breakdownSelect),
    status, chart, el("div", {class: "table-wrap short"}, table));

  let busy = false;
  async function refresh() {
    if (busy || !ready()) return;
    busy = true;
    try {
      const days = WINDOWS[windowSelect.value];
      const toMs = Date.parse(now()) || Date.now();
      const fromMs = toMs - days * 86_400_000;
      const window = `from=${encodeURIComponent(atom(fromMs))}&to=${encodeURIComponent(atom(toMs + 1000))}`;
      const interval = days === 1 ? "hour" : "day";
      const series = await Promise.all(SERIES.map(async (s) => ({
        ...s, points: (await get(`/data/timeseries/${s.metric}?${window}&interval=${interval}&pageSize=100`)).data})));
      drawChart(el, chart, series, fromMs, toMs);
      const breakdown = await get(`/data/buckets/play/${breakdownSelect.value}?${window}&pageSize=100`);
      tbody.replaceChildren(...breakdown.data.map((row) => el("tr", {},
        el("td", {class: "mono", text: row.dimensionValue === "" ? "(none)" : row.dimensionValue}),
        el("td", {class: "num", text: String(row.metricValue)}))));
      status.textContent = breakdown.data.length ? "" : "No plays in this window yet.";
    } catch (err) {
      status.textContent = `Metrics unavailable: ${err.message}`;
    } finally {
      busy = false;
    }
  }
  windowSelect.addEventListener("change", refresh);
  breakdownSelect.addEventListener("change", refresh);
  setInterval(refresh, REFRESH_MS);
  refresh();
  return {refresh};
}
