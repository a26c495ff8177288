// What the dashboard's modules share about the world they show: created once by app.js and passed
// to each module explicitly. What only one module needs (the journal's entries, the fault rules,
// a panel's selection) stays inside that module.

export const TENANT_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
export const TOKEN_KEY = "emulator.controlToken";
export const TENANT_KEY = "emulator.tenant";
export const TENANTS_KEY = "emulator.tenants";

export function createStore(storage = sessionStorage) {
  return {
    token: storage.getItem(TOKEN_KEY) || "",
    tenant: storage.getItem(TENANT_KEY) || "",
    generation: 0,     // bumped when the world changes (tenant, reset, scenario): late answers are dropped
    scenario: null,    // GET /_emulator/scenario
    clock: null,       // GET /_emulator/clock, plus fetchedAt (the browser's Date.now() then)
    ready: null,       // GET /_emulator/ready
    vendors: [],       // the served vendors' names, sorted (the keys of ready.counts)
  };
}
