"""The 23 Video side of the control API, the core hooks (404/405, faults, journal, state) and OpenAPI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .support import BATCH, DOWNLOAD, EVENT, PLAY, REPORTS, make_app, reports


def send_mix(client) -> None:
    client.get(PLAY, query_string={"photo_id": "1001", "timeStart": "0"})
    client.get(EVENT, query_string={"photo_id": "1002", "event": "load"}, headers={"Host": "videos.example.com"})
    client.get(DOWNLOAD, query_string={"photo_id": "1001", "session_id": "S", "bytes_total": "9"})
    client.get(DOWNLOAD, query_string={"photo_id": "1001", "bytes_total": "9"})  # rejected: no session


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, [1, 2, 3]),
    ({"kind": "play"}, [1]),
    ({"kind": "download"}, [3]),
    ({"photo_id": "1001"}, [1, 3]),
    ({"domain": "videos.example.com"}, [2]),
    ({"domain": "VIDEOS.example.com"}, [2]),
    ({"session_id": "S"}, [3]),
    ({"limit": "1"}, [3]),
    ({"since": "1"}, [2, 3]),
])
def test_listing_filters(tt_client, filters, expected):
    send_mix(tt_client)
    listing = reports(tt_client, **filters)
    assert [i["id"] for i in listing["items"]] == expected
    assert listing["total"] == (3 if "limit" in filters else len(expected))


@pytest.mark.parametrize("query", ["kind=plays", "limit=-1", "limit=x", "since=yesterday", "photoid=1"])
def test_bad_filters_are_400_naming_them(tt_client, query):
    response = tt_client.get(f"{REPORTS}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["error"]


def test_rejected_calls_are_in_the_journal_not_in_reports(tt_client):
    send_mix(tt_client)
    journal = tt_client.get("/_emulator/requests", query_string={"api": "twentythree"}).get_json()
    assert journal["total"] == 4
    assert reports(tt_client)["total"] == 3


def test_tenants_are_isolated(tt_client):
    tt_client.get(PLAY, query_string={"photo_id": "1", "timeStart": "0"}, headers={"X-Emulator-Tenant": "w1"})
    assert tt_client.get(REPORTS, headers={"X-Emulator-Tenant": "w1"}).get_json()["total"] == 1
    assert tt_client.get(REPORTS, headers={"X-Emulator-Tenant": "w2"}).get_json()["total"] == 0
    assert reports(tt_client)["total"] == 0


def test_reset_clears_reports(tt_client):
    send_mix(tt_client)
    assert tt_client.post("/_emulator/reset").status_code == 200
    assert reports(tt_client)["total"] == 0


def test_state_export_and_import(tt_client):
    send_mix(tt_client)
    state = tt_client.get("/_emulator/state").get_json()
    assert len(state["vendors"]["twentythree"]["reports"]) == 3
    tt_client.post("/_emulator/reset")
    assert tt_client.put("/_emulator/state", json=state).status_code == 200
    assert [i["id"] for i in reports(tt_client)["items"]] == [1, 2, 3]
    tt_client.get(EVENT, query_string={"photo_id": "1", "event": "load"})
    assert reports(tt_client)["items"][-1]["id"] == 4


def test_ready_counts(tt_client):
    send_mix(tt_client)
    counts = tt_client.get("/_emulator/ready").get_json()["counts"]["twentythree"]
    assert counts == {"reports": 3, "play": 1, "download": 1, "event": 1, "dropped": 0}


def test_control_token_protects_the_listing():
    client = make_app(control_token="s3cret").test_client()
    assert client.get(REPORTS).status_code == 401
    assert client.get(REPORTS, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(REPORTS, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get(PLAY, query_string={"photo_id": "1", "timeStart": "0"}).status_code == 200


# -- HTTP-level errors in the vendor's format ------------------------------------------------------------
def test_unknown_method_is_404_in_the_vendor_format(tt_client):
    response = tt_client.get("/api/analytics/report/nothing", query_string={"format": "json", "callback": "cb"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    data = json.loads(body[3:-2])
    assert body.startswith("cb(") and data["code"] == "no_such_method"
    assert data["endpoint"] == "/api/analytics/report/nothing"
    root = ET.fromstring(tt_client.get("/api/photo/list").get_data())
    assert root.get("code") == "no_such_method"


def test_wrong_http_method_is_405_with_allow(tt_client):
    response = tt_client.delete(PLAY)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert ET.fromstring(response.get_data()).get("code") == "method_not_allowed"


# -- faults ------------------------------------------------------------------------------------------------
def add_fault(client, rule: dict) -> None:
    response = client.post("/_emulator/faults", json=rule)
    assert response.status_code in (200, 201), response.get_data(as_text=True)


def test_error_fault_is_a_200_envelope_in_the_requested_format(tt_client):
    add_fault(tt_client, {"match": {"api": "twentythree", "path": "/api/analytics/report/*"},
                          "action": {"kind": "error", "code": "service_busy", "message": "Try later"}, "times": 2})
    root = ET.fromstring(tt_client.get(PLAY, query_string={"photo_id": "1", "timeStart": "0"}).get_data())
    assert (root.get("status"), root.get("code"), root.get("message")) == ("error", "service_busy", "Try later")
    body = tt_client.get(EVENT, query_string={"photo_id": "1", "event": "load", "format": "json",
                                              "callback": "window.ignore"})
    assert body.status_code == 200
    text = body.get_data(as_text=True)
    assert text.startswith("window.ignore(") and json.loads(text[14:-2])["code"] == "service_busy"
    assert reports(tt_client)["total"] == 0
    assert tt_client.get(EVENT, query_string={"photo_id": "1", "event": "load"}).status_code == 200
    assert reports(tt_client)["total"] == 1


def test_rate_limit_fault(tt_client):
    add_fault(tt_client, {"match": {"api": "twentythree"}, "action": {"kind": "rate_limit", "retry_after": 7},
                          "times": 1})
    response = tt_client.get(PLAY, query_string={"photo_id": "1", "timeStart": "0", "format": "json", "raw": ""})
    assert response.status_code == 429 and response.headers["Retry-After"] == "7"
    assert response.get_json()["code"] == "rate_limited"


def test_status_fault_uses_the_vendor_error_format(tt_client):
    add_fault(tt_client, {"match": {"api": "twentythree", "params": {"photo_id": "13"}},
                          "action": {"kind": "status", "status": 503}})
    response = tt_client.get(EVENT, query_string={"photo_id": "13", "event": "load"})
    assert response.status_code == 503
    root = ET.fromstring(response.get_data())
    assert (root.get("status"), root.get("code")) == ("error", "service_unavailable")
    post = tt_client.post(EVENT, data={"photo_id": "13", "event": "load", "format": "json", "raw": ""})
    assert post.status_code == 503 and post.get_json()["code"] == "service_unavailable"


# -- OpenAPI -----------------------------------------------------------------------------------------------
def test_openapi_lists_the_routes(tt_client):
    document = tt_client.get("/_emulator/openapi.json").get_json()
    for method in ("play", "download", "event", "batch"):
        assert set(document["paths"][f"/api/analytics/report/{method}"]) == {"get", "post"}
    for method in ("play-totals", "play-details", "photo-totals", "embed-details"):
        assert set(document["paths"][f"/api/analytics/extract/{method}"]) == {"get", "post"}
    assert "get" in document["paths"][REPORTS]
    assert {"TwentyThreeReport", "TwentyThreeExtract"} <= set(document["components"]["schemas"])


def test_openapi_document_is_valid():
    from openapi_schema_validator import OAS30Validator

    from emulator.twentythree.openapi import openapi_components, openapi_paths

    for schema in openapi_components()["schemas"].values():
        OAS30Validator.check_schema(schema)
    operations = [op for path in openapi_paths().values() for op in path.values()]
    assert len({op["operationId"] for op in operations}) == len(operations)


def test_batch_recorded_reports_carry_their_index(tt_client):
    tt_client.get(BATCH, query_string={"data": json.dumps([{"reportType": "event", "photo_id": 1, "event": "x"}])})
    assert reports(tt_client)["items"][0]["batch_index"] == 0


def test_reports_are_bounded_like_the_journal():
    client = make_app(journal_cap=2).test_client()
    for n in range(3):
        client.get(EVENT, query_string={"photo_id": str(n + 1), "event": "load"})
    response = client.get(REPORTS)
    assert [i["photo_id"] for i in response.get_json()["items"]] == ["2", "3"]
    assert response.get_json()["total"] == 2 and response.headers["X-Emulator-Reports-Dropped"] == "1"


@pytest.mark.parametrize(("http_status", "error_code", "level"), [
    (400, "invalid_input", "anonymous"),
    (401, "permission_denied", "none"),
    (403, "permission_denied", "none"),
    (418, "invalid_input", "anonymous"),
    (429, "rate_limited", "anonymous"),
    (500, "internal_error", "anonymous"),
    (502, "internal_error", "anonymous"),
    (503, "service_unavailable", "anonymous"),
])
def test_status_fault_codes(tt_client, http_status, error_code, level):
    add_fault(tt_client, {"match": {"api": "twentythree"}, "action": {"kind": "status", "status": http_status}})
    response = tt_client.get(EVENT, query_string={"photo_id": "1", "event": "load", "format": "json",
                                                  "callback": "cb"})
    assert response.status_code == http_status
    body = response.get_data(as_text=True)
    data = json.loads(body[3:-2])
    assert (data["code"], data["permission_level"], data["status"]) == (error_code, level, "error")
    assert data["message"]
    assert ("Retry-After" in response.headers) == (http_status == 429)
