// The dashboard's HTTP: control API calls (tenant and token added, the token asked for on a 401)
// and vendor calls made as a client would make them, marked so the journal can hide them.
import {$} from "./dom.js";
import {TOKEN_KEY} from "./store.js";

export const OWN_HEADER = "X-Emulator-Dashboard";  // marks the dashboard's own vendor calls in the journal

export class ApiError extends Error {
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

/** {control, vendorCall} over ``store``'s tenant and token (the token dialog updates the store). */
export function createApi(store) {
  let tokenPrompt = null;

  function askToken(message) {
    if (!tokenPrompt) {
      tokenPrompt = new Promise((resolve) => {
        const dialog = $("#token-dialog");
        $("#token-message").textContent = message;
        $("#token-input").value = "";
        $("#token-form").addEventListener("submit", (event) => {
          event.preventDefault();
          store.token = $("#token-input").value.trim();
          sessionStorage.setItem(TOKEN_KEY, store.token);
          dialog.close();
          tokenPrompt = null;
          resolve();
        }, {once: true});
        dialog.showModal();
      });
    }
    return tokenPrompt;
  }

  /** A control API call; ApiError on a 4xx/5xx, asks for the token on a 401 and tries again. */
  async function control(method, path, {json, text, contentType} = {}) {
    for (;;) {
      const token = store.token;
      const headers = {Accept: "application/json"};
      if (store.tenant) headers["X-Emulator-Tenant"] = store.tenant;
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
        if (token !== store.token) continue;  // a new token was entered while this call was under way
        await askToken(store.token
          ? "The emulator refused that token. Enter the control token (--control-token) again."
          : "This emulator was started with --control-token: enter it to use the control API. "
            + "It is kept in this browser tab only (sessionStorage).");
        continue;
      }
      if (!response.ok) throw new ApiError(response.status, errorText(data, response), data);
      return data;
    }
  }

  /** A call to an emulated vendor route: {status, data, message}; ApiError only when nothing answered. */
  async function vendorCall(method, path, {json, bearer} = {}) {
    const headers = {Accept: "application/json", [OWN_HEADER]: "1"};
    if (store.tenant) headers["X-Emulator-Tenant"] = store.tenant;
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

  return {control, vendorCall};
}
