"""The loop closed over real HTTP: reports sent, then play-totals signed by requests-oauthlib as a client would.

The server is the real one (emulator.serving.BackgroundServer); the client signs the URL it
calls (http://127.0.0.1:<port>/...), which is what the emulator rebuilds from the Host header.
"""

from __future__ import annotations

import pytest
import requests
from oauthlib.oauth1 import Client
from requests_oauthlib import OAuth1

from .support import (
    DOWNLOAD,
    EVENT,
    NOW_TS,
    PLAY,
    PLAY_TOTALS,
    READ,
    make_app,
)

JSON = {"format": "json", "raw": ""}


def auth(cred: dict = READ, **options) -> OAuth1:
    """requests-oauthlib credentials; the timestamp is the emulator's frozen clock unless given."""
    options.setdefault("timestamp", str(NOW_TS))
    return OAuth1(cred["consumer_key"], cred["consumer_secret"], cred["access_token"], cred["access_token_secret"],
                  **options)


def day_totals(served_url: str, **options) -> dict:
    response = requests.get(f"{served_url}{PLAY_TOTALS}", params={**JSON, "photo_id": "1001", "date_start": "2024-03-01"},
                            auth=auth(**options), timeout=5)
    data = response.json()
    assert data["status"] == "ok", data
    return data["analytics"]["daily"][0]["totals"]


@pytest.mark.parametrize(("plays", "downloads", "size", "loads"), [(0, 0, 0, 0), (3, 2, 4096, 5), (7, 1, 1, 2)])
def test_totals_move_exactly_with_the_reports_sent(served_url, plays, downloads, size, loads):
    before = day_totals(served_url)
    assert (before["plays"], before["downloads"], before["downloadedBytes"], before["loads"]) == (0.0, 0.0, 0.0, 0.0)
    with requests.Session() as http:
        for n in range(plays):
            http.get(f"{served_url}{PLAY}", params={"photo_id": "1001", "timeStart": "0", "timeEnd": str(n)},
                     timeout=5).raise_for_status()
        for n in range(downloads):
            http.get(f"{served_url}{DOWNLOAD}", params={"photo_id": "1001", "session_id": f"s{n}", "bytes_total": str(size)},
                     timeout=5).raise_for_status()
        for _ in range(loads):
            http.get(f"{served_url}{EVENT}", params={"photo_id": "1001", "event": "load"}, timeout=5).raise_for_status()
    after = day_totals(served_url)
    assert (after["plays"], after["downloads"], after["downloadedBytes"], after["loads"]) == (
        float(plays), float(downloads), float(downloads * size), float(loads))
    assert after["events"] == ({"load": float(loads)} if loads else {})


def test_an_unsigned_call_is_refused_as_the_vendor_would(served_url):
    data = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, timeout=5).json()
    assert (data["status"], data["code"], data["permission_level"]) == ("error", "permission_denied", "anonymous")
    assert "(required level: 'read')" in data["message"]


@pytest.mark.parametrize("signature_type", ["auth_header", "query", "body"])
def test_every_place_of_the_signature(served_url, signature_type):
    http = requests.post if signature_type == "body" else requests.get
    payload = {"data" if signature_type == "body" else "params": JSON}
    data = http(f"{served_url}{PLAY_TOTALS}", **payload, auth=auth(signature_type=signature_type), timeout=5).json()
    assert (data["status"], data["permission_level"]) == ("ok", "read"), data


def test_a_replayed_nonce_is_refused_until_reset(served_url):
    first = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(nonce="n-1"), timeout=5).json()
    assert first["status"] == "ok"
    again = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(nonce="n-1"), timeout=5).json()
    assert again["code"] == "invalid_signature" and "already used" in again["message"]
    other_tenant = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(nonce="n-1"),
                                headers={"X-Emulator-Tenant": "elsewhere"}, timeout=5).json()
    assert other_tenant["status"] == "ok"  # nonces are per tenant
    requests.post(f"{served_url}/_emulator/reset", timeout=5).raise_for_status()
    assert requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(nonce="n-1"), timeout=5).json()["status"] == "ok"


