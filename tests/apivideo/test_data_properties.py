"""The consistency rules of /data/*, on random scenarios and beacon sequences (hypothesis).

Scenario sessions, v1 beacons (/vod) and v2 batches (/watch) are mixed in one tenant; the rules
must hold whatever the mix: buckets add up to the metric, a timeseries adds up to the metric
except for the vendor's day-boundary rule (computed here independently from the events sent),
play-rate = play / impression, and a legacy listing holds the sessions counted for its media.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from properties import PROFILE

from emulator.app import create_app

from .support import CHROME_WINDOWS, SAFARI_IPHONE, basic, scenario

AUTH = basic("production-key")
START = datetime(2024, 2, 20, tzinfo=timezone.utc)
WINDOW = "from=2024-02-20T00:00:00Z&to=2024-03-02T00:00:00Z"
MEDIA = ("viPropA", "viPropB", "liPropC")
COUNTRIES = ("France", "Germany", "India", "United States", "Brazil", "unknown")
BROWSERS = ("Chrome", "Firefox", "Mobile Safari", "Microsoft Edge")
V1_TYPES = ("play", "pause", "resume", "end", "seek.forward")
ADDITIVE = ("play", "start", "end", "impression", "view")
BREAKDOWNS = ("media-id", "media-type", "continent", "country", "device-type", "operating-system", "browser",
              "referrer")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@st.composite
def scenario_session(draw, n: int) -> tuple[str, dict]:
    media = draw(st.sampled_from(MEDIA))
    loaded = START + timedelta(seconds=draw(st.integers(0, 9 * 86400 + 11 * 3600)))
    t = loaded + timedelta(seconds=1)
    events = [{"type": "ready", "emittedAt": iso(t), "at": 0}]
    for kind in draw(st.lists(st.sampled_from(V1_TYPES), max_size=8)):
        t += timedelta(seconds=draw(st.integers(1, 5400)))
        events.append({"type": kind, "emittedAt": iso(t), **({"from": 1, "to": 9} if kind.startswith("seek")
                                                              else {"at": 3})})
    body = {"session": {"sessionId": f"psProp{n:017d}", "loadedAt": iso(loaded), "endedAt": iso(t)},
            "location": {"country": draw(st.sampled_from(COUNTRIES)), "city": "x"},
            "device": {"type": draw(st.sampled_from(("desktop", "smartphone", "tablet", "tv")))},
            "client": {"type": "browser", "name": draw(st.sampled_from(BROWSERS)), "version": "1"},
            "referrer": {"url": draw(st.sampled_from(("https://a.example/", None)))}, "events": events}
    if media.startswith("li"):
        body["location"]["city"] = "x"
        body["referrer"]["url"] = "https://a.example/"
        body["session"].pop("metadata", None)
    return media, body


@st.composite
def watch_batch(draw, n: int) -> dict:
    t0 = START + timedelta(seconds=draw(st.integers(0, 9 * 86400 + 11 * 3600)))
    eve, t = [], t0
    for typ in [1, *draw(st.lists(st.integers(2, 7), max_size=8))]:
        eve.append({"eat": int(t.timestamp() * 1000), "typ": typ, "vti": draw(st.integers(0, 600)), "pau": False})
        t += timedelta(seconds=draw(st.integers(1, 5400)))
    return {"sat": int(t.timestamp() * 1000), "sid": f"tab-{n}", "mid": draw(st.sampled_from(MEDIA)),
            "pid": f"pb-{n}", "ref": "", "ver": "0.1.0", "eve": eve}


def build(sessions, batches):
    doc = scenario(videos=[{"id": m, "sessions": [b for mm, b in sessions if mm == m]} for m in MEDIA[:2]],
                   live_streams=[{"id": MEDIA[2], "sessions": [b for mm, b in sessions if mm == MEDIA[2]]}])
    for group in ("videos", "live_streams"):
        for source in doc["apivideo"][group]:
            for s in source["sessions"]:
                if group == "videos":
                    s["session"]["metadata"] = []
    client = create_app(doc).test_client()
    for n, batch in enumerate(batches):
        ua = CHROME_WINDOWS if n % 2 else SAFARI_IPHONE
        r = client.post("/watch", data=json.dumps(batch), headers={"Content-Type": "text/plain", "User-Agent": ua})
        assert r.status_code == 200, r.get_data(as_text=True)
    return client


def get(client, url: str):
    r = client.get(url, headers=AUTH)
    assert r.status_code == 200, (url, r.get_data(as_text=True))
    return r.get_json()


def all_rows(client, url: str) -> list[dict]:
    return get(client, url + "&pageSize=100")["data"]  # at most 100 buckets in these scenarios


SETTINGS = settings(PROFILE, max_examples=20)  # the shared profile: derandomized, no example database


@SETTINGS
@given(sessions=st.lists(st.integers(), max_size=12).flatmap(
           lambda xs: st.tuples(*[scenario_session(n) for n in range(len(xs))])),
       batches=st.lists(st.integers(), max_size=6).flatmap(
           lambda xs: st.tuples(*[watch_batch(n) for n in range(len(xs))])))
def test_buckets_and_timeseries_add_up(sessions, batches):
    client = build(list(sessions), list(batches))
    for metric in ADDITIVE:
        total = get(client, f"/data/metrics/{metric}/count?{WINDOW}")["data"]
        for breakdown in BREAKDOWNS:
            rows = all_rows(client, f"/data/buckets/{metric}/{breakdown}?{WINDOW}")
            assert sum(r["metricValue"] for r in rows) == total, (metric, breakdown)
        if metric != "play":
            for interval in ("hour", "day"):
                series = all_rows(client, f"/data/timeseries/{metric}?{WINDOW}&interval={interval}")
                assert sum(p["metricValue"] for p in series) == total, (metric, interval)
    plays = get(client, f"/data/metrics/play/count?{WINDOW}")["data"]
    impressions = get(client, f"/data/metrics/impression/count?{WINDOW}")["data"]
    rate = get(client, f"/data/metrics/play/rate?{WINDOW}")["data"]
    assert rate == (round(plays / impressions, 4) if impressions else 0)


def _runs(events: list[tuple[str, int]]) -> list[list[int]]:
    """Plays and the instants of their events (the play until the next play), ready excluded."""
    runs: list[list[int]] = []
    for kind, ms in sorted(events, key=lambda e: e[1]):
        if kind == "play":
            runs.append([ms])
        elif kind != "ready" and runs:
            runs[-1].append(ms)
    return runs


@SETTINGS
@given(sessions=st.lists(st.integers(), max_size=10).flatmap(
    lambda xs: st.tuples(*[scenario_session(n) for n in range(len(xs))])))
def test_timeseries_of_plays_follow_the_day_boundary_rule(sessions):
    client = build(list(sessions), [])
    total = get(client, f"/data/metrics/play/count?{WINDOW}")["data"]
    for interval, size in (("day", 86_400_000), ("hour", 3_600_000)):
        series = all_rows(client, f"/data/timeseries/play?{WINDOW}&interval={interval}")
        expected, crossing = 0, False
        for _media, body in sessions:
            events = [(e["type"], int(datetime.fromisoformat(e["emittedAt"].replace("Z", "+00:00")).timestamp() * 1000))
                      for e in body["events"]]
            for run in _runs(events):
                buckets = {ms // size for ms in run}
                expected += len(buckets)
                crossing |= len(buckets) > 1
        assert sum(p["metricValue"] for p in series) == expected
        assert (expected == total) == (not crossing)


@SETTINGS
@given(sessions=st.lists(st.integers(), max_size=10).flatmap(
           lambda xs: st.tuples(*[scenario_session(n) for n in range(len(xs))])),
       batches=st.lists(st.integers(), max_size=5).flatmap(
           lambda xs: st.tuples(*[watch_batch(n) for n in range(len(xs))])))
def test_legacy_listings_hold_the_sessions_counted(sessions, batches):
    client = build(list(sessions), list(batches))
    counted = {r["dimensionValue"]: r["metricValue"]
               for r in all_rows(client, f"/data/buckets/impression/media-id?{WINDOW}")}
    for media in MEDIA:
        route = "live-streams" if media.startswith("li") else "videos"
        listing = get(client, f"/analytics/{route}/{media}?period=2024-02-20/2024-03-01&pageSize=100")
        assert listing["pagination"]["itemsTotal"] == counted.get(media, 0)
        by_media = get(client, f"/data/metrics/impression/count?{WINDOW}&filterBy[mediaId][]={media}")["data"]
        assert by_media == counted.get(media, 0)
