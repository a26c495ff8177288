"""The issue's targets, each judged PASS / MISS (or n/a when a peer it is relative to did not run).

Relative targets are ratios to a peer measured in the same run, so a slow or busy machine moves
both sides alike; only reset and the large-video figures are absolute.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

PAGES = ("first", "middle", "last")


@dataclass
class Target:
    key: str
    label: str
    goal: str          # the target as a person reads it
    value: float | None  # the measured ratio or absolute figure; None = could not be measured
    unit: str          # "x" for a ratio, else the unit of an absolute figure
    ok: bool | None    # None = n/a

    @property
    def status(self) -> str:
        return "n/a" if self.ok is None else "PASS" if self.ok else "MISS"

    @property
    def shown(self) -> str:
        if self.value is None:
            return "n/a"
        return f"{self.value:.2f}×" if self.unit == "x" else f"{self.value:.2f} {self.unit}"

    def as_dict(self) -> dict:
        return {**asdict(self), "status": self.status, "shown": self.shown}


def _get(results: dict, *path: str) -> float | None:
    node = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _judge(value: float | None, test) -> bool | None:
    return None if value is None else bool(test(value))


def evaluate(results: dict) -> list[Target]:
    """The targets of the issue, from a results dict as __main__ builds it."""
    event_rps = _ratio(_get(results, "event", "emulator", "throughput", "rps"),
                       _get(results, "event", "wiremock", "throughput", "rps"))
    listing_rps = _ratio(_get(results, "listing", "emulator", "throughput", "rps"),
                         _get(results, "listing", "prism", "throughput", "rps"))
    peer_starts = [s for s in (_get(results, "startup", p, "median_s") for p in ("wiremock", "prism")) if s]
    startup = _ratio(_get(results, "startup", "emulator", "median_s"), min(peer_starts, default=None))
    reset = _get(results, "reset", "emulator")
    median = _ratio(_get(results, "event", "emulator", "latency", "median_ms"),
                    _get(results, "event", "wiremock", "latency", "median_ms"))
    pages = [_get(results, "large", f"{name}_page", "median_ms") for name in PAGES]
    slowest = None if None in pages else max(pages)
    memory = _get(results, "large", "rss_growth_mb")
    millions = f"{(_get(results, 'large', 'sessions') or 0):,} sessions"
    cpu = _get(results, "event", "emulator", "throughput", "cpu_us")
    idle_ratio = _get(results, "idle", "latency_ratio")
    idle_memory = _get(results, "idle", "rss_growth_mb")
    threads = [_get(results, "idle", k) for k in ("threads_before", "threads_after")]
    recovered = None if None in threads else float(threads[1] - threads[0])
    beside = _get(results, "beacon", "events_beside_median_ms")
    return [
        Target("event_rps", "report/event throughput", "≥ 1.0× WireMock", event_rps, "x",
               _judge(event_rps, lambda v: v >= 1.0)),
        Target("listing_rps", "listing throughput", "≥ 2.0× Prism", listing_rps, "x",
               _judge(listing_rps, lambda v: v >= 2.0)),
        Target("startup", "start-up to ready", "≤ 0.4× the faster peer", startup, "x",
               _judge(startup, lambda v: v <= 0.4)),
        Target("reset", "reset median", "≤ 1 ms", reset, "ms", _judge(reset, lambda v: v <= 1.0)),
        Target("event_median", "report/event median latency", "≤ 1.0× WireMock", median, "x",
               _judge(median, lambda v: v <= 1.0)),
        Target("large_pages", f"{millions}: slowest page", "< 5 ms", slowest, "ms",
               _judge(slowest, lambda v: v < 5.0)),
        Target("large_memory", f"{millions}: memory growth", "< 200 MB", memory, "MB",
               _judge(memory, lambda v: v < 200.0)),
        Target("event_cpu", "server CPU per report/event", "≤ 120 µs", cpu, "µs", _judge(cpu, lambda v: v <= 120)),
        Target("idle_latency", "2,000 idle connections: median", "≤ 2.0× without", idle_ratio, "x",
               _judge(idle_ratio, lambda v: v <= 2.0)),
        Target("idle_memory", "2,000 idle connections: memory", "< 50 MB", idle_memory, "MB",
               _judge(idle_memory, lambda v: v < 50.0)),
        Target("idle_threads", "threads after they close", "+0 over before", recovered, "threads",
               _judge(recovered, lambda v: v <= 0)),
        Target("beside_slow", "report/event median beside a slow request", "< 5 ms", beside, "ms",
               _judge(beside, lambda v: v < 5.0)),
    ]