def test_a_timestamp_goes_stale_on_the_emulator_clock(served_url):
    assert requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(), timeout=5).json()["status"] == "ok"
    requests.put(f"{served_url}/_emulator/clock", json={"advance": 601}, timeout=5).raise_for_status()
    data = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(), timeout=5).json()
    assert data["code"] == "invalid_signature" and "601 seconds behind the server clock" in data["message"]
    assert requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(timestamp=str(NOW_TS + 601)),
                        timeout=5).json()["status"] == "ok"


def test_the_signature_covers_the_url_the_client_called(served_url):
    signer = Client(READ["consumer_key"], client_secret=READ["consumer_secret"],
                    resource_owner_key=READ["access_token"], resource_owner_secret=READ["access_token_secret"],
                    timestamp=str(NOW_TS))
    _, headers, _ = signer.sign("http://127.0.0.1:1/api/analytics/extract/play-totals?format=json&raw=")
    data = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, headers=headers, timeout=5).json()
    assert data["code"] == "invalid_signature" and f"GET {served_url}{PLAY_TOTALS}" in data["message"]


def test_a_host_header_picks_the_site_while_the_signature_covers_the_url(served_url):
    """The client connects to 127.0.0.1:<port> and signs that URL, but says Host: videos.example.com."""
    data = requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(), headers={"Host": "videos.example.com"},
                        timeout=5).json()
    assert (data["status"], data["site"]["domain"]) == ("ok", "videos.example.com"), data


def test_a_signed_report_call_states_the_callers_level(served_url):
    data = requests.get(f"{served_url}{EVENT}", params={**JSON, "photo_id": "1001", "event": "load"},
                        auth=auth(signature_type="query"), timeout=5).json()
    assert (data["status"], data["permission_level"]) == ("ok", "read")


def test_the_bundled_oauth_scenario_works_with_a_wall_clock_client():
    running = make_app("twentythree-oauth").serve()
    try:
        creds = OAuth1("qa-read-consumer", "qa-read-consumer-secret", "qa-read-token", "qa-read-token-secret")
        data = requests.get(f"{running.url}{PLAY_TOTALS}", params=JSON, auth=creds, timeout=5).json()
        assert (data["status"], data["permission_level"]) == ("ok", "read"), data
        assert len(data["analytics"]["daily"]) == 30 and data["analytics"]["absolute"]["totals"]["plays"] > 0
        pinned = requests.get(f"{running.url}{PLAY_TOTALS}", auth=creds, timeout=5,
                              params={**JSON, "date_start": "2024-02-29", "date_end": "2024-02-29"}).json()
        assert pinned["analytics"]["absolute"]["totals"]["plays"] == 9.0
    finally:
        running.stop()


def test_a_tenant_prefix_is_part_of_the_signed_url(served_url):
    """A client given the base URL http://host:port/_tenant/NAME signs that URL; the tenant is NAME."""
    requests.get(f"{served_url}/_tenant/qa{EVENT}", params={"photo_id": "1001", "event": "load"}, timeout=5)
    data = requests.get(f"{served_url}/_tenant/qa{PLAY_TOTALS}", params={**JSON, "photo_id": "1001", "date_start": "2024-03-01"}, auth=auth(),
                        timeout=5).json()
    assert data["status"] == "ok" and data["analytics"]["absolute"]["totals"]["loads"] == 1.0, data
    assert day_totals(served_url)["loads"] == 0.0  # the default tenant saw nothing


def test_concurrent_replays_of_one_nonce_succeed_once(served_url):
    from concurrent.futures import ThreadPoolExecutor

    def call(_):
        return requests.get(f"{served_url}{PLAY_TOTALS}", params=JSON, auth=auth(nonce="race"), timeout=5).json()["status"]

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(call, range(16)))
    assert statuses.count("ok") == 1 and statuses.count("error") == 15
