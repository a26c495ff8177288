"""Figures of the serving stack alone: idle connections, and the first api.video beacon.

Idle connections: a normal request's median latency with 2,000 connections open and idle against
the same figure without them, the server's resident memory and threads with them open, and after
they closed (an idle connection should cost a timer, not a thread).

First beacon: the latency of the first ``POST /vod`` with a User-Agent the server never saw, on a
fresh server: what a player's first beacon waits for (the user-agent parser's first use).
"""

from __future__ import annotations

import json
import resource
import socket
import threading
import time

from .load import Client, Request, latency
from .services import start_emulator
from .workloads import EVENT

IDLE = 2000


def _status(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


def _raise_file_limit(wanted: int) -> None:
    """This process and the server it starts need a descriptor per connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def idle_connections(count: int = IDLE, samples: int = 500) -> dict:
    """Latency, memory and threads with ``count`` idle connections, and after they closed."""
    _raise_file_limit(count * 2 + 256)
    service = start_emulator("--max-connections", str(count + 100), name="emulator-idle")
    try:
        host, port = service.url.removeprefix("http://").split(":")
        latency(service.url, EVENT, count=samples, warmup=200)  # warm, then the figure
        base = latency(service.url, EVENT, count=samples, warmup=0)["median_ms"]
        before = _status(service.process.pid)
        held = [socket.create_connection((host, int(port)), timeout=10) for _ in range(count)]
        time.sleep(0.5)  # every one accepted
        during = _status(service.process.pid)
        loaded = latency(service.url, EVENT, count=samples, warmup=50)["median_ms"]
        for sock in held:
            sock.close()
        time.sleep(1.0)
        after = _status(service.process.pid)
        recovered = latency(service.url, EVENT, count=samples, warmup=50)["median_ms"]
    finally:
        service.stop()
    return {"connections": count, "idle_median_ms": base, "loaded_median_ms": loaded,
            "latency_ratio": loaded / base, "recovered_median_ms": recovered,
            "rss_growth_mb": (during["VmRSS"] - before["VmRSS"]) / 1024,
            "rss_after_close_mb": (after["VmRSS"] - before["VmRSS"]) / 1024,
            "threads_before": before["Threads"], "threads_during": during["Threads"],
            "threads_after": after["Threads"]}


def _beacon(agent: str) -> Request:
    body = {"emitted_at": "2024-02-10T10:00:01.000Z",
            "session": {"loaded_at": "2024-02-10T10:00:00.000Z", "referrer": "", "metadata": [],
                        "video_id": "vi4k0jvEUuaTdRAEjQ4Prklg"},
            "events": [{"type": "ready", "emitted_at": "2024-02-10T10:00:01.000Z", "at": 0}]}
    return Request("POST", "/vod", {"Content-Type": "application/json", "User-Agent": agent},
                   json.dumps(body).encode())


def _event_latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    client = Client(url)
    try:
        while not stop.is_set():
            started = time.perf_counter()
            client.send(EVENT)
            out.append((time.perf_counter() - started) * 1000)
    finally:
        client.close()


def first_beacon(runs: int = 3) -> dict:
    """The first beacon's latency on a fresh server (median of ``runs`` servers), and a later one's.

    While the first beacon is parsed, another client sends report/event requests in a loop: their
    median is what slow work on one connection costs the fast path on the others.
    """
    firsts, laters, beside = [], [], []
    for run in range(runs):
        service = start_emulator(name="emulator-beacon")
        try:
            latency(service.url, EVENT, count=50, warmup=0)
            client = Client(service.url, timeout=120)  # the first parse takes seconds on a busy machine
            agent = f"Mozilla/5.0 (X11; Linux x86_64; rv:{120 + run}.0) Gecko/20100101 Firefox/{120 + run}.0"
            stop, events = threading.Event(), []
            other = threading.Thread(target=_event_latencies, args=(service.url, stop, events), daemon=True)
            other.start()
            time.sleep(0.05)
            started = time.perf_counter()
            status, _ = client.send(_beacon(agent))
            firsts.append((time.perf_counter() - started) * 1000)
            stop.set()
            other.join(10)
            events.sort()
            beside.append(events[len(events) // 2] if events else float("nan"))
            if status >= 300:
                raise RuntimeError(f"POST /vod answered {status}")
            started = time.perf_counter()
            client.send(_beacon(agent.replace("Firefox", "Firefox/x")))
            laters.append((time.perf_counter() - started) * 1000)
            client.close()
        finally:
            service.stop()
    firsts.sort()
    laters.sort()
    beside.sort()
    return {"first_ms": firsts[len(firsts) // 2], "second_new_agent_ms": laters[len(laters) // 2],
            "events_beside_median_ms": beside[len(beside) // 2], "runs": runs}
