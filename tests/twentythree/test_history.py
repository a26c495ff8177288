"""Seeded history and the scenario fields of OAuth and history (history.py, schema.py, sites.py)."""

from __future__ import annotations

from datetime import date

import pytest

from emulator.app import create_app
from emulator.scenario import ScenarioError
from emulator.twentythree import VENDOR
from emulator.twentythree.history import build_history, parse_period
from emulator.twentythree.totals import spread

from .support import make_app


def generated(seed: int = 7, today: date = date(2024, 3, 1), **generate) -> tuple:
    spec = {"days": 3, "photos": ["1", "2"], "plays": [0, 40], **generate}
    return build_history({"generate": spec}, catalogue=None, seed=seed, domain="localhost", today=today)


def test_generation_follows_the_seed():
    first = generated()
    assert first == generated() and first != generated(seed=8)
    assert [(d.day, d.photo_id) for d in first] == [
        ("2024-02-27", "1"), ("2024-02-27", "2"), ("2024-02-28", "1"), ("2024-02-28", "2"),
        ("2024-02-29", "1"), ("2024-02-29", "2")]  # the days before today, today excluded


def test_generated_days_are_consistent():
    for day in generated(days=60, plays=[0, 100]):
        assert day.loads >= day.plays >= day.finishes >= 0 and day.downloads >= day.plays
        assert 0 <= day.playthrough_average <= 100 and dict(day.events).get("load", 0) == day.loads
        if day.plays == 0:
            assert day.downloaded_bytes == 0 and day.events == ()


def test_typed_days_replace_generated_ones():
    doc = {"generate": {"period": "2024-02", "photos": ["1"]},
           "daily": [{"date": "2024-02-10", "photo_id": "1", "plays": 3}]}
    history = build_history(doc, catalogue=None, seed=1, domain="x", today=date(2024, 3, 1))
    assert len(history) == 29 and next(d for d in history if d.day == "2024-02-10").plays == 3


def test_generation_uses_the_catalogue_by_default():
    history = build_history({"generate": {"period": "2024-02-01"}}, catalogue=["5", "6"], seed=1, domain="x",
                            today=date(2024, 3, 1))
    assert [d.photo_id for d in history] == ["5", "6"]


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-02-01/2024-02-03", (date(2024, 2, 1), date(2024, 2, 3))),
    ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ("2023-12-31", (date(2023, 12, 31), date(2023, 12, 31))),
])
def test_periods(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2024-13", "2024-02-30", "2024-03-01/2024-02-01", "last week"])
def test_bad_periods(text):
    with pytest.raises(ValueError):
        parse_period(text)


def test_spread_adds_up_exactly():
    for count in (0, 1, 7, 23, 24, 25, 1000, 123457):
        parts = spread(count)
        assert sum(parts) == count and len(parts) == 24 and min(parts) >= 0


def test_the_scenario_seed_drives_generated_history():
    doc = {"name": "h", "clock": "2024-03-01T00:00:00Z", "twentythree": {"sites": [
        {"domain": "localhost", "history": {"generate": {"days": 5, "photos": ["1"], "plays": [1, 99]}}}]}}
    sites = [create_app(dict(doc, seed=s), vendors=[VENDOR]).extensions["emulator"].store.base.prepared
             for s in (1, 1, 2)]
    history = [s["twentythree"].sites[0].history for s in sites]
    assert history[0] == history[1] != history[2]
    seeded = create_app(dict(doc, seed=1), seed=2, vendors=[VENDOR]).extensions["emulator"].store.base
    assert seeded.prepared["twentythree"].sites[0].history == history[2]  # create_app(seed=) overrides the file


SECTION = "name: broken\nseed: 1\ntwentythree:\n  sites:\n    - domain: a.example.com\n"


@pytest.mark.parametrize(("yaml_site", "line", "words"), [
    ("      oauth:\n        - {consumer_key: k, consumer_secret: s, access_token: t}\n", 7,
     "'access_token_secret' is required"),
    (("      oauth:\n        - {consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u,\n"
     "           permission_level: anonymous}\n"), 8, "read, write, admin or super"),
    (("      oauth:\n        - {consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u,"
     " permision_level: read}\n"), 7, "did you mean 'permission_level'"),
    (("      oauth:\n        - {consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u}\n"
     "        - {consumer_key: k, consumer_secret: other, access_token: t2, access_token_secret: u}\n"), 8,
     "another consumer_secret at sites[0].oauth[0]"),
    (("      oauth:\n        - {consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u}\n"
     "        - {consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: v}\n"), 8,
     "already declared"),
    ("      history:\n        daily:\n          - {date: 2024-02-30, photo_id: 1}\n", 8, "expected a date"),
    ("      history:\n        daily:\n          - {date: 2024-02-03, photo_id: 1, plays: -1}\n", 8,
     "a whole number, 0 or more"),
    ("      history:\n        daily:\n          - {date: 2024-02-03, photo_id: 1, views: 3}\n", 8,
     "unknown key 'views'"),
    (("      history:\n        daily:\n          - {date: 2024-02-03, photo_id: 1}\n"
     "          - {date: 2024-02-03, photo_id: 1}\n"), 9, "already given by daily[0]"),
    ("      history:\n        generate: {photos: [1]}\n", 7, "exactly one of period"),
    ("      history:\n        generate: {period: 2024-02}\n", 7, "photos is required"),
    ("      history:\n        generate: {period: 2000-01-01/2024-01-01, photos: [1]}\n", 7, "at most 3660 days"),
    ("      history:\n        generate: {days: 3, photos: [1], plays: [5, 1]}\n", 7, "min <= max"),
    ("      history:\n        generate: {period: 2024-02, every: day, photos: [1]}\n", 7, "unknown key 'every'"),
    ("      photos: [1]\n      history:\n        generate: {days: 3, photos: [2]}\n", 8, "not in the site's photos"),
])
def test_section_errors_name_the_line(yaml_site, line, words):
    with pytest.raises(ScenarioError) as info:
        make_app(SECTION + yaml_site)
    message = str(info.value)
    assert f"<document>:{line}:" in message and words in message, message


def test_credentials_on_two_sites_must_agree():
    cred = "{consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u}"
    other = "{consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u, permission_level: super}"
    with pytest.raises(ScenarioError, match=r"declared at sites\[0\]\.oauth\[0\] with another secret"):
        make_app(SECTION + f"      oauth: [{cred}]\n    - domain: b.example.com\n      oauth: [{other}]\n")


def test_the_same_credentials_on_two_sites_make_a_generic_key():
    cred = "{consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: u}"
    make_app(SECTION + f"      oauth: [{cred}]\n    - domain: b.example.com\n      oauth: [{cred}]\n")
