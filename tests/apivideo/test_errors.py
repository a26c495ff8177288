"""Bad input gets the vendor's 400/401/404/405 problem bodies, never a 500."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .support import EXPLICIT_SESSION, LIVE, VIDEO, basic

AUTH = basic("sandbox-key")
DOCS = "https://docs.api.video/docs/"
REQUIRED = {"type": DOCS + "attributerequired", "title": "This attribute is required.", "name": "period",
            "status": 400}


def invalid(name: str) -> dict:
    return {"type": DOCS + "attributeinvalid", "title": "This attribute is invalid.", "name": name, "status": 400}


def not_found(name: str) -> dict:
    return {"type": DOCS + "resourcenot_found", "title": "The requested resource was not found.", "name": name,
            "status": 404}


UNRECOGNIZED = {"type": DOCS + "resourcenot_found", "title": "Unrecognized request URL.", "status": 404}
NOT_ALLOWED = {"type": DOCS + "methodnot_allowed", "title": "Method is not allowed for this route.", "status": 405}


def answer(client, url: str, method: str = "GET") -> tuple[int, dict]:
    r = client.open(url, method=method, headers=AUTH)
    assert r.mimetype == "application/problem+json"
    return r.status_code, r.get_json()


@pytest.mark.parametrize("route", [f"/analytics/videos/{VIDEO}", f"/analytics/live-streams/{LIVE}"])
@pytest.mark.parametrize("query", ["", "?period=", "?currentPage=1", "?Period=2024"])
def test_period_required(av_client, route, query):
    assert answer(av_client, route + query) == (400, REQUIRED)


@pytest.mark.parametrize("route", [f"/analytics/videos/{VIDEO}", f"/analytics/live-streams/{LIVE}"])
@pytest.mark.parametrize("period", ["2024-13", "2024-W54", "2023-W53", "2024-02-30", "2024-01-15/2024-01-14",
                                    "yesterday", "2024-01-01T00:00:00.000Z", "x" * 10_240, "%00", "2024%0A"])
def test_period_invalid(av_client, route, period):
    assert answer(av_client, f"{route}?period={period}") == (400, invalid("period"))


@pytest.mark.parametrize("param", ["metadata=Tutorial", "metadata[]=x", "metadata[a][b]=x", "metadata[a=x",
                                   "metadataFormat=x", "metadata%5Ba%5D%5Bb%5D=x"])
def test_metadata_without_brackets(av_client, param):
    assert answer(av_client, f"/analytics/videos/{VIDEO}?period=2024&{param}") == (400, invalid("metadata"))


@pytest.mark.parametrize("route", [f"/analytics/videos/{VIDEO}?period=2024", f"/analytics/live-streams/{LIVE}?period=2024",
                                   f"/analytics/sessions/{EXPLICIT_SESSION}/events?x=1"])
@pytest.mark.parametrize("param, name", [("currentPage=abc", "currentPage"), ("pageSize=1.5", "pageSize"),
                                         ("pageSize=ten", "pageSize"), ("currentPage=1e3", "currentPage")])
def test_non_integer_paging(av_client, route, param, name):
    assert answer(av_client, f"{route}&{param}") == (400, invalid(name))


def test_empty_paging_values_mean_the_defaults(av_client):
    r = av_client.get(f"/analytics/videos/{VIDEO}?period=2024&currentPage=&pageSize=", headers=AUTH)
    assert r.status_code == 200
    assert (r.get_json()["pagination"]["currentPage"], r.get_json()["pagination"]["pageSize"]) == (1, 25)


@pytest.mark.parametrize("param, name, bounds", [("currentPage=0", "currentPage", {"min": 1}),
                                                 ("currentPage=-4", "currentPage", {"min": 1}),
                                                 ("pageSize=0", "pageSize", {"min": 1, "max": 100}),
                                                 ("pageSize=101", "pageSize", {"min": 1, "max": 100})])
def test_out_of_range_paging(av_client, param, name, bounds):
    status, body = answer(av_client, f"/analytics/videos/{VIDEO}?period=2024&{param}")
    assert status == 400
    assert body["title"] == "This parameter is out of the allowed range of values."
    assert (body["name"], body["range"]) == (name, bounds)


@pytest.mark.parametrize("url, name", [
    ("/analytics/videos/viUnknown?period=2024", "videoId"),
    (f"/analytics/videos/{LIVE}?period=2024", "videoId"),
    ("/analytics/live-streams/liUnknown?period=2024", "liveStreamId"),
    (f"/analytics/live-streams/{VIDEO}?period=2024", "liveStreamId"),
    ("/analytics/sessions/psUnknown/events", "sessionId"),
    (f"/analytics/sessions/{quote('ps ü')}/events", "sessionId"),
])
def test_not_found_names_the_path_parameter(av_client, url, name):
    assert answer(av_client, url) == (404, not_found(name))


def test_parameters_are_checked_before_the_lookup(av_client):
    assert answer(av_client, "/analytics/videos/viUnknown") == (400, REQUIRED)


@pytest.mark.parametrize("url", ["/analytics", "/analytics/", "/analytics/videos", "/analytics/videos/",
                                 "/analytics/sessions/x", "/analytics/sessions/x/events/y", "/auth",
                                 "/auth/login", "/analytics/videos/a/b?period=2024"])
def test_unknown_routes(av_client, url):
    assert answer(av_client, url) == (404, UNRECOGNIZED)


@pytest.mark.parametrize("url, method, allow", [
    (f"/analytics/videos/{VIDEO}", "DELETE", "GET, HEAD, OPTIONS"),
    (f"/analytics/videos/{VIDEO}", "POST", "GET, HEAD, OPTIONS"),
    ("/analytics/sessions/x/events", "PUT", "GET, HEAD, OPTIONS"),
    ("/auth/refresh", "PATCH", "OPTIONS, POST"),
])
def test_method_not_allowed(av_client, url, method, allow):
    r = av_client.open(url, method=method, headers=AUTH)
    assert (r.status_code, r.get_json()) == (405, NOT_ALLOWED)
    assert r.headers["Allow"] == allow


def test_status_fault_in_vendor_format(av_client):
    av_client.post("/_emulator/faults", json={"match": {"api": "apivideo"}, "action": {"kind": "status", "status": 503},
                                              "times": 1})
    status, body = answer(av_client, f"/analytics/videos/{VIDEO}?period=2024")
    assert status == 503 and body["status"] == 503 and set(body) == {"type", "title", "status"}
    assert av_client.get(f"/analytics/videos/{VIDEO}?period=2024", headers=AUTH).status_code == 200


def test_body_too_large_in_vendor_format(make_app):
    client = make_app(max_body_bytes=64).test_client()
    r = client.post("/auth/api-key", json={"apiKey": "x" * 500})
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert r.get_json()["status"] == 413


_query_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_params = st.lists(st.tuples(st.sampled_from(["period", "currentPage", "pageSize", "metadata[Format]", "metadata",
                                              "metadata[]", "other", "metadata[Author]"]), _query_text),
                   max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from([f"/analytics/videos/{VIDEO}", f"/analytics/live-streams/{LIVE}",
                              f"/analytics/sessions/{EXPLICIT_SESSION}/events", "/analytics/videos/x"]),
       params=_params)
def test_fuzzed_queries_never_fail(av_client, route, params):
    """Whatever the query, a contract-valid answer (the make_app hook checks every body)."""
    query = "&".join(f"{quote(k, safe='[]')}={quote(v)}" for k, v in params)
    r = av_client.get(f"{route}?{query}", headers=AUTH)
    assert r.status_code in (200, 400, 404)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.text(max_size=60), body=st.binary(max_size=60))
def test_fuzzed_credentials_never_fail(av_client, header, body):
    try:
        r = av_client.get(f"/analytics/videos/{VIDEO}?period=2024", headers={"Authorization": header})
    except ValueError:  # Werkzeug refuses to send header values with newlines
        return
    assert r.status_code in (200, 401)
    assert av_client.post("/auth/api-key", data=body).status_code in (200, 400)
