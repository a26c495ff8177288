"""Rate limits: headers on every analytics answer, sliding window on the emulator clock, 429, state."""
from __future__ import annotations

import pytest

from .support import VIDEO, basic, scenario

URL = f"/analytics/videos/{VIDEO}?period=2024"
TOO_MANY = {"type": "https://docs.api.video/reference/too-many-requests", "title": "Too many requests.",
            "status": 429}


def limits(r) -> tuple[str, str, str]:
    return r.headers["X-RateLimit-Limit"], r.headers["X-RateLimit-Remaining"], r.headers["X-RateLimit-Retry-After"]


@pytest.fixture
def limited(make_app):
    """Enforced limits: sandbox 3 reads per 60 s."""
    return make_app(scenario(rate_limits={"enforce": True, "sandbox": 3})).test_client()


def test_headers_count_down_per_key(av_client):
    sandbox, production = basic("sandbox-key"), basic("production-key")
    assert limits(av_client.get(URL, headers=sandbox)) == ("100", "99", "60")
    assert limits(av_client.get(URL, headers=sandbox)) == ("100", "98", "60")
    assert limits(av_client.get(URL, headers=production)) == ("500", "499", "60")


@pytest.mark.parametrize("url, status", [(URL, 200), ("/analytics/videos/nope?period=2024", 404),
                                         (f"/analytics/videos/{VIDEO}", 400),
                                         ("/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy/events", 200)])
def test_every_authenticated_analytics_answer_carries_them(av_client, url, status):
    r = av_client.get(url, headers=basic("sandbox-key"))
    assert r.status_code == status and limits(r) == ("100", "99", "60")


def test_auth_routes_are_not_limited(av_client):
    r = av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"})
    assert "X-RateLimit-Limit" not in r.headers


def test_window_slides_on_the_emulator_clock(limited):
    key = basic("sandbox-key")
    assert limits(limited.get(URL, headers=key)) == ("3", "2", "60")
    limited.put("/_emulator/clock", json={"advance": 20})
    assert limits(limited.get(URL, headers=key)) == ("3", "1", "40")
    limited.put("/_emulator/clock", json={"advance": 20})
    assert limits(limited.get(URL, headers=key)) == ("3", "0", "20")
    refused = limited.get(URL, headers=key)
    assert refused.status_code == 429 and refused.get_json() == TOO_MANY
    assert refused.mimetype == "application/problem+json"
    assert limits(refused) == ("3", "0", "20")
    limited.put("/_emulator/clock", json={"advance": 19.5})
    assert limited.get(URL, headers=key).status_code == 429
    assert limits(limited.get(URL, headers=key))[2] == "1"
    limited.put("/_emulator/clock", json={"advance": 0.5})  # the first read leaves the window
    ok = limited.get(URL, headers=key)
    assert ok.status_code == 200 and limits(ok) == ("3", "0", "20")


def test_tokens_count_against_their_key(limited):
    token = limited.post("/auth/api-key", json={"apiKey": "sandbox-key"}).get_json()["access_token"]
    for _ in range(3):
        assert limited.get(URL, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert limited.get(URL, headers=basic("sandbox-key")).status_code == 429
    assert limited.get(URL, headers=basic("production-key")).status_code == 200


def test_not_enforced_only_reports(make_app):
    client = make_app(scenario(rate_limits={"sandbox": 2})).test_client()
    answers = [client.get(URL, headers=basic("sandbox-key")) for _ in range(4)]
    assert [r.status_code for r in answers] == [200] * 4
    assert [limits(r)[1] for r in answers] == ["1", "0", "0", "0"]


def test_per_key_override_and_window_length(make_app):
    document = scenario(rate_limits={"enforce": True, "window_seconds": 10},
                        api_keys=[{"key": "tiny", "environment": "production", "rate_limit": 1}])
    client = make_app(document).test_client()
    assert limits(client.get(URL, headers=basic("tiny"))) == ("1", "0", "10")
    assert client.get(URL, headers=basic("tiny")).status_code == 429
    client.put("/_emulator/clock", json={"advance": 10})
    assert client.get(URL, headers=basic("tiny")).status_code == 200


def test_tenants_have_their_own_windows(limited):
    key = basic("sandbox-key")
    for _ in range(3):
        limited.get(URL, headers=key)
    assert limited.get(URL, headers=key).status_code == 429
    assert limited.get(URL, headers={**key, "X-Emulator-Tenant": "ci-worker-2"}).status_code == 200
    limited.post("/_emulator/reset")
    assert limited.get(URL, headers=key).status_code == 200


def test_rate_limit_fault(av_client):
    rule = {"match": {"api": "apivideo", "path": "/analytics/*"}, "action": {"kind": "rate_limit", "retry_after": 7},
            "times": 1}
    assert av_client.post("/_emulator/faults", json=rule).status_code == 201
    r = av_client.get(URL, headers=basic("production-key"))
    assert r.status_code == 429 and r.get_json() == TOO_MANY
    assert limits(r) == ("500", "0", "7")
    assert av_client.get(URL, headers=basic("production-key")).status_code == 200


def test_state_export_and_import_keep_tokens_and_windows(limited):
    tokens = limited.post("/auth/api-key", json={"apiKey": "sandbox-key"}).get_json()
    bearer = {"Authorization": "Bearer " + tokens["access_token"]}
    limited.get(URL, headers=bearer)
    limited.get(URL, headers=bearer)
    state = limited.get("/_emulator/state").get_json()
    exported = state["vendors"]["apivideo"]
    assert exported["issued"] == 1 and len(exported["rate_windows"]["sandbox-key"]) == 2
    limited.post("/_emulator/reset")
    assert limited.get(URL, headers=bearer).status_code == 401
    assert limited.put("/_emulator/state", json=state).status_code == 200
    assert limits(limited.get(URL, headers=bearer)) == ("3", "0", "60")
    assert limited.get(URL, headers=bearer).status_code == 429
    fresh = limited.post("/auth/refresh", json={"refreshToken": tokens["refresh_token"]})
    assert fresh.status_code == 200
    assert fresh.get_json()["access_token"] != tokens["access_token"]  # the counter came back too


def test_ready_counts(av_client):
    counts = av_client.get("/_emulator/ready").get_json()["counts"]["apivideo"]
    assert counts == {"videos": 2, "live_streams": 2, "sessions": 162, "access_tokens": 0, "ingested_sessions": 0}


def test_rate_state_does_not_leak_between_requests(av_app):
    """pytest-flask keeps one app context (and ``g``) across a test's requests."""
    with av_app.app_context():
        client = av_app.test_client()
        assert "X-RateLimit-Limit" in client.get(URL, headers=basic("sandbox-key")).headers
        unauthorized = client.get(URL)
        assert unauthorized.status_code == 401 and "X-RateLimit-Limit" not in unauthorized.headers
