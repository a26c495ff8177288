// The emulator dashboard: plain DOM over the control API, no framework, no build step.
// This module wires the others together: each section of the page is a module of its own, sharing
// only the store created here, and each vendor's panel is a module the vendor declares (panels.js).
import {ApiError, createApi} from "./api.js";
import {createClock} from "./clock.js";
import {$, notifier} from "./dom.js";
import {createFaults} from "./faults.js";
import {createJournal} from "./journal.js";
import {emptyPanels, loadPanels} from "./panels.js";
import {createScenario} from "./scenario.js";
import {createStore} from "./store.js";
import {createTenants} from "./tenants.js";

const POLL_MS = 1000;

function setConnection(ok, err) {
  const badge = $("#connection");
  badge.textContent = ok ? "live" : (err instanceof ApiError ? `error ${err.status}` : "unreachable");
  badge.className = `badge ${ok ? "ok" : "bad"}`;
  badge.title = ok ? "Polling the control API every second" : String(err && err.message);
}

async function start() {
  const store = createStore();
  const {control, vendorCall} = createApi(store);
  const notify = notifier($("#notice"));
  const journal = createJournal({store, control, notify});
  const faults = createFaults({store, control, notify, journal});
  const clock = createClock({store, control, notify});
  let panels = emptyPanels();  // the vendor panels, once loaded
  const scenario = createScenario({store, control, notify, worldChanged,
                                   onRead: (loaded) => panels.scenario(() => loaded)});
  const tenants = createTenants({store, notify, worldChanged});

  async function refreshReady() {
    const ready = await control("GET", "/_emulator/ready");
    store.ready = ready;
    const vendors = Object.keys(ready.counts || {}).sort();
    if (vendors.join() !== store.vendors.join()) {
      store.vendors = vendors;
      faults.setVendors(vendors);
      journal.updateApiOptions();
    }
    tenants.renderCount(ready);
    if (store.scenario && ready.scenario !== store.scenario.name) await scenario.refresh();  // loaded elsewhere
    await panels.update((vendor) => (ready.counts || {})[vendor]);
  }

  async function refreshAll() {
    try {
      await refreshReady();
      await Promise.all([scenario.refresh(), faults.refresh(), clock.refresh(), journal.poll()]);
      setConnection(true);
    } catch (err) {
      setConnection(false, err);
    }
  }

  /** The tenant, its scenario or its state changed: drop what the page holds and read everything again. */
  async function worldChanged() {
    store.generation += 1;
    faults.forget();
    journal.reset();
    await panels.reset();
    await refreshAll();
  }

  async function tick() {
    try {
      const jobs = [clock.refresh(), faults.refresh(), refreshReady()];
      if (!journal.paused()) jobs.push(journal.poll());
      await Promise.all(jobs);
      setConnection(true);
    } catch (err) {
      setConnection(false, err);
    }
    setTimeout(tick, POLL_MS);
  }

  $("#token-dialog").addEventListener("cancel", (event) => event.preventDefault());  // a token is needed
  $("#reset-button").addEventListener("click", async () => {
    try {
      const answer = await control("POST", "/_emulator/reset");
      notify(`Tenant ${answer.tenant} reset to scenario ${answer.scenario}`);
      await worldChanged();
    } catch (err) {
      notify(`Reset: ${err.message}`, true);
    }
  });
  journal.wire();
  faults.wire();
  clock.wire();
  scenario.wire();
  tenants.wire();
  tenants.render();
  panels = await loadPanels({store, control, vendorCall, notify, now: clock.now});
  faults.setPresets(panels.presets);
  await Promise.all([scenario.loadList(), refreshAll()]);
  setTimeout(tick, POLL_MS);
}

start();
