"""The per-hour concurrent-viewer figures of a million sessions, numpy against pure Python: printed.

``python -m bench.hours_figures [--sessions N] [--runs R] [--no-reference]``. Draws five playing
intervals a session (``--sessions`` 1,000,000: 5,000,000 intervals) over 30 days, 1 to 1,500 s
long, from one viewer in 25 sessions (40,000 viewers), and times ``hours.hours_of`` for all
intervals and per distinct viewer (``unique``): the first call and the median of ``--runs``, each
beside its target (issue 18 wants a /data/* answer under 2 s the first time, and these figures
are part of it). Then the pure-Python version it replaced (tests/apivideo/hours_reference.py)
once on the same intervals, and whether the figures are identical. Nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import time
from array import array
from collections.abc import Callable

import numpy as np

from emulator.apivideo.hours import Hours, hours_of
from tests.apivideo.hours_reference import columns_hours

DAYS = 30
ORIGIN = 1_706_659_199  # one second before 2024-01-31T00:00:00Z, as columns.py puts a video's origin
LONGEST = 1500
TARGETS_S = {"all intervals": 0.5, "unique": 1.0}  # the task's, on this 2-core machine


def draw(sessions: int, seed: int = 18) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Five intervals a session, sorted by start, each with its viewer's code."""
    rng = np.random.default_rng(seed)
    n = sessions * 5
    a = np.sort(rng.integers(0, DAYS * 86_400, n, dtype=np.int64))
    b = a + rng.integers(1, LONGEST + 1, n, dtype=np.int64)
    return a, b, rng.integers(0, max(1, sessions // 25), n, dtype=np.int64)


def _timed(call: Callable[[], Hours]) -> tuple[float, Hours]:
    start = time.perf_counter()
    out = call()
    return time.perf_counter() - start, out


def _figures(h: Hours) -> tuple[int, list[int], list[int], list[int]]:
    return h.first_hour, list(map(int, h.peak)), list(map(int, h.first_ms)), list(map(int, h.played_ms))


def _measure(name: str, a: np.ndarray, b: np.ndarray, viewers: np.ndarray | None, runs: int,
             columns: tuple[array, array, array | None] | None) -> dict:
    """One line: numpy's first call and median, then the old code once on its array columns."""
    first, new = _timed(lambda: hours_of(a, b, ORIGIN, LONGEST, viewers))
    warm = statistics.median(_timed(lambda: hours_of(a, b, ORIGIN, LONGEST, viewers))[0] for _ in range(runs))
    target = TARGETS_S[name]
    out = {"first_s": round(first, 3), "median_s": round(warm, 3)}
    line = (f"  {name:<14} numpy first {first:6.3f} s, median {warm:6.3f} s  target {target:.1f} s "
            f"{'ok' if first <= target else 'OVER'}")
    if columns is not None:
        old_s, old = _timed(lambda: columns_hours(*columns[:2], ORIGIN, LONGEST, columns[2]))
        out.update(reference_s=round(old_s, 3), identical=_figures(new) == _figures(old))
        line += f"; pure Python {old_s:6.2f} s ({old_s / first:.0f}x), identical: {'yes' if out['identical'] else 'NO'}"
    print(line, flush=True)
    return out


def report(sessions: int, runs: int = 3, reference: bool = True) -> dict:
    """Measure and print; return the figures (seconds)."""
    a, b, viewers = draw(sessions)
    print(f"per-hour figures of {len(a):,} intervals ({sessions:,} sessions, {len(np.unique(viewers)):,} viewers, "
          f"{DAYS} days)", flush=True)
    old = [array("q", a.tolist()), array("q", b.tolist()), array("q", viewers.tolist())] if reference else None
    return {"intervals": len(a),
            "all intervals": _measure("all intervals", a, b, None, runs, old and (old[0], old[1], None)),
            "unique": _measure("unique", a, b, viewers, runs, old and (old[0], old[1], old[2]))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hours_figures", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true", help="skip the pure-Python version (slow)")
    args = parser.parse_args(argv)
    report(args.sessions, args.runs, not args.no_reference)


if __name__ == "__main__":
    main()
