// The Scenario panel and the top bar's scenario name: bundled list, load by name or document.
import {ApiError} from "./api.js";
import {$, el, show} from "./dom.js";

function showScenarioError(err) {
  const box = $("#scenario-error");
  if (!err) {
    box.replaceChildren();
    show(box, false);
    return;
  }
  const messages = err.data && Array.isArray(err.data.messages) ? err.data.messages : [];
  box.replaceChildren(el("p", {text: messages.length ? "The scenario is not valid:" : err.message}),
    messages.length ? el("ul", {}, messages.map((message) => el("li", {class: "mono", text: message}))) : null);
  show(box, true);
}

/** ``onRead(scenario)`` runs after every read of the scenario; ``worldChanged()`` after a load. */
export function createScenario({store, control, notify, onRead, worldChanged}) {
  async function refresh() {
    store.scenario = await control("GET", "/_emulator/scenario");
    const scenario = store.scenario;
    $("#scenario-name").textContent = scenario.name;
    $("#scenario-seed").textContent = `seed ${scenario.seed}`;
    $("#scenario-description").textContent = scenario.description || "";
    const select = $("#scenario-select");
    if ([...select.options].some((o) => o.value === scenario.name)) select.value = scenario.name;
    await onRead(scenario);
  }

  async function loadList() {
    try {
      const data = await control("GET", "/_emulator/scenarios");
      $("#scenario-select").replaceChildren(...data.items.map((item) =>
        el("option", {value: item.name, title: item.description || "", text: item.name})));
      if (store.scenario) $("#scenario-select").value = store.scenario.name;
    } catch (err) {
      showScenarioError(err);
    }
  }

  async function put(options, seed) {
    try {
      const query = seed === "" || seed === undefined ? "" : `?seed=${encodeURIComponent(seed)}`;
      const scenario = await control("PUT", `/_emulator/scenario${query}`, options);
      showScenarioError(null);
      notify(`Scenario ${scenario.name} loaded`);
      await worldChanged();
    } catch (err) {
      showScenarioError(err);
    }
  }

  function wire() {
    $("#scenario-form").addEventListener("submit", (event) => {
      event.preventDefault();
      put({json: {name: $("#scenario-select").value}}, $("#scenario-seed-input").value.trim());
    });
    $("#scenario-doc-load").addEventListener("click", () => {
      const text = $("#scenario-doc").value;
      if (!text.trim()) {
        showScenarioError(new ApiError(0, "Write a scenario document first.", null));
        return;
      }
      put({text, contentType: "application/yaml"}, $("#scenario-seed-input").value.trim());
    });
  }

  return {wire, refresh, loadList};
}
