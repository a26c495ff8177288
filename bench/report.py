"""The results as a person reads them: a Markdown table (terminal and docs alike) and a table of targets."""

from __future__ import annotations

from .targets import Target

PEERS = ("wiremock", "prism")


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _get(node: dict, *path: str) -> float | None:
    """The number at ``path`` in a results document, or None where the run has none."""
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) else None


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if a is None or not b else f"{a / b:.2f}×"


def _row(label: str, emulator: float | None, peers: dict[str, float | None], ratio: str = "",
         target: Target | None = None, digits: int = 2) -> str:
    cells = [label, _num(emulator, digits)] + [_num(peers.get(p), digits) for p in PEERS]
    cells += [ratio, target.goal if target else "", f"**{target.status}**" if target else ""]
    return "| " + " | ".join(cells) + " |"


def _serving_rows(results: dict, api: str, label: str, peer: str, targets: dict[str, Target]) -> list[str]:
    figures = results.get(api, {})
    rows = []
    for key, name, digits, target in (("median_ms", "median latency (ms)", 2, f"{api}_median"),
                                      ("p99_ms", "p99 latency (ms)", 2, None)):
        em, other = _get(figures, "emulator", "latency", key), _get(figures, peer, "latency", key)
        rows.append(_row(f"{label} {name}", em, {peer: other}, _ratio(em, other), targets.get(target or ""),
                         digits))
    em, other = _get(figures, "emulator", "throughput", "rps"), _get(figures, peer, "throughput", "rps")
    rows.append(_row(f"{label} throughput (req/s, 8 conn.)", em, {peer: other}, _ratio(em, other),
                     targets.get(f"{api}_rps"), 0))
    em, other = _get(figures, "emulator", "throughput", "cpu_us"), _get(figures, peer, "throughput", "cpu_us")
    rows.append(_row(f"{label} server CPU per request (µs)", em, {peer: other}, _ratio(em, other),
                     targets.get(f"{api}_cpu"), 0))
    em, other = _get(figures, "emulator", "latency", "body_bytes"), _get(figures, peer, "latency", "body_bytes")
    rows.append(_row(f"{label} response body (bytes)", em, {peer: other}, _ratio(em, other), None, 0))
    return rows


def table(results: dict, targets: list[Target]) -> str:
    """Every figure with the peers beside it, the ratio and, where the issue sets one, the target."""
    by_key = {t.key: t for t in targets}
    startup = results.get("startup", {})
    peer_starts = {p: _get(startup, p, "median_s") for p in PEERS}
    fastest = min((s for s in peer_starts.values() if s), default=None)
    reset = results.get("reset", {})
    lines = ["| figure | emulator | WireMock | Prism | emulator ÷ peer | target | result |",
             "|---|---:|---:|---:|---:|---|---|",
             _row("start-up to ready (s)", _get(startup, "emulator", "median_s"), peer_starts,
                  _ratio(_get(startup, "emulator", "median_s"), fastest) + (" faster peer" if fastest else ""),
                  by_key["startup"]),
             _row("stop on SIGTERM (s)", _get(startup, "emulator", "stop_s"),
                  {p: _get(startup, p, "stop_s") for p in PEERS}),
             _row("reset median (ms)", reset.get("emulator"), {"wiremock": reset.get("wiremock")},
                  _ratio(reset.get("emulator"), reset.get("wiremock")), by_key["reset"], 3)]
    lines += _serving_rows(results, "event", "report/event", "wiremock", by_key)
    lines += _serving_rows(results, "listing", "listing page", "prism", by_key)
    plugin = results.get("plugin", {})
    if plugin:
        lines.append(_row("pytest plugin: cost per test (ms)", plugin.get("per_test_ms"), {},
                          f"{plugin['with_median_ms'] / plugin['without_median_ms']:.2f}× a bare test"))
        lines.append(_row("pytest plugin: session set-up, once (s)", plugin.get("session_setup_s"), {}))
        lines.append(_row(f"pytest plugin: {plugin['tests']} tests, wall time (s)", plugin.get("with_wall_s"), {},
                          f"{plugin['ratio']:.2f}× without"))
    idle = results.get("idle", {})
    if idle:
        count = f"{idle['connections']:,} idle connections"
        lines.append(_row("report/event median, no idle connections (ms)", idle.get("idle_median_ms"), {}))
        lines.append(_row(f"report/event median, {count} open (ms)", idle.get("loaded_median_ms"), {},
                          f"{idle['latency_ratio']:.2f}× without", by_key.get("idle_latency")))
        lines.append(_row(f"{count}: resident memory growth (MB)", idle.get("rss_growth_mb"), {}, "",
                          by_key.get("idle_memory"), 1))
        lines.append(_row(f"{count}: server threads before / during / after", idle.get("threads_during"), {},
                          f"{idle['threads_before']} / {idle['threads_during']} / {idle['threads_after']}",
                          by_key.get("idle_threads"), 0))
        lines.append(_row(f"{count}: memory after they closed, over before (MB)", idle.get("rss_after_close_mb"),
                          {}, "", None, 1))
    beacon = results.get("beacon", {})
    if beacon:
        lines.append(_row("first api.video beacon, new User-Agent, fresh server (ms)", beacon.get("first_ms"), {}, "",
                          None, 0))
        lines.append(_row("next beacon with another new User-Agent (ms)", beacon.get("second_new_agent_ms"), {}))
        lines.append(_row("report/event median on another connection meanwhile (ms)",
                          beacon.get("events_beside_median_ms"), {}, "", by_key.get("beside_slow")))
    large = results.get("large", {})
    if large:
        count = f"{large['sessions']:,} sessions"
        lines.append(_row(f"{count}: load to ready (s)", large.get("load_s"), {},
                          f"{large['load_s'] / large['base_load_s']:.2f}× one session"))
        lines.append(_row(f"{count}: memory growth (MB)", large.get("rss_growth_mb"), {}, "",
                          by_key["large_memory"], 1))
        for name in ("first", "middle", "last"):
            lines.append(_row(f"{count}: {name} page of 100, never read before (ms)",
                              _get(large, f"{name}_page", "median_ms"), {}))
        lines.append(_row(f"{count}: slowest of those pages (ms)", by_key["large_pages"].value, {}, "",
                          by_key["large_pages"]))
        lines.append(_row(f"{count}: one-month period, page 1, never read before (ms)",
                          _get(large, "month_page", "median_ms"), {}))
        lines.append(_row(f"{count}: a page read again (ms)", _get(large, "middle_page", "warm_median_ms"), {}))
    return "\n".join(lines)


def summary(targets: list[Target]) -> str:
    """One line a target: PASS/MISS, the measured value and the goal."""
    width = max(len(t.label) for t in targets)
    return "\n".join(f"{t.status:<4}  {t.label.ljust(width)}  {t.shown:>10}  (target {t.goal})" for t in targets)
