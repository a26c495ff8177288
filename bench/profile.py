"""`python -m bench.profile event|listing`: where the emulator's time goes under the bench's load.

Runs the emulator under py-spy (only the thread holding the GIL: the CPU a request costs), drives
8 keep-alive connections of one request, then prints the functions with the most samples:
inclusive (the function and what it calls) and self (the function's own code). py-spy is launched
as the emulator's parent, since attaching to a running process needs ptrace rights a sandbox may deny.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from . import procs
from .load import Request, answers, throughput
from .services import ROOT
from .workloads import EVENT, LISTING

REQUESTS = {"event": EVENT, "listing": LISTING}
LINE = re.compile(r":\d+\)")


def _py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def record(request: Request, seconds: float, rate: int = 250) -> Path:
    """Raw py-spy stacks of an emulator serving ``request`` to 8 connections for ``seconds``."""
    spy = _py_spy()
    if spy is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    port = procs.free_port()
    url = f"http://127.0.0.1:{port}"
    raw = Path(tempfile.mkdtemp(prefix="bench-profile-")) / "stacks.raw"
    process = procs.spawn([spy, "record", "--gil", "-r", str(rate), "-d", str(int(seconds + 3)), "-f", "raw",
                           "-o", str(raw), "--", sys.executable, "-m", "emulator.cli", "serve",
                           "--host", "127.0.0.1", "--port", str(port)], "profile", cwd=ROOT)
    try:
        if not procs.wait_until(lambda: answers(url, Request("GET", "/_emulator/health")), process, 60):
            raise SystemExit(f"the emulator did not start (see {procs.LOGS / 'profile.log'})")
        throughput(url, request, seconds=1.0)  # warm-up, also sampled: small next to the run
        print(throughput(url, request, seconds=seconds))
        deadline = time.monotonic() + 15
        while process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        procs.stop(process)
    return raw


def _stacks(raw: Path) -> list[tuple[list[str], int]]:
    """(frames without line numbers, samples) of the threads answering requests (all, if none matches)."""
    stacks = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks.append(([LINE.sub(")", frame) for frame in stack.split(";")], int(count)))
    serving = [(f, n) for f, n in stacks if any("_serve_" in x or "process_request" in x for x in f)]
    return serving or stacks  # leaving out the acceptor thread, when the server's names are known


def summarize(raw: Path, top: int = 25) -> str:
    """Top functions by inclusive and by self samples, as shares of all samples in request threads."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for frames, count in _stacks(raw):
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    if total == 0:
        return "no samples in request threads"
    rows = [f"{total} samples in request-serving threads\n", "inclusive (function and its callees):"]
    rows += [f"  {n / total:6.1%}  {frame}" for frame, n in inclusive.most_common(top)]
    rows += ["", "self (the function's own code):"]
    rows += [f"  {n / total:6.1%}  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("request", choices=sorted(REQUESTS))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    procs.install_cleanup()
    print(summarize(record(REQUESTS[args.request], args.seconds), args.top))


if __name__ == "__main__":
    main()
