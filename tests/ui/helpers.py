"""What the dashboard tests share: the scenario of the fake vendor."""

from __future__ import annotations

FAKE_SCENARIO = {"name": "ui-test", "description": "fake vendor only", "seed": 3,
                 "clock": "2024-03-01T12:00:00Z", "fake": {"greeting": "hi"}}
