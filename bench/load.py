"""The one load client every service is measured with: http.client, keep-alive, N threads.

The same code drives the emulator and the peers, so the client's own cost (in this process, on the
same two cores) is in every figure alike and cancels out of the ratios. ``connections`` counts the
TCP connections opened: a server that closes after each answer (no keep-alive) shows one per request.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


class Client:
    """One keep-alive connection that reopens itself when the server closes (as http.client does)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        parts = urlsplit(url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"the bench only talks to loopback, not {parts.hostname}")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        self.opened = 0

    def send(self, request: Request) -> tuple[int, bytes]:
        if self.connection.sock is None:
            self.opened += 1
        try:
            self.connection.request(request.method, request.path, body=request.body, headers=request.headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            raise

    def close(self) -> None:
        self.connection.close()


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``samples``."""
    index = max(0, min(len(samples) - 1, round(fraction * len(samples)) - 1))
    return samples[index]


def latency(url: str, request: Request, count: int = 1000, warmup: int = 100) -> dict:
    """One client, one request at a time: median and p99 in milliseconds, and the body's size."""
    client = Client(url)
    samples = []
    body = b""
    try:
        for i in range(warmup + count):
            started = time.perf_counter()
            status, body = client.send(request)
            elapsed = (time.perf_counter() - started) * 1000
            if not 200 <= status < 300:
                raise RuntimeError(f"{request.method} {request.path} answered {status}")
            if i >= warmup:
                samples.append(elapsed)
    finally:
        client.close()
    samples.sort()
    return {"median_ms": statistics.median(samples), "p99_ms": percentile(samples, 0.99),
            "samples": count, "connections": client.opened, "body_bytes": len(body)}


def throughput(url: str, request: Request, threads: int = 8, seconds: float = 3.0) -> dict:
    """Requests a second with ``threads`` keep-alive clients for ``seconds`` (non-2xx count as errors)."""
    counts = [0] * threads
    errors = [0] * threads
    opened = [0] * threads
    stop = threading.Event()

    def work(index: int) -> None:
        client = Client(url)
        while not stop.is_set():
            try:
                status, _ = client.send(request)
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                continue
            counts[index] += 1
            if not 200 <= status < 300:
                errors[index] += 1
        client.close()
        opened[index] = client.opened

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join(timeout=15)
    elapsed = time.perf_counter() - started
    return {"rps": sum(counts) / elapsed, "requests": sum(counts), "errors": sum(errors),
            "connections": sum(opened), "threads": threads, "seconds": round(elapsed, 3)}


def median_call(url: str, request: Request, count: int = 300, warmup: int = 0) -> float:
    """Median milliseconds of ``request`` sent ``count`` times in a row (reset, admin calls)."""
    client = Client(url)
    samples = []
    try:
        for _ in range(warmup):
            client.send(request)
        for _ in range(count):
            started = time.perf_counter()
            status, _ = client.send(request)
            samples.append((time.perf_counter() - started) * 1000)
            if not 200 <= status < 300:
                raise RuntimeError(f"{request.method} {request.path} answered {status}")
    finally:
        client.close()
    return statistics.median(samples)


def answers(url: str, request: Request) -> bool:
    """True once ``request`` gets a 2xx: the peers' readiness probe (any failure means not yet)."""
    client = Client(url, timeout=2.0)
    try:
        return 200 <= client.send(request)[0] < 300
    except (OSError, http.client.HTTPException):
        return False
    finally:
        client.close()
