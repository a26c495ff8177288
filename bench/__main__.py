"""`make bench`: print the emulator's figures (and, with peers installed, the ratios to them)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from . import emulator_figures as ef

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=3.0, help="each throughput run")
    parser.add_argument("--sessions", type=int, nargs="*", default=[100_000, 1_000_000])
    args = parser.parse_args()
    results: dict = {}
    print("start-up and stop (CLI, default scenario) ...", flush=True)
    results["startup"] = ef.startup()
    print(json.dumps(results["startup"]), flush=True)
    print("serving ...", flush=True)
    results["serving"] = ef.serving(args.seconds)
    print(json.dumps(results["serving"], indent=1), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for count in args.sessions:
            print(f"large video, {count} sessions ...", flush=True)
            results[f"large_{count}"] = ef.large_video(count, Path(tmp))
            print(json.dumps(results[f"large_{count}"], indent=1), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1))
    print(f"written {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
