// The tenant selector in the top bar: the X-Emulator-Tenant every call of the page carries.
import {$, el} from "./dom.js";
import {TENANT_KEY, TENANT_NAME, TENANTS_KEY} from "./store.js";

function knownTenants() {
  try { return JSON.parse(sessionStorage.getItem(TENANTS_KEY)) || []; } catch { return []; }
}

/** ``worldChanged()`` runs after a switch: everything the page holds belongs to the old tenant. */
export function createTenants({store, notify, worldChanged}) {
  function render() {
    $("#tenant-input").value = store.tenant;
    $("#tenant-list").replaceChildren(...knownTenants().map((name) => el("option", {value: name})));
  }

  async function switchTo(name) {
    if (name && !TENANT_NAME.test(name)) {
      notify("A tenant name is 1–64 characters from A–Z a–z 0–9 _ . : -", true);
      return;
    }
    store.tenant = name;
    sessionStorage.setItem(TENANT_KEY, name);
    if (name) sessionStorage.setItem(TENANTS_KEY, JSON.stringify([...new Set([name, ...knownTenants()])].slice(0, 20)));
    render();
    notify(`Tenant: ${name || "default"}`);
    await worldChanged();
  }

  function wire() {
    $("#tenant-form").addEventListener("submit", (event) => {
      event.preventDefault();
      switchTo($("#tenant-input").value.trim());
    });
  }

  /** The readiness line next to the selector: this tenant and how many exist. */
  function renderCount(ready) {
    $("#tenant-count").textContent = `${ready.tenant} · ${ready.tenants} tenant(s)`;
  }

  return {wire, render, renderCount};
}
