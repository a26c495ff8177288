"""Golden tests: every envelope and every error against the vendor's own examples (fixtures/twentythree)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .support import DOWNLOAD, EVENT, PLAY, fixture_json, fixture_text

CALLS = {
    "play": (PLAY, {"photo_id": "1001", "timeStart": "0"}),
    "download": (DOWNLOAD, {"photo_id": "1001", "session_id": "s1", "bytes_total": "2048"}),
    "event": (EVENT, {"photo_id": "1001", "event": "load"}),
}
SITE = {"setup_date": "2010-01-01 00:00:00", "license_id": "1", "domain": "localhost", "product_key": "tube",
        "site_id": "123456", "allow_signup_p": "0", "secure_domain": "localhost",
        "site_name": "Example Video Site", "site_key": None}


def expected_json(method: str, client) -> dict:
    """The vendor's example with its `site: {...}` filled from the scenario and the path called."""
    golden = fixture_json(f"report-{method}.json")
    golden["site"] = dict(SITE)
    golden["endpoint"] = CALLS[method][0]
    return golden


def check_json(body: str, golden: dict) -> None:
    data = json.loads(body)
    assert list(data) == list(golden)
    assert list(data["site"]) == list(golden["site"])
    golden["site"]["site_key"] = data["site"]["site_key"]
    assert data == golden


@pytest.mark.parametrize("method", CALLS)
def test_xml_is_the_vendor_example_byte_for_byte(tt_client, method):
    path, params = CALLS[method]
    response = tt_client.get(path, query_string=params)
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.get_data(as_text=True) == fixture_text(f"report-{method}.xml").strip()


@pytest.mark.parametrize("method", CALLS)
def test_raw_json_is_the_vendor_example(tt_client, method):
    path, params = CALLS[method]
    response = tt_client.get(path, query_string={**params, "format": "json", "raw": ""})
    assert response.content_type == "application/json; charset=utf-8"
    check_json(response.get_data(as_text=True), expected_json(method, tt_client))


@pytest.mark.parametrize("method", CALLS)
def test_var_visual(tt_client, method):
    path, params = CALLS[method]
    response = tt_client.get(path, query_string={**params, "format": "json"})
    body = response.get_data(as_text=True)
    assert response.content_type == "text/javascript; charset=utf-8"
    assert fixture_text("var-envelope.js").startswith("var visual = {")
    assert body.startswith("var visual = {")
    check_json(body[len("var visual = "):], expected_json(method, tt_client))


def test_varname(tt_client):
    path, params = CALLS["play"]
    body = tt_client.get(path, query_string={**params, "format": "json", "varname": "tags"}).get_data(as_text=True)
    assert body.startswith("var tags = {")


@pytest.mark.parametrize("method", CALLS)
def test_jsonp(tt_client, method):
    path, params = CALLS[method]
    response = tt_client.get(path, query_string={**params, "format": "json", "callback": "updateTags"})
    body = response.get_data(as_text=True)
    assert response.content_type == "text/javascript; charset=utf-8"
    assert body.startswith("updateTags(") and body.endswith(");")
    check_json(body[len("updateTags("):-2], expected_json(method, tt_client))


def test_callback_wins_over_raw(tt_client):
    path, params = CALLS["event"]
    body = tt_client.get(path, query_string={**params, "format": "json", "raw": "1", "callback": "cb"}).get_data(
        as_text=True)
    assert body.startswith("cb({")


def test_event_example_endpoint_slip_is_not_copied(tt_client):
    assert fixture_json("report-event.json")["endpoint"] == PLAY  # the vendor's slip, kept in the fixture
    data = tt_client.get(EVENT, query_string={**CALLS["event"][1], "format": "json", "raw": ""}).get_json()
    assert data["endpoint"] == EVENT


# -- errors ------------------------------------------------------------------------------------------------
ERRORS = {
    "invalid_input": ({"Host": "localhost"}, "127.0.0.1", PLAY, {"photo_id": "1001"}, "anonymous"),
    "no_such_photo": ({"Host": "videos.example.com"}, "127.0.0.1", EVENT, {"photo_id": "9", "event": "load"},
                      "anonymous"),
    "permission_denied": ({"Host": "localhost"}, "192.0.2.1", DOWNLOAD,
                          {"photo_id": "1", "session_id": "s", "bytes_total": "1"}, "none"),
}


def call_error(client, code: str, **extra: str):
    headers, ip, path, params, _ = ERRORS[code]
    return client.get(path, query_string={**params, **extra}, headers=headers, environ_base={"REMOTE_ADDR": ip})


@pytest.mark.parametrize("code", ERRORS)
def test_error_xml_has_the_vendor_shape(tt_client, code):
    response = call_error(tt_client, code)
    assert response.status_code == 200
    assert response.content_type == "text/xml; charset=utf-8"
    golden = ET.fromstring(fixture_text("error-permission-denied.xml"))
    root = ET.fromstring(response.get_data())
    assert root.tag == golden.tag == "response" and len(root) == 0
    assert list(root.attrib) == list(golden.attrib)
    assert root.get("status") == "error" and root.get("code") == code
    assert root.get("permission_level") == ERRORS[code][4]


@pytest.mark.parametrize("code", ERRORS)
@pytest.mark.parametrize(("extra", "prefix", "suffix"), [
    ({"format": "json", "raw": ""}, "", ""),
    ({"format": "json"}, "var visual = ", ""),
    ({"format": "json", "callback": "window.ignore"}, "window.ignore(", ");"),
])
def test_error_json_has_the_vendor_shape(tt_client, code, extra, prefix, suffix):
    body = call_error(tt_client, code, **extra).get_data(as_text=True)
    assert body.startswith(prefix) and body.endswith(suffix)
    data = json.loads(body[len(prefix):len(body) - len(suffix)])
    golden = fixture_json("error-permission-denied.json")
    assert list(data) == list(golden)
    assert data["code"] == code and data["status"] == "error"
    assert data["permission_level"] == ERRORS[code][4]
    assert data["endpoint"] == ERRORS[code][2]


def test_error_messages(tt_client):
    messages = {code: ET.fromstring(call_error(tt_client, code).get_data()).get("message") for code in ERRORS}
    assert messages["invalid_input"] == "Parameters are malformed: timeStart is required."
    assert messages["no_such_photo"] == "No photo/video with the given id."
    assert messages["permission_denied"].startswith(
        "You don't have the necessary permissions to perform this action (required level: ")
    assert "192.0.2.1" in messages["permission_denied"] and "localhost" in messages["permission_denied"]
