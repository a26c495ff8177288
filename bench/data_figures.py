"""api.video /data/* at scale, and v2 (/watch) against v1 (/vod) beacon ingestion: printed, not asserted.

``python -m bench.data_figures [--sessions N]`` (``make bench`` runs it too, with the large
video's session count). A video with N generated sessions over 30 days; every /data/* route
answered for the 30 days and for one day, with and without a filter: the first answer (which
computes the sessions' facts), then the warm median; resident memory growth; every route as the
very first request of a fresh app (and the unique and sum variants); then beacons per second
through each collector. In process (Flask's test client): the figures are the emulator's
computing, without HTTP.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable

from emulator.apivideo import useragents
from emulator.app import create_app

KEY = "bench-key"
VIDEO = "viBenchData0000000000001"
CLOCK = "2024-03-01T00:00:00Z"
WINDOWS = {"30 days": "from=2024-01-31T00:00:00Z&to=2024-03-01T00:00:00Z",
           "1 day": "from=2024-02-15T00:00:00Z&to=2024-02-16T00:00:00Z"}
FILTER = "&filterBy[country][]=DE&filterBy[browser][]=chrome"
ROUTES = ("/data/metrics/play/count", "/data/metrics/watch-time/average", "/data/metrics/ccv/peak",
          "/data/buckets/play/country", "/data/buckets/view/browser", "/data/timeseries/play",
          "/data/timeseries/ccv-peak")
#: measured cold only: the variants that build more than their plain route (viewers merged, sums)
COLD_EXTRA = ("/data/metrics/ccv/peak?unique=true", "/data/buckets/ccv-peak/country?unique=true",
              "/data/metrics/watch-time/sum", "/data/timeseries/view?unique=true&interval=hour")
FIRST_TARGET_MS, WARM_TARGET_MS, RSS_TARGET_MB = 2000, 50, 200  # issue 18, item 5
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _scenario(sessions: int) -> dict:
    return {"name": "bench-data", "seed": 7, "clock": CLOCK, "apivideo": {
        "api_keys": [{"key": KEY, "environment": "production"}],
        "videos": [{"id": VIDEO, "generate": {"sessions": sessions, "period": "2024-01-31/2024-02-29"}}]}}


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def data_routes(sessions: int, warm_runs: int = 5) -> dict:
    """First-time and warm latency of every route and window, and the memory the columns take
    (resident growth from the loaded app, its user-agent rules compiled, to the last answer)."""
    app = create_app(_scenario(sessions))
    useragents.wait_warm(120)
    client = app.test_client()
    before = _rss_mb()
    auth = {"Authorization": "Bearer " + client.post("/auth/api-key", json={"apiKey": KEY}).get_json()["access_token"]}

    def get(url: str) -> None:
        response = client.get(url, headers=auth)
        assert response.status_code == 200, response.get_data(as_text=True)[:200]

    out: dict = {"sessions": sessions, "answers": {}}
    out["first_answer_ms"] = _timed(lambda: get(f"{ROUTES[0]}?{WINDOWS['30 days']}"))
    for route in ROUTES:
        for window, query in WINDOWS.items():
            for filtered in (False, True):
                url = f"{route}?{query}{FILTER if filtered else ''}"
                first = _timed(lambda url=url: get(url))
                warm = statistics.median(_timed(lambda url=url: get(url)) for _ in range(warm_runs))
                out["answers"][f"{route} {window}{' filtered' if filtered else ''}"] = {
                    "first_ms": round(first, 1), "warm_ms": round(warm, 1)}
    out["rss_growth_mb"] = round(_rss_mb() - before, 1)
    return out


def cold_routes(sessions: int) -> dict[str, float]:
    """Every route over the 30 days, with and without the filter, as the very first request of a
    fresh app: the columns it needs built from nothing (what "the first time" costs a user)."""
    out = {}
    for route in (*ROUTES, *COLD_EXTRA):
        for filtered in (False, True):
            app = create_app(_scenario(sessions))
            client = app.test_client()
            token = client.post("/auth/api-key", json={"apiKey": KEY}).get_json()["access_token"]
            auth = {"Authorization": "Bearer " + token}
            url = f"{route}{'&' if '?' in route else '?'}{WINDOWS['30 days']}{FILTER if filtered else ''}"
            start = time.perf_counter()
            response = client.get(url, headers=auth)
            out[f"{route} 30 days{' filtered' if filtered else ''}"] = round((time.perf_counter() - start) * 1000, 1)
            assert response.status_code == 200, response.get_data(as_text=True)[:200]
            del app, client
            gc.collect()
    return out


def beacons(seconds: float = 2.0) -> dict:
    """Beacons per second through /vod (v1) and /watch (v2), each a new session of 3 events."""
    app = create_app(_scenario(0))
    client = app.test_client()
    base = 1_709_200_000_000

    def vod(n: int):
        t = f"2024-02-29T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z"
        return client.post("/vod", json={"emitted_at": t, "session": {"loaded_at": t, "video_id": VIDEO},
                                         "events": [{"type": "ready", "emitted_at": t, "at": 0},
                                                    {"type": "play", "emitted_at": t, "at": 0},
                                                    {"type": "pause", "emitted_at": t, "at": 4}]},
                           headers={"User-Agent": UA})

    def watch(n: int):
        eve = [{"eat": base + n, "typ": 1, "vti": 0}, {"eat": base + n + 1, "typ": 2, "vti": 0},
               {"eat": base + n + 2, "typ": 3, "vti": 4}]
        body = {"sat": base + n + 3, "sid": f"tab-{n}", "mid": VIDEO, "pid": f"pb-{n}", "ref": "", "ver": "0.1.0",
                "eve": eve}
        return client.post("/watch", data=json.dumps(body), headers={"Content-Type": "text/plain", "User-Agent": UA})

    out = {}
    for name, send in (("v1 /vod", vod), ("v2 /watch", watch)):
        first = send(10_000)  # the User-Agent parser loads its rules on first use
        assert first.status_code == 200, first.get_data(as_text=True)[:200]
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds and count < 9000:  # under the 10,000 ingested sessions cap
            send(count)
            count += 1
        out[name] = round(count / (time.perf_counter() - start))
        client.post("/_emulator/reset")
    return out


def _ratio(value: float, target: float) -> str:
    return f"{value / target:5.2f}x {'ok' if value <= target else 'OVER'}"


def report(sessions: int, seconds: float = 2.0) -> dict:
    """Measure and print, with each figure's ratio to the issue's target; return the figures."""
    print(f"api.video /data/* on {sessions:,} generated sessions over 30 days (in process) ...", flush=True)
    figures = data_routes(sessions)
    first = figures["first_answer_ms"]
    print(f"  first answer (columns built)  {first / 1000:8.1f} s   target {FIRST_TARGET_MS / 1000:.0f} s  "
          f"{_ratio(first, FIRST_TARGET_MS)}", flush=True)
    print(f"  resident memory growth        {figures['rss_growth_mb']:8.0f} MB  target {RSS_TARGET_MB} MB "
          f"{_ratio(figures['rss_growth_mb'], RSS_TARGET_MB)}", flush=True)
    print(f"  {'route, window, filter':<58} {'first ms':>9} {'/2 s':>10}  {'warm ms':>8} {'/50 ms':>10}")
    for name, value in figures["answers"].items():
        print(f"  {name:<58} {value['first_ms']:>9.1f} {_ratio(value['first_ms'], FIRST_TARGET_MS):>10}  "
              f"{value['warm_ms']:>8.1f} {_ratio(value['warm_ms'], WARM_TARGET_MS):>10}")
    answers = figures["answers"].values()
    figures["worst_first_ms"] = max(v["first_ms"] for v in answers)
    figures["worst_warm_ms"] = max(v["warm_ms"] for v in answers)
    print(f"  worst first {figures['worst_first_ms']:.1f} ms (after the columns), worst warm "
          f"{figures['worst_warm_ms']:.1f} ms", flush=True)
    figures["cold_ms"] = cold_routes(sessions)
    print("  each route as the first request of a fresh app (columns built for it), 30 days:")
    for name, value in figures["cold_ms"].items():
        print(f"  {name:<58} {value:>9.1f} {_ratio(value, FIRST_TARGET_MS):>10}")
    figures["worst_cold_ms"] = max(figures["cold_ms"].values())
    print(f"  worst first answer of a fresh app {figures['worst_cold_ms'] / 1000:.2f} s   target "
          f"{FIRST_TARGET_MS / 1000:.0f} s  {_ratio(figures['worst_cold_ms'], FIRST_TARGET_MS)}", flush=True)
    figures["beacons_per_s"] = beacons(seconds)
    print("  beacons/s: " + ", ".join(f"{k} {v:,}" for k, v in figures["beacons_per_s"].items()), flush=True)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.data_figures", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args(argv)
    report(args.sessions, args.seconds)


if __name__ == "__main__":
    main()
