"""The requests every service answers in the comparison, and the figures taken with them."""

from __future__ import annotations

import base64

from . import procs
from .load import Request, latency, median_call, throughput
from .services import Service

VIDEO = "vi4k0jvEUuaTdRAEjQ4Prklg"  # the default scenario's video, also the spec's example id
PERIOD = "2024-01-01/2024-02-29"
BASIC = {"Authorization": "Basic " + base64.b64encode(b"sandbox-key:").decode()}

# A player's beacon: the emulator records it (journal on, report recorded); WireMock journals it.
EVENT = Request("GET", "/api/analytics/report/event?photo_id=1001&event=load", {"Host": "localhost"})
EVENT_BODY = ('<response status="ok" permission_level="anonymous" message="The event was reported" '
              'cached="0"/>')
EMULATOR_RESET = Request("POST", "/_emulator/reset")
WIREMOCK_RESET = Request("POST", "/__admin/reset")


def listing(video: str = VIDEO, period: str = PERIOD, page: int = 1, size: int = 25) -> Request:
    """GET /analytics/videos/{id}: one page of sessions, HTTP Basic with the sandbox key."""
    return Request("GET", f"/analytics/videos/{video}?period={period}&currentPage={page}&pageSize={size}",
                   dict(BASIC))


LISTING = listing()


def _checked(run: dict, request: Request) -> dict:
    """A throughput run, unless errors (no answer, non-2xx) make its rate meaningless."""
    if run["requests"] == 0 or run["errors"] > run["requests"] // 100:
        raise RuntimeError(f"{request.method} {request.path}: {run['errors']} errors in "
                           f"{run['requests']} requests")
    return run


def warm_up(url: str, request: Request, max_seconds: float, min_seconds: float = 0.0,
            step: float = 1.0) -> list[float]:
    """Throughput runs of ``step`` s: at least ``min_seconds``, then until the rate stops rising
    (3 runs in a row) or ``max_seconds`` are spent.

    A JVM reaches its steady state only after its JIT compiled the hot path (WireMock needs several
    seconds of load on two cores, more on a busy machine); the same rule warms every service, so
    each is measured at its best.
    """
    rates: list[float] = []
    stalls = 0
    spent = 0.0
    while spent < max_seconds and (spent < min_seconds or stalls < 3):
        rate = _checked(throughput(url, request, seconds=min(step, max_seconds - spent)), request)["rps"]
        spent += step
        stalls = stalls + 1 if rates and rate < max(rates) * 1.05 else 0
        rates.append(rate)
    return rates


def measure(service: Service, request: Request, *, samples: int, seconds: float,
            reset: Request | None) -> dict:
    """Latency (one client) then throughput (8 clients) of ``request``, with the server's CPU cost.

    ``reset`` (when the service has one) empties its journal first, so every round of every service
    starts from the same state. ``cpu_us`` is the server's CPU time per request during the
    throughput run: what a request costs it, whatever the client (which shares the machine) managed.
    """
    if reset is not None:
        median_call(service.url, reset, count=1)
    figures = {"latency": latency(service.url, request, count=samples, warmup=min(100, samples // 5))}
    cpu = procs.cpu_seconds(service.process.pid)
    figures["throughput"] = _checked(throughput(service.url, request, seconds=seconds), request)
    used = procs.cpu_seconds(service.process.pid) - cpu
    figures["throughput"]["cpu_us"] = used / max(1, figures["throughput"]["requests"]) * 1e6
    return figures
