"""Auth: api-key and refresh tokens, bearer expiry on the emulator clock, HTTP Basic, 400/401 bodies."""
from __future__ import annotations

import base64
import json

import pytest

from .support import VIDEO, basic

LISTING = f"/analytics/videos/{VIDEO}?period=2024-01"
DOCS = "https://docs.api.video/docs/"


def problem(slug: str, title: str, status: int, name: str | None = None) -> dict:
    body = {"type": DOCS + slug, "title": title}
    if name is not None:
        body["name"] = name
    body["status"] = status
    return body


INVALID_CREDENTIALS = problem("authenticationinvalid_credentials", "The user credentials were incorrect.", 400, "")
MISSING = problem("authenticationmissing_authorization_header", 'The "Authorization" header is missing.', 401)
BAD_HEADER = problem("authenticationinvalid_authorization_header", 'The "Authorization" header value is invalid.', 401)
BAD_TOKEN = problem("authenticationinvalid_access_token", "The access token is invalid or expired.", 401)
BAD_KEY = problem("authenticationinvalid_api_key", "The API key is invalid.", 401)


def test_api_key_gives_tokens(av_client):
    r = av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert list(body) == ["token_type", "expires_in", "access_token", "refresh_token"]
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_token"].startswith("def50200")
    _header, claims, _ = body["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iat"] == 1709294400  # 2024-03-01T12:00:00Z: the scenario's frozen clock
    assert "sandbox-key" not in body["access_token"]


def test_tokens_are_deterministic_per_seed(make_app):
    first = make_app().test_client().post("/auth/api-key", json={"apiKey": "sandbox-key"}).data
    again = make_app().test_client().post("/auth/api-key", json={"apiKey": "sandbox-key"}).data
    assert first == again


def test_bearer_token_works_and_expires_on_the_emulator_clock(av_client, bearer):
    assert av_client.get(LISTING, headers=bearer).status_code == 200
    av_client.put("/_emulator/clock", json={"advance": 3599})
    assert av_client.get(LISTING, headers=bearer).status_code == 200
    av_client.put("/_emulator/clock", json={"advance": 1})
    r = av_client.get(LISTING, headers=bearer)
    assert r.status_code == 401 and r.get_json() == BAD_TOKEN
    assert r.mimetype == "application/problem+json"


def test_refresh_rotates_the_refresh_token(av_client):
    tokens = av_client.post("/auth/api-key", json={"apiKey": "production-key"}).get_json()
    r = av_client.post("/auth/refresh", json={"refreshToken": tokens["refresh_token"]})
    assert r.status_code == 200
    fresh = r.get_json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    used_again = av_client.post("/auth/refresh", json={"refreshToken": tokens["refresh_token"]})
    assert used_again.status_code == 400 and used_again.get_json() == INVALID_CREDENTIALS
    listing = av_client.get(LISTING, headers={"Authorization": "Bearer " + fresh["access_token"]})
    assert listing.headers["X-RateLimit-Limit"] == "500"  # the production key's token


def test_refresh_after_the_access_token_expired(av_client):
    tokens = av_client.post("/auth/api-key", json={"apiKey": "sandbox-key"}).get_json()
    av_client.put("/_emulator/clock", json={"advance": 7200})
    fresh = av_client.post("/auth/refresh", json={"refreshToken": tokens["refresh_token"]}).get_json()
    ok = av_client.get(LISTING, headers={"Authorization": "Bearer " + fresh["access_token"]})
    assert ok.status_code == 200


@pytest.mark.parametrize("route, body", [
    ("/auth/api-key", {"apiKey": "wrong"}),
    ("/auth/api-key", {"apiKey": ""}),
    ("/auth/refresh", {"refreshToken": "def50200nope"}),
])
def test_wrong_credentials(av_client, route, body):
    r = av_client.post(route, json=body)
    assert r.status_code == 400 and r.get_json() == INVALID_CREDENTIALS


@pytest.mark.parametrize("route, field", [("/auth/api-key", "apiKey"), ("/auth/refresh", "refreshToken")])
@pytest.mark.parametrize("data", ['[1, 2]', '"sandbox-key"', "null", "12", "{}", "not json", "", '{"other": 1}',
                                  '{"apiKey": null, "refreshToken": null}', "\xff\xfe"])
def test_body_not_an_object_or_field_missing(av_client, route, field, data):
    r = av_client.post(route, data=data, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json() == problem("attributerequired", "This attribute is required.", 400, field)


@pytest.mark.parametrize("route, field", [("/auth/api-key", "apiKey"), ("/auth/refresh", "refreshToken")])
def test_field_of_the_wrong_type(av_client, route, field):
    r = av_client.post(route, json={field: ["sandbox-key"]})
    assert r.status_code == 400
    assert r.get_json() == problem("attributeinvalid", "This attribute is invalid.", 400, field)


def test_body_read_whatever_the_content_type(av_client):
    r = av_client.post("/auth/api-key", data='{"apiKey": "sandbox-key"}', content_type="text/plain")
    assert r.status_code == 200


def test_basic_auth_with_the_api_key(av_client):
    r = av_client.get(LISTING, headers=basic("sandbox-key"))
    assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "100"
    assert av_client.get(LISTING, headers=basic("production-key", "ignored")).status_code == 200


@pytest.mark.parametrize("headers, expected", [
    ({}, MISSING),
    ({"Authorization": ""}, MISSING),
    ({"Authorization": "Bearer"}, BAD_HEADER),
    ({"Authorization": "Bearer    "}, BAD_HEADER),
    ({"Authorization": "Token abc"}, BAD_HEADER),
    ({"Authorization": "Digest username=x"}, BAD_HEADER),
    ({"Authorization": "sandbox-key"}, BAD_HEADER),
    ({"Authorization": "Basic !!!notbase64"}, BAD_HEADER),
    ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, BAD_HEADER),
    ({"Authorization": "Basic " + base64.b64encode(b"\xff\xfe:").decode()}, BAD_HEADER),
    ({"Authorization": "Bearer " + "x" * 10_000}, BAD_HEADER),
    ({"Authorization": "Bearer not-a-token"}, BAD_TOKEN),
    ({"Authorization": "bearer not-a-token"}, BAD_TOKEN),
    (basic("wrong-key"), BAD_KEY),
    (basic(""), BAD_KEY),
])
def test_unauthorized(av_client, headers, expected):
    r = av_client.get(LISTING, headers=headers)
    assert r.status_code == 401 and r.get_json() == expected
    assert "X-RateLimit-Limit" not in r.headers


@pytest.mark.parametrize("path", [f"/analytics/videos/{VIDEO}?period=2024", "/analytics/live-streams/x?period=2024",
                                  "/analytics/sessions/x/events"])
def test_every_analytics_route_needs_credentials(av_client, path):
    assert av_client.get(path).get_json() == MISSING


def test_auth_routes_answer_405_to_other_methods(av_client):
    r = av_client.get("/auth/api-key")
    assert r.status_code == 405 and r.headers["Allow"] == "OPTIONS, POST"
    assert r.get_json() == problem("methodnot_allowed", "Method is not allowed for this route.", 405)


def test_tokens_belong_to_their_tenant(av_client, bearer):
    r = av_client.get(LISTING, headers={**bearer, "X-Emulator-Tenant": "other"})
    assert r.status_code == 401 and r.get_json() == BAD_TOKEN


def test_reset_forgets_tokens(av_client, bearer):
    av_client.post("/_emulator/reset")
    assert av_client.get(LISTING, headers=bearer).get_json() == BAD_TOKEN
