// The emulator clock in the top bar: shown ticking (when running), advanced, frozen or run.
import {$} from "./dom.js";

export function createClock({store, control, notify}) {
  function render() {
    const clock = store.clock;
    if (!clock) return;
    let now = Date.parse(clock.now);
    if (clock.mode !== "frozen") now += Date.now() - clock.fetchedAt;
    $("#clock-now").textContent = Number.isFinite(now)
      ? new Date(now).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : String(clock.now);
    $("#clock-now").setAttribute("datetime", clock.now);
    $("#clock-mode").textContent = clock.mode;
    $("#clock-mode").className = `badge ${clock.mode === "frozen" ? "info" : ""}`;
    $("#clock-toggle").textContent = clock.mode === "frozen" ? "Run" : "Freeze";
  }

  async function refresh() {
    const data = await control("GET", "/_emulator/clock");
    store.clock = {...data, fetchedAt: Date.now()};
    render();
  }

  async function set(body) {
    try {
      const data = await control("PUT", "/_emulator/clock", {json: body});
      store.clock = {...data, fetchedAt: Date.now()};
      render();
    } catch (err) {
      notify(`Clock: ${err.message}`, true);
    }
  }

  function wire() {
    for (const button of document.querySelectorAll("[data-advance]")) {
      button.addEventListener("click", () => set({advance: Number(button.dataset.advance)}));
    }
    $("#advance-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number($("#advance-seconds").value);
      if ($("#advance-seconds").value.trim() && Number.isFinite(seconds)) set({advance: seconds});
    });
    $("#clock-toggle").addEventListener("click", () =>
      set({mode: store.clock && store.clock.mode === "frozen" ? "real" : "frozen"}));
    setInterval(render, 1000);
  }

  /** The emulator clock's current instant (ISO text), or null before the first read. */
  function now() {
    return store.clock && store.clock.now;
  }

  return {wire, refresh, now};
}
