// The dashboard's api.video panel: the scenario's videos and live streams, a video's sessions
// (the vendor's own /analytics routes, called as a client with a token from the scenario's first
// API key), a session's events on a timeline, and the /data/* metrics view (metrics.js).
// Loaded by the dashboard as this vendor's panel (Vendor.dashboard_panel; contract: docs/dashboard.md).
// Sessions come from beacons (attacker-controlled): the DOM is built with the dashboard's el() only.
import {mountMetrics} from "./metrics.js";

export const column = "wide";

function defaultPeriod(section, now) {
  for (const item of [...(section.videos || []), ...(section.live_streams || [])]) {
    const period = item.generate && item.generate.period;
    if (typeof period === "string") return period;
    const loaded = item.sessions && item.sessions[0] && item.sessions[0].session && item.sessions[0].session.loadedAt;
    if (typeof loaded === "string") return loaded.slice(0, 7);
  }
  return now ? String(now).slice(0, 4) : String(new Date().getUTCFullYear());
}

function eventText(event) {
  if (event.type && event.type.startsWith("seek")) return `${event.type} ${event.from} s → ${event.to} s`;
  return `${event.type} at ${event.at} s`;
}

function fresh() {
  return {token: null, login: null, periodFor: null, list: null, page: 1, totals: {}, sessions: [], sessionId: null};
}

