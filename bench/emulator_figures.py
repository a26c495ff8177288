"""Figures of the emulator alone: start-up, reset, latency, throughput, large data."""

from __future__ import annotations

import base64
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .load import Request, _connection, latency, throughput

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "emulator.cli"]


def start_cli(*args: str) -> tuple[subprocess.Popen, str, float]:
    """Start `serve --port 0`; return the process, its URL and the seconds to the ready line."""
    started = time.perf_counter()
    process = subprocess.Popen(CLI + ["serve", "--port", "0", *args], stdout=subprocess.PIPE, text=True,
                               cwd=ROOT)
    line = process.stdout.readline().strip()
    elapsed = time.perf_counter() - started
    if not line.startswith("ready "):
        process.kill()
        raise RuntimeError(f"no ready line: {line!r}")
    return process, line.split(" ", 1)[1], elapsed


def stop(process: subprocess.Popen) -> float:
    started = time.perf_counter()
    process.terminate()
    process.wait(timeout=5)
    return time.perf_counter() - started


def startup(runs: int = 5) -> dict:
    times, stops = [], []
    for _ in range(runs):
        process, _, elapsed = start_cli()
        times.append(elapsed)
        stops.append(stop(process))
    return {"startup_s": statistics.median(times), "stop_s": statistics.median(stops)}


def reset_median(url: str, count: int = 300) -> float:
    connection = _connection(url)
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("POST", "/_emulator/reset")
        connection.getresponse().read()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


EVENT = Request("GET", "/api/analytics/report/event?photo_id=1001&event=load", {"Host": "localhost"})


def listing_request(video: str = "vi4k0jvEUuaTdRAEjQ4Prklg", period: str = "2024-01-01/2024-02-29",
                    page: int = 1) -> Request:
    token = base64.b64encode(b"sandbox-key:").decode()
    return Request("GET", f"/analytics/videos/{video}?period={period}&currentPage={page}&pageSize=25",
                   {"Authorization": f"Basic {token}"})


def serving(seconds: float = 3.0) -> dict:
    process, url, _ = start_cli()
    try:
        figures = {"reset_median_ms": reset_median(url)}
        figures["event_latency"] = latency(url, EVENT)
        figures["event_throughput"] = throughput(url, EVENT, seconds=seconds)
        figures["listing_latency"] = latency(url, listing_request())
        figures["listing_throughput"] = throughput(url, listing_request(), seconds=seconds)
    finally:
        stop(process)
    return figures


def large_video(sessions: int, tmp: Path) -> dict:
    """Load a scenario with one video of ``sessions`` generated sessions; time pages and memory."""
    scenario = tmp / f"large-{sessions}.yaml"
    scenario.write_text(
        "name: large\nseed: 7\napivideo:\n  api_keys:\n    - {key: sandbox-key, environment: sandbox}\n"
        "  rate_limits: {enforce: false}\n"
        f"  videos:\n    - id: vi0000000000000000000001\n      generate: {{sessions: {sessions}, period: 2023, "
        "events: [3, 12]}\n")
    baseline, _, _ = start_cli()
    base_rss = _rss_kb(baseline.pid)
    stop(baseline)
    process, url, elapsed = start_cli("--scenario", str(scenario))
    try:
        pages = (sessions + 99) // 100
        figures = {"sessions": sessions, "load_s": elapsed, "rss_growth_mb": (_rss_kb(process.pid) - base_rss) / 1024}
        for name, page in (("first", 1), ("middle", pages // 2), ("last", pages)):
            request = listing_request("vi0000000000000000000001", "2023", page)
            request.path = request.path.replace("pageSize=25", "pageSize=100")
            figures[f"{name}_page_ms"] = latency(url, request, count=50, warmup=5)["median_ms"]
        figures["rss_after_pages_growth_mb"] = (_rss_kb(process.pid) - base_rss) / 1024
    finally:
        stop(process)
    return figures


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


