"""Figures of the emulator alone: pytest plugin overhead and a video of a million sessions.

Neither has a peer doing the same work, so each is measured against the emulator itself: the
plugin against the same tests without the fixture, the large video against the same scenario with
a single session.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .load import Client, latency
from .services import start_emulator
from .workloads import listing

LARGE_VIDEO = "vi0000000000000000000001"


TIMER = """\
import json, os
_durations = {}

def pytest_runtest_logreport(report):  # setup + call + teardown of each test, in run order
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    with open(os.environ["BENCH_DURATIONS"], "w") as out:
        json.dump(list(_durations.values()), out)
"""


def _run_pytest(directory: Path, test_file: str) -> tuple[float, list[float]]:
    """Wall time of ``pytest -q FILE`` in a fresh interpreter, and each test's own duration (s)."""
    durations = directory / f"{test_file}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["BENCH_DURATIONS"] = str(durations)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-c", str(directory / "pytest.ini"), "--rootdir", str(directory), test_file],
                            check=False, cwd=directory, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"pytest {test_file} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed, json.loads(durations.read_text())


def _write_tests(directory: Path, name: str, count: int, fixture: bool) -> str:
    argument, body = ("analytics_emulator", "assert analytics_emulator.url") if fixture else ("", "assert True")
    lines = [f"def test_{i}({argument}):\n    {body}\n" for i in range(count)]
    (directory / name).write_text("\n".join(lines))
    return name


def plugin_overhead(directory: Path, tests: int = 200) -> dict:
    """What ``analytics_emulator`` adds to a test (its reset) and to a session (its server).

    Two generated files of ``tests`` trivial tests, with and without the fixture, each run by pytest
    in a subprocess; a conftest times every test (setup + call + teardown). Per test = the median
    with the fixture minus the median without (first and last left out: the first starts the
    session's server, the last stops it); ``ratio`` divides the two runs' wall times.
    """
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "conftest.py").write_text(TIMER)
    wall_with, with_ = _run_pytest(directory, _write_tests(directory, "test_with.py", tests, True))
    wall_without, without = _run_pytest(directory, _write_tests(directory, "test_without.py", tests, False))
    typical, bare = statistics.median(with_[1:-1]), statistics.median(without[1:-1])
    return {"tests": tests,
            "per_test_ms": (typical - bare) * 1000,
            "with_median_ms": typical * 1000, "without_median_ms": bare * 1000,
            "session_setup_s": with_[0] - typical,
            "session_teardown_s": with_[-1] - typical,
            "with_wall_s": wall_with, "without_wall_s": wall_without,
            "ratio": wall_with / wall_without}


def _large_scenario(directory: Path, sessions: int) -> Path:
    path = directory / f"large-{sessions}.yaml"
    path.write_text(
        "name: large\nseed: 7\napivideo:\n  api_keys:\n    - {key: sandbox-key, environment: sandbox}\n"
        "  rate_limits: {enforce: false}\n"
        f"  videos:\n    - id: {LARGE_VIDEO}\n      generate: {{sessions: {sessions}, period: 2023, "
        "events: [3, 12]}\n")
    return path


def _cold_pages(url: str, period: str, pages: list[int]) -> list[float]:
    """Milliseconds of one request to each of ``pages``, none of them read before: what paging costs."""
    client = Client(url)
    samples = []
    try:
        for page in pages:
            started = time.perf_counter()
            status, _ = client.send(listing(LARGE_VIDEO, period, page, size=100))
            samples.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"page {page} of {period} answered {status}")
    finally:
        client.close()
    return samples


def large_video(directory: Path, sessions: int = 1_000_000, cold: int = 10, rounds: int = 3) -> dict:
    """Load time, resident memory growth and page latencies of a video with ``sessions`` sessions.

    The growth is measured against the same scenario with one session, so it is what the sessions
    cost, after the pages were read (whatever is generated lazily is in by then). A page's latency
    is the median over ``cold`` pages next to it that were never read before (the emulator caches
    what it rendered, so reading one page again measures the cache: ``warm_median_ms``);
    ``rounds`` interleaved rounds, each on new pages, the best kept.
    """
    base = start_emulator("--scenario", str(_large_scenario(directory, 1)), name="emulator-large-base")
    try:
        base_kb = _rss_kb(base.process.pid)
        base_load = base.startup_s
    finally:
        base.stop()
    service = start_emulator("--scenario", str(_large_scenario(directory, sessions)), name="emulator-large")
    try:
        figures: dict = {"sessions": sessions, "load_s": service.startup_s, "base_load_s": base_load,
                         "rss_after_load_mb": (_rss_kb(service.process.pid) - base_kb) / 1024}
        pages = (sessions + 99) // 100
        starts = {"first": (1, 1, "2023"), "middle": (pages // 2, 1, "2023"), "last": (pages, -1, "2023"),
                  "month": (1, 1, "2023-06-01/2023-06-30")}
        for index in range(rounds):  # interleaved, each position's best round kept
            for name, (page, direction, period) in starts.items():
                offsets = range(index * cold, (index + 1) * cold)
                run = statistics.median(_cold_pages(service.url, period, [page + direction * k for k in offsets]))
                best = figures.get(f"{name}_page")
                if best is None or run < best["median_ms"]:
                    figures[f"{name}_page"] = {"median_ms": run, "pages": cold}
        for name, (page, _, period) in starts.items():
            warm = latency(service.url, listing(LARGE_VIDEO, period, page, size=100), count=50, warmup=5)
            figures[f"{name}_page"]["warm_median_ms"] = warm["median_ms"]
        figures["rss_growth_mb"] = (_rss_kb(service.process.pid) - base_kb) / 1024
    finally:
        service.stop()
    return figures


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

