"""Shared material of the 23 Video tests: the scenario, paths, and small helpers."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from emulator.app import create_app
from emulator.twentythree import VENDOR

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "twentythree"
PLAY = "/api/analytics/report/play"
DOWNLOAD = "/api/analytics/report/download"
EVENT = "/api/analytics/report/event"
BATCH = "/api/analytics/report/batch"
REPORTS = "/_emulator/twentythree/reports"

SCENARIO: dict[str, Any] = {
    "name": "twentythree-test",
    "description": "two sites: an open one on localhost and a closed catalogue",
    "seed": 23,
    "clock": "2024-03-01T12:00:00Z",
    "twentythree": {
        "sites": [
            {
                "domain": "localhost",
                "site_id": "123456",
                "site_name": "Example Video Site",
                "product_key": "tube",
                "whitelist": [
                    {"server": "127.0.0.1/32", "domains": ["localhost", "videos.example.com"]},
                    {"server": "10.20.0.0/16", "domains": ["localhost"]},
                    {"server": "2001:db8::/32", "domains": ["localhost"]},
                    {"server": "::1"},
                ],
            },
            {
                "domain": "videos.example.com",
                "site_id": "654321",
                "site_name": "Closed Catalogue",
                "secure_domain": "secure.example.com",
                "session_cookies": ["ad_session_id"],
                "photos": ["1001", "1002"],
                "whitelist": [{"server": "127.0.0.1", "domains": ["videos.example.com"]}],
            },
        ]
    },
}


def scenario(**changes: Any) -> dict[str, Any]:
    """A copy of SCENARIO with top-level keys replaced."""
    data = copy.deepcopy(SCENARIO)
    data.update(changes)
    return data


def make_app(document: Any = None, **settings: Any):
    """An emulator app with only the 23 Video vendor (so these tests do not depend on api.video)."""
    return create_app(SCENARIO if document is None else document, vendors=[VENDOR], **settings)


def reports(client, **filters: Any) -> dict:
    """The control listing of recorded reports."""
    response = client.get(REPORTS, query_string=filters)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> dict:
    return json.loads(fixture_text(name))