export function mount(root, {vendor, vendorCall, ApiError, dom, now, scenario, section}) {
  const {el, show, clickableRow, time, duration, renderChips} = dom;
  const counts = el("span", {id: "av-counts", class: "chips"});
  const period = el("input", {id: "av-period", size: 22, placeholder: "2024-01 or 2024-01-01/2024-02-29"});
  const form = el("form", {id: "av-form", class: "filters", autocomplete: "off"},
    el("label", {}, "period ", period), el("span", {class: "muted", text: "click a video to list its sessions"}));
  const status = el("p", {id: "av-status", class: "muted"});
  const videos = el("tbody");
  const sessionsTitle = el("h3", {id: "av-sessions-title"});
  const prev = el("button", {type: "button", id: "av-prev", text: "‹ prev"});
  const pageText = el("span", {id: "av-page", class: "muted"});
  const next = el("button", {type: "button", id: "av-next", text: "next ›"});
  const sessions = el("tbody");
  const sessionsBox = el("div", {id: "av-sessions-box", class: "sub", hidden: true},
    el("div", {class: "panel-head"}, sessionsTitle, el("div", {class: "grow"}), prev, pageText, next),
    el("div", {class: "table-wrap short"}, el("table", {id: "av-sessions", class: "data"},
      el("thead", {}, el("tr", {}, ...["session", "loaded", "length", "where", "device", "client"]
        .map((h) => el("th", {text: h})))), sessions)));
  const metricsBox = el("div", {id: "av-metrics", class: "metrics"});
  const timelineTitle = el("h3", {id: "av-timeline-title"});
  const timeline = el("div", {id: "av-timeline", class: "timeline"});
  const eventList = el("ol", {id: "av-events", class: "events"});
  const timelineBox = el("div", {id: "av-timeline-box", class: "sub", hidden: true}, timelineTitle, timeline, eventList);
  root.replaceChildren(
    el("div", {class: "panel-head"}, el("h2", {text: "api.video sessions"}), counts),
    form, status,
    el("div", {class: "table-wrap short"}, el("table", {id: "av-videos", class: "data"},
      el("thead", {}, el("tr", {}, el("th", {text: "type"}), el("th", {text: "id"}),
        el("th", {class: "num", text: "in scenario"}), el("th", {class: "num", text: "in period"}))), videos)),
    sessionsBox, metricsBox, timelineBox);

  let av = fresh();

  function renderVideos() {
    const ours = section();
    if (!ours) {
      status.textContent = `The scenario has no ${vendor} section.`;
      videos.replaceChildren();
      return;
    }
    const loaded = scenario();
    if (av.periodFor !== loaded.name) {
      period.value = defaultPeriod(ours, now());
      av.periodFor = loaded.name;
    }
    status.textContent = "";
    const rows = [
      ...(ours.videos || []).map((item) => ["video", item]),
      ...(ours.live_streams || []).map((item) => ["live", item])];
    videos.replaceChildren(...rows.map(([type, item]) => {
      const planned = (item.sessions || []).length + ((item.generate && item.generate.sessions) || 0);
      const total = av.totals[item.id];
      return clickableRow({class: av.list && av.list.id === item.id ? "selected" : null},
        () => listSessions(type, String(item.id), 1),
        el("td", {text: type}),
        el("td", {class: "mono", text: item.id}),
        el("td", {class: "num", text: planned}),
        el("td", {class: "num", text: total ?? "–"}));
    }));
  }

  async function login(state) {
    const ours = section();
    const key = ours && ours.api_keys && ours.api_keys[0] && ours.api_keys[0].key;
    if (!key) throw new ApiError(0, `The scenario has no api.video API key (${vendor}.api_keys).`, null);
    const answer = await vendorCall("POST", "/auth/api-key", {json: {apiKey: key}});
    if (answer.status !== 200 || !answer.data || !answer.data.access_token) {
      throw new ApiError(answer.status, answer.message, answer.data);
    }
    state.token = answer.data.access_token;
    return state.token;
  }

  /** The bearer token; calls made at once (the metrics' series) share one login. */
  function token() {
    if (av.token) return Promise.resolve(av.token);
    const state = av;
    if (!state.login) state.login = login(state).finally(() => { state.login = null; });
    return state.login;
  }

  /** GET an api.video analytics route with a bearer token (logging in again once if it expired). */
  async function get(path) {
    for (let attempt = 0; ; attempt++) {
      const answer = await vendorCall("GET", path, {bearer: await token()});
      if (answer.status === 401 && attempt === 0) {
        av.token = null;
        continue;
      }
      if (answer.status !== 200 || !answer.data || !Array.isArray(answer.data.data)) {
        throw new ApiError(answer.status, answer.message, answer.data);
      }
      return answer.data;
    }
  }

  async function listSessions(type, id, page) {
    av.list = {type, id};
    av.page = page;
    renderVideos();
    status.textContent = "Loading…";
    const route = type === "live" ? "live-streams" : "videos";
    const params = new URLSearchParams({period: period.value.trim(), currentPage: String(page), pageSize: "25"});
    try {
      const answer = await get(`/analytics/${route}/${encodeURIComponent(id)}?${params}`);
      const pagination = answer.pagination || {};
      av.totals[id] = pagination.itemsTotal;
      av.sessions = answer.data;
      status.textContent = "";
      renderSessions(id, pagination);
      renderVideos();
    } catch (err) {
      status.textContent = `Sessions unavailable: ${err.message}`;
      show(sessionsBox, false);
    }
  }

  function renderSessions(id, pagination) {
    sessionsTitle.textContent = `${pagination.itemsTotal ?? av.sessions.length} session(s) of ${id}`;
    pageText.textContent = `page ${pagination.currentPage ?? 1} of ${Math.max(1, pagination.pagesTotal ?? 1)}`;
    prev.disabled = !(pagination.currentPage > 1);
    next.disabled = !(pagination.currentPage < pagination.pagesTotal);
    sessions.replaceChildren(...av.sessions.map((item) => {
      const session = item.session || {};
      const location_ = item.location || {};
      const device = item.device || {};
      const client = item.client || {};
      const metadata = (session.metadata || []).map((m) => `${m.key}=${m.value}`).join(", ");
      return clickableRow({class: session.sessionId === av.sessionId ? "selected" : null, "data-session": session.sessionId},
        () => showEvents(item),
        el("td", {class: "mono", title: metadata}, session.sessionId ?? "",
          metadata ? el("div", {class: "muted small", text: metadata}) : null),
        el("td", {class: "mono", text: (session.loadedAt || "").replace("T", " ").replace(/\.\d+Z$/, "Z")}),
        el("td", {class: "num", text: duration(Date.parse(session.endedAt) - Date.parse(session.loadedAt))}),
        el("td", {text: [location_.city, location_.country].filter(Boolean).join(", ")}),
        el("td", {text: [device.type, device.vendor !== "unknown" ? device.vendor : null].filter(Boolean).join(" ")}),
        el("td", {text: [client.name, client.version].filter(Boolean).join(" ")}));
    }));
    show(sessionsBox, true);
  }

  async function showEvents(item) {
    const session = item.session || {};
    const id = session.sessionId;
    av.sessionId = id;
    for (const row of sessions.rows) row.classList.toggle("selected", row.dataset.session === id);
    show(timelineBox, true);
    timelineTitle.textContent = `Events of ${id}: loading…`;
    timeline.replaceChildren();
    eventList.replaceChildren();
    const events = [];
    try {
      for (let page = 1, pages = 1; page <= pages && page <= 20; page++) {
        const answer = await get(`/analytics/sessions/${encodeURIComponent(id)}/events?currentPage=${page}&pageSize=100`);
        events.push(...answer.data);
        pages = (answer.pagination && answer.pagination.pagesTotal) || 1;
      }
    } catch (err) {
      timelineTitle.textContent = `Events of ${id} unavailable: ${err.message}`;
      return;
    }
    timelineTitle.textContent = `${events.length} event(s) of ${id}`;
    renderTimeline(session, events);
  }

  function renderTimeline(session, events) {
    const times = events.map((e) => Date.parse(e.emittedAt)).filter(Number.isFinite);
    const start = Math.min(Date.parse(session.loadedAt) || Infinity, ...times);
    const end = Math.max(Date.parse(session.endedAt) || -Infinity, ...times);
    const span = Math.max(1, end - start);
    timeline.replaceChildren(el("div", {class: "axis"}),
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
      timeline.append(marker);
    });
    eventList.replaceChildren(...events.map((event) =>
      el("li", {}, el("span", {class: "mono muted", text: `+${duration(Date.parse(event.emittedAt) - start)} `}),
        el("span", {class: `ev-name ev-${String(event.type || "").split(".")[0]}`, text: eventText(event)}))));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (av.list) listSessions(av.list.type, av.list.id, 1);
  });
  prev.addEventListener("click", () => listSessions(av.list.type, av.list.id, av.page - 1));
  next.addEventListener("click", () => listSessions(av.list.type, av.list.id, av.page + 1));
  const metrics = mountMetrics(metricsBox, {el, get, ready: () => Boolean(section()), now});
  renderVideos();

  return {
    update(latest) { renderChips(counts, latest); },
    scenario() {
      av = {...av, token: null, login: null};  // a login under way was for the scenario before
      renderVideos();
      metrics.refresh();
    },
    reset() {
      av = fresh();
      show(sessionsBox, false);
      show(timelineBox, false);
    },
  };
}
