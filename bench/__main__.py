"""`make bench` / `python -m bench [--quick] [--docs]`: the emulator side by side with WireMock and Prism.

Prints a table of absolute figures and ratios with PASS/MISS per target, writes
bench/results/latest.json and latest.png, and stops every process it started, however it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from . import bounds, chart, data_figures, docs, machine, procs, report
from .compare import measure_serving, measure_startups, starters
from .emulator_figures import large_video, plugin_overhead
from .peers import Peers, ensure_peers
from .plan import Plan
from .services import ROOT
from .serving_figures import first_beacon, idle_connections
from .targets import evaluate

RESULTS = Path(__file__).resolve().parent / "results"


DATA_SESSIONS_QUICK = 100_000  # --quick: the replay of a million generated sessions alone takes about a minute


def measure_emulator_only(plan: Plan, results: dict, errors: list[str]) -> None:
    """The figures without a peer: pytest plugin overhead and a video of ``plan.sessions`` sessions."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        print(f"pytest plugin overhead ({plan.plugin_tests} tests) ...", flush=True)
        try:
            results["plugin"] = plugin_overhead(Path(tmp), plan.plugin_tests)
            print(f"  {results['plugin']['per_test_ms']:.2f} ms per test, "
                  f"session set-up {results['plugin']['session_setup_s']:.2f} s", flush=True)
        except (RuntimeError, OSError) as exc:
            errors.append(f"plugin overhead: {exc}")
        print(f"idle connections ({plan.idle_connections:,}) ...", flush=True)
        try:
            results["idle"] = idle = idle_connections(plan.idle_connections, samples=plan.samples // 2)
            print(f"  median {idle['idle_median_ms']:.2f} -> {idle['loaded_median_ms']:.2f} ms, "
                  f"+{idle['rss_growth_mb']:.1f} MB, threads {idle['threads_before']} / {idle['threads_during']}"
                  f" / {idle['threads_after']}", flush=True)
        except (RuntimeError, OSError) as exc:
            errors.append(f"idle connections: {exc}")
        print("first api.video beacon on a fresh server ...", flush=True)
        try:
            results["beacon"] = beacon = first_beacon(plan.beacon_runs)
            print(f"  first {beacon['first_ms']:.0f} ms, next new agent {beacon['second_new_agent_ms']:.1f} ms, "
                  f"report/event beside it {beacon['events_beside_median_ms']:.2f} ms median", flush=True)
        except (RuntimeError, OSError) as exc:
            errors.append(f"first beacon: {exc}")
        print(f"large video, {plan.sessions:,} sessions ...", flush=True)
        try:
            results["large"] = large_video(Path(tmp), plan.sessions)
            large = results["large"]
            print(f"  load {large['load_s']:.2f} s, +{large['rss_growth_mb']:.1f} MB, pages " +
                  " / ".join(f"{large[f'{n}_page']['median_ms']:.2f}" for n in ("first", "middle", "last")) +
                  " ms", flush=True)
        except (RuntimeError, OSError) as exc:
            errors.append(f"large video: {exc}")
    try:  # api.video /data/* and /watch (bench/data_figures.py): printed with their ratios to the targets
        sessions = min(plan.sessions, DATA_SESSIONS_QUICK) if plan.quick else plan.sessions
        if sessions < plan.sessions:
            print(f"api.video /data/*: measured on {sessions:,} sessions, not {plan.sessions:,} (--quick)", flush=True)
        results["apivideo_data"] = data_figures.report(sessions, 1.0 if plan.quick else 2.0)
    except (AssertionError, RuntimeError, OSError) as exc:
        errors.append(f"api.video /data/*: {exc}")
    print("bounded memory and refusals (bench/bounds.py) ...", flush=True)
    try:
        results["bounds"] = bounds.measure_bounds(quick=plan.quick)
        print("\n".join(bounds.describe(results["bounds"])), flush=True)
    except (RuntimeError, OSError, KeyError, ValueError) as exc:
        errors.append(f"bounds: {exc}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run of about a minute")
    parser.add_argument("--no-peers", action="store_true", help="measure the emulator alone (ratios n/a)")
    parser.add_argument("--docs", action="store_true",
                        help="also write docs/performance.md and docs/performance.png from this run")
    parser.add_argument("--seconds", type=float, default=None, help="each throughput run (default 3, quick 1)")
    parser.add_argument("--sessions", type=int, default=None, help="sessions of the large video (1,000,000)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json and latest.png go")
    parser.add_argument("--from-json", type=Path, default=None, metavar="PATH",
                        help="measure nothing: redo the table, chart (and --docs) from a results file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
        return finish(args, results, results.get("errors", []))
    procs.install_cleanup()
    plan = Plan.make(args)
    started = time.perf_counter()
    peers = Peers(notes=["--no-peers: emulator only"]) if args.no_peers else ensure_peers()
    for note in peers.notes:
        print(f"note: {note}", flush=True)
    results: dict = {"machine": machine.describe(ROOT), "config": asdict(plan)}
    errors: list[str] = []
    try:
        services = starters(peers)
        print(f"start-up, {plan.startup_runs} runs each: {', '.join(services)} ...", flush=True)
        results["startup"] = measure_startups(plan, services, peers)
        results.update(measure_serving(plan, services, peers))
        measure_emulator_only(plan, results, errors)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the servers", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - report, then still print whatever was measured
        errors.append(traceback.format_exc())
    finally:
        procs.stop_all()
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["peers"] = {"versions": peers.versions, "notes": peers.notes}
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    return finish(args, results, errors)


def finish(args: argparse.Namespace, results: dict, errors: list[str]) -> int:
    """Print the table and verdicts, write JSON, chart and (with --docs) the docs page."""
    targets = evaluate(results)
    results["targets"] = [t.as_dict() for t in targets]
    results["errors"] = errors
    text = report.table(results, targets)
    print("\n" + text + "\n\n" + report.summary(targets))
    for note in results["peers"]["notes"]:
        print(f"note: {note}")
    if results["config"]["quick"]:
        print("note: --quick is a smoke run: the peers' JITs are barely warm, so its ratios only indicate")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(results, indent=1))
    png = chart.draw(results, targets, args.out / "latest.png")
    print(f"\nwritten {args.out / 'latest.json'}" + (f" and {png}" if png else "") +
          f" in {results['elapsed_s']:.0f} s")
    if args.docs and not errors:
        print(f"written {docs.write(results, targets, text, png, ROOT / 'docs')}")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
