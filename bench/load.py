"""The one load client every service is measured with: http.client, keep-alive, N threads."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: bytes | None = None


def _connection(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


def latency(url: str, request: Request, count: int = 500, warmup: int = 50) -> dict:
    """Single keep-alive client: median and p99 in milliseconds."""
    connection = _connection(url)
    samples = []
    for i in range(warmup + count):
        started = time.perf_counter()
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        if response.status >= 500:
            raise RuntimeError(f"{request.path} answered {response.status}")
        if i >= warmup:
            samples.append((time.perf_counter() - started) * 1000)
    connection.close()
    samples.sort()
    return {"median_ms": statistics.median(samples), "p99_ms": samples[int(len(samples) * 0.99) - 1]}


def throughput(url: str, request: Request, threads: int = 8, seconds: float = 3.0) -> dict:
    """Requests a second with ``threads`` keep-alive clients for ``seconds``."""
    counts = [0] * threads
    errors = [0] * threads
    stop = threading.Event()

    def work(index: int) -> None:
        connection = _connection(url)
        while not stop.is_set():
            try:
                connection.request(request.method, request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                response.read()
                counts[index] += 1
                if response.status >= 500:
                    errors[index] += 1
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                connection.close()
                connection = _connection(url)
        connection.close()

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    elapsed = time.perf_counter() - started
    return {"rps": sum(counts) / elapsed, "errors": sum(errors), "requests": sum(counts)}
