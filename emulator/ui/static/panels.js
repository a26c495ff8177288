// The vendor panels: each served vendor may declare an ES module (Vendor.dashboard_panel) that the
// page imports and mounts into a section of its own. The contract is in docs/dashboard.md.
import {ApiError} from "./api.js";
import {$, clickableRow, duration, el, renderChips, show, time} from "./dom.js";

const HOOKS = ["update", "scenario", "reset"];

/** Import and mount every declared panel, in the vendors' order; one that fails says so in its section. */
export async function loadPanels({store, control, vendorCall, notify, now}) {
  let declared;
  try {
    const response = await fetch("/_emulator/ui/panels", {headers: {Accept: "application/json"}, cache: "no-store"});
    declared = (await response.json()).items;
    if (!Array.isArray(declared)) throw new Error(`${response.status} ${response.statusText}`);
  } catch (err) {
    notify(`Vendor panels unavailable: ${err.message}`, true);
    return emptyPanels();
  }
  // imported together, mounted one by one: the sections come in the declared order whatever loads first
  const modules = await Promise.all(declared.map(({module: url}) => import(url).catch((err) => err)));
  const mounted = [];
  for (const [index, {vendor}] of declared.entries()) {
    const module = modules[index];
    const root = el("section", {id: `panel-${vendor}`, class: "panel vendor", "data-vendor": vendor});
    $(module && module.column === "wide" ? ".column.wide" : ".column.side").append(root);
    try {
      if (module instanceof Error) throw module;
      const ctx = {
        vendor, control, vendorCall, ApiError, notify, now,
        dom: {el, show, clickableRow, time, duration, renderChips},
        tenant: () => store.tenant,
        scenario: () => store.scenario,
        section: () => (store.scenario && store.scenario.document && store.scenario.document[vendor]) || null,
      };
      const handle = (await module.mount(root, ctx)) || {};
      mounted.push({vendor, handle, presets: Array.isArray(module.faultPresets) ? module.faultPresets : []});
    } catch (err) {
      root.replaceChildren(el("div", {class: "panel-head"}, el("h2", {text: vendor})),
        el("p", {class: "error", text: `This vendor's panel did not load: ${err.message}`}));
    }
  }
  return panelSet(mounted, notify);
}

/** The panel set before any is loaded (or when none could be): every hook does nothing. */
export function emptyPanels() {
  return panelSet([], () => {});
}

/** Calls a hook on every panel that has it; a panel's failure is its own (a notice), never the page's. */
function panelSet(panels, notify) {
  const call = async (hook, argumentFor) => {
    await Promise.all(panels.map(async ({vendor, handle}) => {
      if (typeof handle[hook] !== "function") return;
      try {
        await handle[hook](argumentFor(vendor));
      } catch (err) {
        notify(`${vendor} panel: ${err.message}`, true);
      }
    }));
  };
  // set.update(argumentFor) calls each panel's update(argumentFor(its vendor)); the same for the others
  const set = {presets: panels.flatMap((panel) => panel.presets)};
  for (const hook of HOOKS) set[hook] = (argumentFor = () => undefined) => call(hook, argumentFor);
  return set;
}
