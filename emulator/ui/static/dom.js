// DOM helpers shared by the dashboard's modules (and handed to the vendor panels).
// Everything shown comes from requests the code under test sent (attacker-controlled), so the DOM
// is built with createElement/textContent only: never innerHTML, never data in an href or a src.

export const $ = (selector) => document.querySelector(selector);

/** An element with attributes (`class`, `text`, `on<event>` handlers, others as attributes) and children. */
export function el(tag, props = {}, ...children) {
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

export function show(node, visible) { node.hidden = !visible; }

/** A table row that opens something on a click or on Enter. */
export function clickableRow(props, open, ...cells) {
  return el("tr", {tabindex: 0, ...props, onclick: open,
    onkeydown: (event) => { if (event.key === "Enter") open(); }}, ...cells);
}

/** The time of day of an ISO instant, as the tables show it. */
export function time(iso) {
  return typeof iso === "string" ? iso.replace(/^\d{4}-\d\d-\d\dT/, "").replace(/Z$/, "") : "";
}

/** Milliseconds as m:ss or h:mm:ss ("" when not a duration). */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  return (h ? `${h}:${String(m).padStart(2, "0")}` : String(m)) + ":" + String(s).padStart(2, "0");
}

export function statusClass(status) {
  return status === null || status === undefined ? "st-none" : `st-${String(status)[0]}`;
}

export function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** notify(message, isError) shows a message in ``node`` for a few seconds (errors longer). */
export function notifier(node) {
  let timer = null;
  return function notify(message, isError = false) {
    node.textContent = message;
    node.classList.toggle("is-error", isError);
    show(node, true);
    clearTimeout(timer);
    timer = setTimeout(() => show(node, false), isError ? 8000 : 4000);
  };
}

/** ``counts`` (a vendor's counters from GET /_emulator/ready, nested) as chips in ``box``. */
export function renderChips(box, counts) {
  const chips = [];
  const walk = (prefix, value) => {
    if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk(prefix ? `${prefix}.${key}` : key, inner);
    } else chips.push(el("span", {class: "chip"}, el("span", {class: "muted", text: prefix}), " ", String(value)));
  };
  walk("", counts || {});
  box.replaceChildren(...chips.slice(0, 12));
}
