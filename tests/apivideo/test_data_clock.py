"""A /data/* request reads the emulator clock once: its defaults, window and rate limit agree.

The clock here moves a day forward at every reading, so a second reading anywhere on the request's
way (pipeline, credentials and rate limit, the counted window, the ingested sessions visible)
would show: in the count of readings, and in ``context.timeframe`` against what was counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from emulator.app import create_app
from emulator.clock import Clock

from .support import VIDEO, basic, scenario

AUTH = basic("production-key")


@dataclass
class SteppingClock(Clock):
    """Frozen, but a day later at every reading; keeps what it answered."""

    readings: list[datetime] = field(default_factory=list)

    def now(self) -> datetime:
        assert self.frozen_at is not None
        moment = self.frozen_at + timedelta(days=len(self.readings))
        self.readings.append(moment)
        return moment


@pytest.fixture
def stepping():
    app = create_app(scenario(videos=[{"id": VIDEO, "generate": {"sessions": 2000, "period": "2024-02-20/2024-03-10"}}]))
    tenant = app.extensions["emulator"].store.get(None)
    clock = SteppingClock(frozen_at=tenant.clock.now())
    tenant.clock = clock
    return app.test_client(), clock


@pytest.mark.parametrize("path", ["/data/metrics/impression/count", "/data/buckets/impression/country",
                                  "/data/timeseries/impression", "/data/metrics/ccv/live"])
def test_one_clock_reading_per_request(stepping, path):
    client, clock = stepping
    for _ in range(3):
        before = len(clock.readings)
        answer = client.get(path, headers=AUTH)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert len(clock.readings) == before + 1
        now = clock.readings[-1]
        assert answer.get_json()["context"]["timeframe"]["to"] == now.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def test_the_default_window_counted_is_the_one_echoed(stepping):
    """The default window (the day before the reading) counts what the same window asked for counts."""
    client, _ = stepping
    for _ in range(3):
        default = client.get("/data/metrics/impression/count", headers=AUTH).get_json()
        frame = default["context"]["timeframe"]
        asked = client.get("/data/metrics/impression/count", headers=AUTH,
                           query_string={"from": frame["from"], "to": frame["to"]}).get_json()
        assert asked["context"]["timeframe"] == frame
        assert default["data"] == asked["data"] > 0
