// A tiny vendor panel for the dashboard tests: every part of the panel contract, visibly.
import {title} from "./title.js";  // a module beside the panel: served from the panel's folder

export const faultPresets = [{label: "Fake 429", rule: {match: {path: "/fake/*"}, action: {kind: "rate_limit"}, times: 1}}];

export function mount(root, {vendor, vendorCall, dom, section, tenant}) {
  const {el} = dom;
  const greeting = el("p", {id: "fake-greeting"});
  const items = el("p", {id: "fake-items"});
  const resets = el("p", {id: "fake-resets", text: "0"});
  const answer = el("p", {id: "fake-answer"});
  const add = el("button", {type: "button", id: "fake-add", text: "Add an item"});
  add.addEventListener("click", async () => {
    const reply = await vendorCall("POST", "/fake/items/from-panel");
    answer.textContent = `${reply.status} for ${tenant() || "default"}`;
  });
  root.replaceChildren(el("div", {class: "panel-head"}, el("h2", {text: title(vendor)})),
    greeting, items, resets, add, answer);
  return {
    update(counts) { items.textContent = `items ${counts.items}`; },
    scenario() { greeting.textContent = (section() || {}).greeting || ""; },
    reset() { resets.textContent = String(Number(resets.textContent) + 1); },
  };
}
