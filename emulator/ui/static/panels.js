// The vendor panels: each served vendor may declare an ES module (Vendor.dashboard_panel) that the
// page imports and mounts into a section of its own. The contract is in docs/dashboard.md.
import {ApiError} from "./api.js";
import {$, clickableRow, duration, el, renderChips, show, time} from "./dom.js";

const HOOKS = ["update", "scenario", "reset"];

/** Import and mount every declared panel; a panel that fails to load is reported in its section. */
export async function loadPanels({store, control, vendorCall, notify, now}) {
  let declared;
  try {
    const response = await fetch("/_emulator/ui/panels", {headers: {Accept: "application/json"}, cache: "no-store"});
    declared = (await response.json()).items;
  } catch (err) {
    notify(`Vendor panels unavailable: ${err.message}`, true);
    return emptyPanels();
  }
  const mounted = await Promise.all(declared.map(async ({vendor, module: url}) => {
    const root = el("section", {id: `panel-${vendor}`, class: "panel vendor", "data-vendor": vendor});
    try {
      const module = await import(url);
      $(module.column === "wide" ? ".column.wide" : ".column.side").append(root);
      const ctx = {
        vendor, control, vendorCall, ApiError, notify, now,
        dom: {el, show, clickableRow, time, duration, renderChips},
        tenant: () => store.tenant,
        scenario: () => store.scenario,
        section: () => (store.scenario && store.scenario.document && store.scenario.document[vendor]) || null,
      };
      const handle = (await module.mount(root, ctx)) || {};
      return {vendor, handle, presets: Array.isArray(module.faultPresets) ? module.faultPresets : []};
    } catch (err) {
      $(".column.side").append(root);
      root.replaceChildren(el("div", {class: "panel-head"}, el("h2", {text: vendor})),
        el("p", {class: "error", text: `This vendor's panel did not load: ${err.message}`}));
      return null;
    }
  }));
  return panelSet(mounted.filter(Boolean), notify);
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
  const set = {
    presets: panels.flatMap((panel) => panel.presets),
    vendors: panels.map((panel) => panel.vendor),
  };
  for (const hook of HOOKS) set[hook] = (argumentFor = () => undefined) => call(hook, argumentFor);
  return set;
}
