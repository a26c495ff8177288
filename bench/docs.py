"""docs/performance.md (the README's Performance section) and docs/performance.png from a run."""

from __future__ import annotations

import shutil
from pathlib import Path

from .targets import Target

METHOD = """\
### What is measured

All traffic stays on 127.0.0.1. Each server runs in its own subprocess; the load client
(`bench/load.py`: Python `http.client`, keep-alive) runs in the bench process and is the same for
every server, so its cost is in every figure alike. The three servers are up together (all idle
but the one under load). Each is first warmed up on each of its requests by 1 s runs of load, at
least {warmup_min:g} s and then until the rate stops rising (at most {warmup:g} s: WireMock's JIT needs
several seconds), so every one is compared at its steady state. Then {rounds} interleaved rounds,
each server's best kept: latency is one client sending {samples} requests, throughput 8 client
threads for {seconds:g} s.

- **start-up to ready**: spawn to the emulator's `ready http://...` line (`analytics-emulator serve
  --port 0`), to a peer's first successful answer to the benchmarked request; median of {startups} starts.
- **reset**: `POST /_emulator/reset` vs WireMock's `POST /__admin/reset`, median of {resets}.
- **report/event**: `GET /api/analytics/report/event?photo_id=1001&event=load` on the default scenario
  (report recorded, request journaled) vs a WireMock stub answering the vendor's XML success body
  (WireMock's request journal on, as by default).
- **listing page**: `GET /analytics/videos/vi4k0jvEUuaTdRAEjQ4Prklg?period=2024-01-01/2024-02-29`
  (25 a page, Basic `sandbox-key:`) vs Prism mocking `fixtures/apivideo/raw-statistics.openapi.yaml`
  with its defaults (request validation and logging on, the log written to a file). Not the same
  bytes: Prism answers the spec's example (one session), the emulator a page of 25 generated sessions.
- **server CPU per request**: the server process's CPU time (all threads, from `/proc`) during the
  throughput run divided by the requests it answered: its cost per request whatever the client,
  which shares the two cores, could send.
- **pytest plugin**: two generated files of {tests} trivial tests, with and without the
  `analytics_emulator` fixture, each run by pytest in a subprocess with a conftest timing every test;
  per test = median with − median without (the first test, which starts the server, is the session
  set-up); the ratio divides the two runs' wall times.
- **{sessions:,} sessions**: one api.video video with that many generated sessions; load = start-up to
  ready, memory = resident-set growth over the same scenario with one session (after the pages were
  read); pages of 100 of the whole year, first, middle and last: each the median of one request to
  each of 10 neighbouring pages never read before (best of 3 interleaved rounds, on new pages each
  time), since a page read again comes from the emulator's cache (shown too).
"""

REPRODUCE = """\
### Reproduce

<!-- docs-test: skip: minutes of benchmarks against peers; make bench runs them -->
```sh
make bench                          # full run, a few minutes: bench/results/latest.json and latest.png
.venv/bin/python -m bench --quick   # smoke run, about a minute
.venv/bin/python -m bench --docs    # full run that also rewrites docs/performance.md and .png
.venv/bin/python -m bench.profile event    # where the emulator's CPU goes under load (needs py-spy)
```

The first run installs WireMock 3 and Prism 5 from npm into `bench/.cache/` (git-ignored); they need
Node 20 and Java 17. Without npm or java the emulator's own figures are still printed, with the
ratios to the missing peer marked n/a. Servers' logs are in `bench/.cache/logs/`.
"""


def markdown(results: dict, targets: list[Target], table: str) -> str:
    """The section: verdicts, table, chart, method, reproduction and the machine."""
    machine, config = results["machine"], results["config"]
    versions = results.get("peers", {}).get("versions", {})
    peers = " and ".join(f"{'WireMock' if k == 'wiremock' else 'Prism'} {v}" for k, v in versions.items())
    end = " / ".join(str(x) for x in machine.get("load_average_end", []))
    passed = sum(t.status == "PASS" for t in targets)
    kind = "quick" if config["quick"] else "full"
    verdicts = "\n".join(f"- **{t.status}** {t.label}: {t.shown} (target {t.goal})" for t in targets)
    notes = "".join(f"\n> {note}\n" for note in results.get("peers", {}).get("notes", []))
    plugin, large = results.get("plugin", {}), results.get("large", {})
    method = METHOD.format(seconds=config["seconds"], warmup=config["warmup_s"],
                           warmup_min=config.get("warmup_min_s", 0), samples=config["samples"],
                           rounds=config["rounds"], startups=config["startup_runs"], resets=config["resets"],
                           tests=plugin.get("tests", 200), sessions=large.get("sessions", 0))
    return f"""## Performance

`make bench` runs the emulator side by side with {peers or 'no peer (none could run)'} doing the same
work, with the same client, on the same machine. Absolute times are noise on a shared 2-core machine,
so every target is a ratio to a peer measured in the same run (reset and the large-data figures are
absolute). Latest {kind} run: {machine['date']}, commit `{machine['commit']}`; {passed} of {len(targets)} targets met.
{notes}
{verdicts}

![The emulator beside WireMock and Prism](performance.png)

{table}

{method}
{REPRODUCE}
### Machine

| | |
|---|---|
| CPUs (nproc) | {machine['nproc']} |
| CPU model | {machine['cpu']} |
| memory | {machine['memory_gib']} GiB |
| OS | {machine['os']} |
| Python | {machine['python']} |
| Java | {machine['java'] or 'none'} |
| Node | {machine['node'] or 'none'} |
| load average at start | {' / '.join(str(x) for x in machine['load_average'])} (1 / 5 / 15 min) |
| load average at end (the bench's own, about 2, included) | {end} |
"""


def write(results: dict, targets: list[Target], table: str, chart: Path | None, docs: Path) -> Path:
    """Write docs/performance.md and copy the chart beside it (bench/results/ is git-ignored)."""
    docs.mkdir(parents=True, exist_ok=True)
    if chart is not None:
        shutil.copyfile(chart, docs / "performance.png")
    path = docs / "performance.md"
    path.write_text(markdown(results, targets, table))
    return path
