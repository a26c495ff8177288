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


# -- extraction and OAuth ------------------------------------------------------------------------------
EXTRACT = "/api/analytics/extract"
PLAY_TOTALS = f"{EXTRACT}/play-totals"
PLAY_DETAILS = f"{EXTRACT}/play-details"
PHOTO_TOTALS = f"{EXTRACT}/photo-totals"
EMBED_DETAILS = f"{EXTRACT}/embed-details"
NOW_TS = 1709294400  # 2024-03-01T12:00:00Z, the frozen clock of the scenarios below
READ = {"consumer_key": "qa-consumer", "consumer_secret": "qa-consumer-secret",
        "access_token": "qa-read-token", "access_token_secret": "qa-read-token-secret", "permission_level": "read"}
ADMIN = {"consumer_key": "qa-consumer", "consumer_secret": "qa-consumer-secret",
         "access_token": "qa-admin-token", "access_token_secret": "qa-admin-token-secret", "permission_level": "admin"}
OTHER = {"consumer_key": "other-consumer", "consumer_secret": "other-secret",
         "access_token": "other-token", "access_token_secret": "other-token-secret"}

EXTRACT_SCENARIO: dict[str, Any] = {
    "name": "twentythree-extract-test",
    "seed": 23,
    "clock": "2024-03-01T12:00:00Z",
    "twentythree": {"sites": [
        {"domain": "localhost", "site_id": "123456", "site_name": "Example Video Site",
         "whitelist": [{"server": "127.0.0.1"}, {"server": "::1"}],
         "oauth": [READ, ADMIN],
         "history": {"daily": [
             {"date": "2024-02-28", "photo_id": "1001", "loads": 10, "plays": 8, "finishes": 2, "downloads": 6,
              "downloadedBytes": 6000, "playEngagement": 120.5, "playthroughAverage": 40, "events": {"load": 10}},
             {"date": "2024-02-29", "photo_id": "1002", "loads": 4, "plays": 2, "downloads": 2,
              "downloadedBytes": 2048, "playthroughAverage": 75.5, "events": {"load": 4, "fullscreen": 1}},
         ]}},
        {"domain": "videos.example.com", "site_id": "654321", "photos": ["1001", "2001"],
         "whitelist": [{"server": "127.0.0.1"}], "oauth": [OTHER, READ]},
        {"domain": "private.example.com", "site_id": "777777", "oauth": [OTHER]},
    ]},
}


def make_extract_app(**settings: Any):
    """An app serving EXTRACT_SCENARIO (frozen clock, credentials, typed history)."""
    return make_app(copy.deepcopy(EXTRACT_SCENARIO), **settings)


def oauth_client(cred: dict, *, timestamp: int | None = NOW_TS, nonce: str | None = None,
                 signature_type: str = "AUTH_HEADER"):
    """An oauthlib client signing as ``cred`` (timestamp: the emulator's frozen clock by default)."""
    from oauthlib.oauth1 import Client

    return Client(cred["consumer_key"], client_secret=cred["consumer_secret"],
                  resource_owner_key=cred["access_token"], resource_owner_secret=cred["access_token_secret"],
                  timestamp=None if timestamp is None else str(timestamp), nonce=nonce,
                  signature_type=signature_type)


def signed(client, path: str, params: dict | None = None, cred: dict | None = None, *, method: str = "GET",
           host: str = "localhost", headers: dict | None = None, **options: Any):
    """Call ``path`` on a Flask test client, signed as a real client would sign http://<host><path>."""
    from urllib.parse import urlencode

    signer = oauth_client(cred or READ, **options)
    query = urlencode(params or {})
    if method == "GET":
        uri, signed_headers, _ = signer.sign(f"http://{host}{path}" + (f"?{query}" if query else ""))
        return client.get(uri, headers={**signed_headers, **(headers or {})})
    uri, signed_headers, body = signer.sign(f"http://{host}{path}", http_method="POST", body=query or None,
                                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    return client.post(uri, data=body or "", headers={**signed_headers, **(headers or {})})
