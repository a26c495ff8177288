"""Scenario additions for /data/*: tags, retention, a workload with known numbers; dimensions."""
from __future__ import annotations

import pycountry
import pytest

from emulator.apivideo import dimensions
from emulator.app import create_app
from emulator.scenario import ScenarioError

from .support import basic, scenario

AUTH = basic("production-key")
WORKLOAD = {"period": "2024-02-20/2024-02-26", "plays_per_day": {"FR": 3, "US": 2, "IN": 1}, "watch_seconds": 40}
WEEK = "from=2024-02-20T00:00:00Z&to=2024-02-27T00:00:00Z"


def data(client, url: str):
    r = client.get(url, headers=AUTH)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_a_workload_gives_known_plays_per_day_and_country(make_app):
    client = make_app(scenario(videos=[{"id": "viWorkload", "workload": WORKLOAD, "tags": ["w"]}],
                               live_streams=[])).test_client()
    series = data(client, f"/data/timeseries/play?{WEEK}&interval=day")["data"]
    assert [p["metricValue"] for p in series] == [6] * 7
    assert series[0]["emittedAt"].startswith("2024-02-20T")
    countries = data(client, f"/data/buckets/play/country?{WEEK}")["data"]
    assert countries == [{"dimensionValue": "FR", "metricValue": 21}, {"dimensionValue": "US", "metricValue": 14},
                         {"dimensionValue": "IN", "metricValue": 7}]
    continents = {b["dimensionValue"]: b["metricValue"] for b in data(client, f"/data/buckets/play/continent?{WEEK}")["data"]}
    assert continents == {"EU": 21, "NA": 14, "AS": 7}
    assert data(client, f"/data/metrics/watch-time/average?{WEEK}")["data"] == 40
    assert data(client, f"/data/metrics/play/count?{WEEK}&filterBy[tag]=w&filterBy[country][]=US")["data"] == 14
    listing = client.get("/analytics/videos/viWorkload?period=2024-02-20&pageSize=100", headers=AUTH).get_json()
    assert listing["pagination"]["itemsTotal"] == 6
    assert sorted(s["location"]["country"] for s in listing["data"]) == ["France"] * 3 + ["India", "United States",
                                                                                           "United States"]


BAD = """name: t
seed: 1
apivideo:
  retention: 6m
  videos:
    - id: v1
      tags: [ok, {a: 1}]
      workload: {period: 2024-02-30, plays_per_day: {FR: 1}}
    - id: v2
      workload: {period: 2024-02, plays_per_day: {XX: 1, FR: -1}}
    - id: v3
      workload: {period: 2024, plays_per_day: {FR: 10000}}
"""


def test_scenario_additions_are_checked_with_lines():
    with pytest.raises(ScenarioError) as info:
        create_app(BAD)
    text = "\n".join(info.value.messages)
    for expected in [
        "<document>:4: apivideo.retention: ",
        "<document>:7: apivideo.videos[0].tags[1]: expected a string",
        "apivideo.videos[1].workload.plays_per_day.FR: expected plays a day from that country (0 to 10000)",
    ]:
        assert expected in text, (expected, text)
    ok_schema = BAD.replace("6m", "3m").replace(", {a: 1}]", "]").replace("FR: -1", "FR: 1")
    with pytest.raises(ScenarioError) as info:
        create_app(ok_schema)
    text = "\n".join(info.value.messages)
    for expected in ["apivideo.videos[0].workload.period: not a period: '2024-02-30'",
                     "apivideo.videos[1].workload.plays_per_day.XX: not an ISO 3166 alpha-2 country code: 'XX'",
                     "apivideo.videos[2].workload: 3660000 sessions: at most 200000"]:
        assert expected in text, (expected, text)


def test_every_iso_country_has_a_vendor_continent():
    codes = {c.alpha_2 for c in pycountry.countries}
    assert codes - set(dimensions.CONTINENT_OF) == set()
    assert set(dimensions.CONTINENT_OF.values()) == set(dimensions.CONTINENTS)
    assert dimensions.continent("AU") == "AZ" and dimensions.continent("BR") == "SA"


@pytest.mark.parametrize(("listing", "vendor", "convert"), [
    ("France", "FR", dimensions.country_code), ("Czech Republic", "CZ", dimensions.country_code),
    ("unknown", "unknown", dimensions.country_code), ("desktop", "computer", dimensions.device_type),
    ("smartphone", "phone", dimensions.device_type), ("phablet", "phone", dimensions.device_type),
    ("car browser", "unknown", dimensions.device_type), ("Microsoft Windows", "windows", dimensions.operating_system),
    ("Mac", "mac osx", dimensions.operating_system), ("iOS", "ios", dimensions.operating_system),
    ("GNU/Linux", "linux", dimensions.operating_system), ("Chrome Mobile", "chrome", dimensions.browser),
    ("Microsoft Edge", "edge", dimensions.browser), ("Mobile Safari", "safari", dimensions.browser),
])
def test_dimensions_in_the_vendor_vocabulary(listing, vendor, convert):
    assert convert(listing) == vendor
