// One journal entry in full: request, outcome, query, headers, body, and a curl command to replay it.
import {el, queryString} from "./dom.js";

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
export function curlFor(entry, origin) {
  const parts = ["curl", "-g", "-i", "-X", entry.method, origin + entry.path + queryString(entry.query)];
  for (const [name, value] of Object.entries(entry.headers || {})) {
    if (!/^(host|content-length|connection|accept-encoding)$/i.test(name)) parts.push("-H", `${name}: ${value}`);
  }
  if (entry.body) parts.push("--data-raw", entry.body);
  return parts.map(shellQuote).join(" ");
}

/** Fill ``title`` and ``body`` with ``entry`` (a GET /_emulator/requests item). */
export function renderEntry(title, body, entry) {
  const headers = Object.entries(entry.headers || {});
  const contentType = (headers.find(([name]) => name.toLowerCase() === "content-type") || [])[1];
  const query = Object.entries(entry.query || {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]);
  title.textContent = `#${entry.id} ${entry.method} ${entry.path}`;
  body.replaceChildren(
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
    wideSection("Reproduce", el("pre", {class: "code", text: curlFor(entry, location.origin)})));
}
