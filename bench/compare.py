"""The side-by-side part: start-up of every service, then reset, report/event and listing under load.

A peer that cannot start or fails under load is dropped with a note (its ratios become n/a); the
emulator failing ends the run, since then there is nothing to compare.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from .load import Request, median_call
from .peers import Peers, start_prism, start_wiremock
from .plan import Plan
from .services import Service, start_emulator
from .workloads import EMULATOR_RESET, EVENT, LISTING, WIREMOCK_RESET, measure, warm_up

# What each service is measured on: its reset request (None: it has none) and its workloads.
WORK: dict[str, tuple[Request | None, dict[str, Request]]] = {
    "emulator": (EMULATOR_RESET, {"event": EVENT, "listing": LISTING}),
    "wiremock": (WIREMOCK_RESET, {"event": EVENT}),
    "prism": (None, {"listing": LISTING}),
}
FAILURES = (RuntimeError, OSError)


@contextmanager
def running(start: Callable[[], Service]) -> Iterator[Service]:
    service = start()
    try:
        yield service
    finally:
        service.stop()


def starters(peers: Peers) -> dict[str, Callable[[], Service]]:
    """The services to measure: the emulator always, each peer that can run."""
    found: dict[str, Callable[[], Service]] = {"emulator": start_emulator}
    if peers.wiremock_jar is not None:
        found["wiremock"] = lambda: start_wiremock(peers.wiremock_jar)
    if peers.prism_cli is not None:
        found["prism"] = lambda: start_prism(peers.prism_cli)
    return found


def _drop(name: str, what: str, exc: Exception, peers: Peers) -> None:
    if name == "emulator":
        raise exc
    peers.notes.append(f"{name} dropped ({what}): {exc}")
    print(f"  {name} dropped ({what}): {exc}", flush=True)


def measure_startups(plan: Plan, starts: dict[str, Callable[[], Service]], peers: Peers) -> dict:
    """Start and stop each service in turn, ``startup_runs`` times (interleaved: load drifts alike)."""
    runs: dict[str, list[float]] = {name: [] for name in starts}
    stops: dict[str, list[float]] = {name: [] for name in starts}
    for _ in range(plan.startup_runs):
        for name, start in list(starts.items()):
            try:
                service = start()
            except FAILURES as exc:
                _drop(name, "start-up", exc, peers)
                del starts[name]
                continue
            runs[name].append(service.startup_s)
            stops[name].append(service.stop())
    figures = {name: {"median_s": statistics.median(r), "runs": r, "stop_s": statistics.median(stops[name])}
               for name, r in runs.items() if r}
    print("start-up (s): " + ", ".join(f"{n} {f['median_s']:.3f}" for n, f in figures.items()), flush=True)
    return figures


def _service_round(plan: Plan, name: str, service: Service) -> dict:
    """One service's reset median (if it has a reset), then each of its workloads."""
    reset, workloads = WORK[name]
    figures: dict = {}
    if reset is not None:
        figures["reset"] = median_call(service.url, reset, plan.resets, warmup=plan.resets // 5)
    for api, request in workloads.items():
        figures[api] = measure(service, request, samples=plan.samples, seconds=plan.seconds, reset=reset)
    return figures


def _describe(name: str, figures: dict) -> str:
    parts = [f"reset {figures['reset']:.3f} ms"] if "reset" in figures else []
    for api in ("event", "listing"):
        if api in figures:
            f = figures[api]
            parts.append(f"{api} {f['latency']['median_ms']:.2f} ms median, {f['throughput']['rps']:,.0f} req/s"
                         f" ({f['throughput']['connections']} connections, {f['throughput']['cpu_us']:.0f} µs CPU)")
    return f"  {name}: " + "; ".join(parts)


def _best(rounds: dict[str, list[dict]], warmups: dict[str, dict[str, list[float]]]) -> dict:
    """Each service's best round per figure: lowest reset and median latency, highest throughput."""
    out: dict = {"reset": {}, "event": {}, "listing": {}}
    for name, done in rounds.items():
        if not done:
            continue
        if "reset" in done[0]:
            out["reset"][name] = min(r["reset"] for r in done)
        for api in WORK[name][1]:
            out[api][name] = {
                "latency": min((r[api]["latency"] for r in done), key=lambda f: f["median_ms"]),
                "throughput": max((r[api]["throughput"] for r in done), key=lambda f: f["rps"]),
                "warmup_rps": warmups[name][api], "rounds": [r[api] for r in done]}
    return out


def measure_serving(plan: Plan, starts: dict[str, Callable[[], Service]], peers: Peers) -> dict:
    """All services up at once (idle but one), each warmed up once, then ``rounds`` interleaved rounds.

    Interleaving makes a drift in the machine's load hit every service alike; the best round of each
    is kept, the one least disturbed by the rest of the machine.
    """
    with ExitStack() as stack:
        services: dict[str, Service] = {}
        for name, start in starts.items():
            try:
                services[name] = stack.enter_context(running(start))
            except FAILURES as exc:
                _drop(name, "start-up", exc, peers)
        warmups: dict[str, dict[str, list[float]]] = {}
        for name, service in list(services.items()):
            try:
                warmups[name] = {api: warm_up(service.url, request, plan.warmup_s, plan.warmup_min_s)
                                 for api, request in WORK[name][1].items()}
            except FAILURES as exc:
                _drop(name, "warm-up", exc, peers)
                del services[name]
                continue
            print(f"  {name} warmed up: " + "; ".join(f"{api} {len(r)} s, last {r[-1]:,.0f} req/s"
                                                      for api, r in warmups[name].items()), flush=True)
        rounds: dict[str, list[dict]] = {name: [] for name in services}
        for index in range(plan.rounds):
            print(f"serving, round {index + 1} of {plan.rounds} ...", flush=True)
            for name, service in list(services.items()):
                try:
                    rounds[name].append(_service_round(plan, name, service))
                except FAILURES as exc:
                    _drop(name, "under load", exc, peers)
                    del services[name], rounds[name]
                    continue
                print(_describe(name, rounds[name][-1]), flush=True)
    return _best(rounds, warmups)
