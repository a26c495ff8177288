"""What the dashboard tests share: the scenario of the fake vendor, and the fake vendor with a panel."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from fakevendor import FAKE_VENDOR

FAKE_SCENARIO = {"name": "ui-test", "description": "fake vendor only", "seed": 3,
                 "clock": "2024-03-01T12:00:00Z", "fake": {"greeting": "hi"}}

PANELS = Path(__file__).with_name("panels")
# The fake vendor with a dashboard panel (tests/ui/panels/panel.js), with one that fails to mount,
# and with one whose module is not there (its import fails).
PANEL_VENDOR = replace(FAKE_VENDOR, dashboard_panel=str(PANELS / "panel.js"))
BROKEN_PANEL_VENDOR = replace(FAKE_VENDOR, dashboard_panel=str(PANELS / "broken.js"))
MISSING_PANEL_VENDOR = replace(FAKE_VENDOR, dashboard_panel=str(PANELS / "missing.js"))
