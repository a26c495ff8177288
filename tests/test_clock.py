"""The emulator clock (emulator/clock.py): frozen stays put, real follows the wall clock plus an offset.

Real time is replaced by a hand-moved wall clock (``wall``), so "time passes" without waiting and
no assertion depends on how fast the machine is.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import emulator.clock as clock_module
from emulator.app import create_app
from emulator.clock import MAX_OFFSET_SECONDS, Clock, format_instant, parse_instant
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

NOON = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


class Wall:
    """The wall clock the emulator clock reads, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now_value = now

    def move(self, seconds: float) -> None:
        self.now_value += timedelta(seconds=seconds)


@pytest.fixture
def wall(monkeypatch) -> Wall:
    hand = Wall(datetime(2030, 6, 1, 8, 0, tzinfo=timezone.utc))

    class WallDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return hand.now_value.astimezone(tz) if tz else hand.now_value.replace(tzinfo=None)

    monkeypatch.setattr(clock_module, "datetime", WallDatetime)
    return hand


def test_a_frozen_clock_does_not_move_while_real_time_passes(wall):
    clock = Clock(frozen_at=NOON)
    wall.move(3600)
    assert clock.now() == NOON
    assert clock.mode == "frozen"


def test_a_real_clock_follows_real_time_with_its_offset(wall):
    clock = Clock(offset=timedelta(days=-1))
    start = clock.now()
    assert start == wall.now_value - timedelta(days=1)
    wall.move(90)
    assert clock.now() - start == timedelta(seconds=90)
    assert clock.mode == "real"


def test_the_real_clock_reads_the_machine_clock():
    """Without the hand-moved wall: within a minute of the machine's own time (not a timing test)."""
    assert abs(Clock().now() - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_advance_moves_a_frozen_clock_and_it_stays_frozen(wall):
    clock = Clock(frozen_at=NOON)
    clock.advance(30)
    clock.advance(-10)
    wall.move(500)
    assert clock.now() == NOON + timedelta(seconds=20)
    assert clock.offset == timedelta(0)


def test_advance_on_a_real_clock_adds_to_the_offset(wall):
    clock = Clock()
    clock.advance(3600)
    assert clock.now() == wall.now_value + timedelta(hours=1)
    wall.move(5)
    assert clock.now() == wall.now_value + timedelta(hours=1)
    assert clock.to_dict()["offset_seconds"] == 3600


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -float("inf")])
def test_advance_by_a_number_that_is_not_finite_is_refused(seconds):
    clock = Clock(frozen_at=NOON)
    with pytest.raises(ValueError, match="expected a finite number of seconds"):
        clock.advance(seconds)
    assert clock.now() == NOON


def test_advance_past_the_dates_a_clock_can_show_is_refused_and_moves_nothing(wall):
    frozen = Clock(frozen_at=datetime(9999, 12, 31, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="leaves the range of dates"):
        frozen.advance(2 * 86400)
    assert frozen.now() == datetime(9999, 12, 31, tzinfo=timezone.utc)
    real = Clock()
    with pytest.raises(ValueError, match="leaves the range of dates"):
        real.advance(MAX_OFFSET_SECONDS * 2)
    assert real.offset == timedelta(0)


def test_freeze_and_run_real_forget_the_offset(wall):
    clock = Clock(offset=timedelta(hours=5))
    clock.freeze(datetime(2024, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == NOON  # stored in UTC
    assert clock.offset == timedelta(0)
    clock.advance(60)
    clock.run_real()
    assert clock.now() == wall.now_value
    assert clock.mode == "real"


def test_from_scenario_freezes_at_its_clock_or_runs_real():
    assert Clock.from_scenario("2024-03-01T12:00:00Z").now() == NOON
    assert Clock.from_scenario(None).mode == "real"


def test_to_dict_and_load_round_trip_both_modes(wall):
    frozen = Clock(frozen_at=NOON + timedelta(milliseconds=250))
    assert frozen.to_dict() == {"now": "2024-03-01T12:00:00.250Z", "mode": "frozen", "offset_seconds": 0.0}
    copy = Clock()
    copy.load(frozen.to_dict())
    assert copy.now() == NOON + timedelta(milliseconds=250)
    real = Clock(offset=timedelta(seconds=-42))
    copy.load(real.to_dict())
    assert copy.mode == "real" and copy.offset == timedelta(seconds=-42)


@pytest.mark.parametrize("offset", [float("nan"), MAX_OFFSET_SECONDS * 10])
def test_load_refuses_an_offset_out_of_range(offset):
    clock = Clock(frozen_at=NOON)
    with pytest.raises(ValueError, match="clock.offset_seconds"):
        clock.load({"mode": "real", "offset_seconds": offset})
    assert clock.now() == NOON


@pytest.mark.parametrize(("text", "want"), [
    ("2024-03-01T12:00:00Z", NOON),
    ("2024-03-01T12:00:00z", NOON),
    ("2024-03-01T14:00:00+02:00", NOON),
    ("2024-03-01T12:00:00", NOON),  # naive means UTC
    (" 2024-03-01T12:00:00.000Z ", NOON),
])
def test_parse_instant(text, want):
    parsed = parse_instant(text)
    assert parsed == want and parsed.tzinfo == timezone.utc


@pytest.mark.parametrize("text", ["", "  ", "yesterday", "2024-13-01T00:00:00Z", None, 1709294400])
def test_parse_instant_refuses_what_is_not_an_instant(text):
    with pytest.raises(ValueError, match="expected an ISO-8601 instant"):
        parse_instant(text)


def test_format_instant_writes_milliseconds_in_utc_and_four_digit_years():
    assert format_instant(NOON + timedelta(microseconds=123_999)) == "2024-03-01T12:00:00.123Z"
    assert format_instant(datetime(2024, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))) == \
        "2024-03-01T12:00:00.000Z"
    assert format_instant(datetime(5, 1, 2, tzinfo=timezone.utc)) == "0005-01-02T00:00:00.000Z"


def test_the_vendor_sees_the_clock_the_control_api_moves():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR]).test_client()
    assert client.get("/fake/echo").get_json()["now"] == "2024-03-01T12:00:00+00:00"
    assert client.put("/_emulator/clock", json={"advance": 90}).status_code == 200
    assert client.get("/fake/echo").get_json()["now"] == "2024-03-01T12:01:30+00:00"
    assert client.get("/fake/echo").get_json()["now"] == "2024-03-01T12:01:30+00:00"  # frozen there
