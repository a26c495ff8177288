"""A mistake in a test fails loudly (issue 17, items 9-13): typos, forms that never fire, mixed forms."""

from __future__ import annotations

import json

import pytest

from emulator.app import create_app
from emulator.client import EmulatorClient, EmulatorError

EVENT = "/api/analytics/report/event"


@pytest.fixture
def web(app):
    return app.test_client()


# -- 9: what was received is journaled --------------------------------------------------------------
def test_form_encoded_body_is_journaled_as_sent(web):
    sent = web.post(EVENT, data={"photo_id": "1001", "event": "load", "format": "json", "raw": ""})
    assert sent.status_code == 200 and b'"ok"' in sent.data  # the view still read the form
    entry = web.get("/_emulator/requests").json["items"][-1]
    assert entry["body"] == "photo_id=1001&event=load&format=json&raw="


def test_multipart_body_is_journaled_as_sent(web):
    web.post(EVENT, data={"photo_id": "1001", "event": "load"}, content_type="multipart/form-data")
    body = web.get("/_emulator/requests").json["items"][-1]["body"]
    assert 'name="photo_id"' in body and "1001" in body and 'name="event"' in body


def test_form_body_is_journaled_when_a_fault_reads_the_form_first(web):
    web.post("/_emulator/faults", json={"match": {"params": {"photo_id": "13"}},
                                        "action": {"kind": "status", "status": 503}})
    assert web.post(EVENT, data={"photo_id": "13", "event": "load"}).status_code == 503
    entry = web.get("/_emulator/requests").json["items"][-1]
    assert entry["body"] == "photo_id=13&event=load" and entry["fault"] == "fault-1"


# -- 10: journal filters ------------------------------------------------------------------------------
def test_unknown_journal_filter_is_refused_naming_the_allowed_ones(web):
    web.get(EVENT)
    response = web.get("/_emulator/requests?stauts=503")
    assert response.status_code == 400
    assert response.json["error"] == ("unknown filter 'stauts' (allowed: api, method, path, status, since, "
                                      "fault, limit)")


@pytest.mark.parametrize("api", ["api.video", "23video"])
def test_unknown_api_value_is_refused(web, api):
    response = web.get(f"/_emulator/requests?api={api}")
    assert response.status_code == 400
    assert response.json["error"] == f"api: expected one of twentythree, apivideo, unknown, got {api!r}"


def test_known_api_values_still_filter(web):
    web.get(EVENT)
    web.get("/nowhere")
    assert web.get("/_emulator/requests?api=twentythree").json["total"] == 1
    assert web.get("/_emulator/requests?api=unknown").json["total"] == 1
    assert web.get("/_emulator/requests?api=apivideo").json["total"] == 0


def test_client_requests_with_a_typo_raises(live_server_factory):
    server = live_server_factory(create_app("default"))
    client = EmulatorClient(server.url)
    with pytest.raises(EmulatorError) as caught:
        client.requests(stauts=503)
    assert caught.value.status == 400 and "unknown filter 'stauts'" in caught.value.message
    with pytest.raises(EmulatorError, match="api: expected one of"):
        client.requests(api="api.video")


# -- 11: fault rules that would never fire -------------------------------------------------------------
@pytest.mark.parametrize(("rule", "message"), [
    ({"match": {"path": "api/analytics/*"}, "action": {"kind": "status", "status": 503}},
     "match.path: a path starts with '/': write '/api/analytics/*', got 'api/analytics/*'"),
    ({"match": {"path": "/api/analytics/report/event?photo_id=1"}, "action": {"kind": "status", "status": 503}},
     "match.path: the path never contains the query string: write path '/api/analytics/report/event' and put "
     "the parameters in match.params (such as {\"photo_id\": \"...\"}), got '/api/analytics/report/event?photo_id=1'"),
    ({"action": {"kind": "status", "status": 503}, "times": 0},
     "times: expected a count of 1 or more (leave times out to fire on every match), got 0"),
    ({"match": {"path": "/x"}, "action": {"stauts": 503}},
     "action.stauts: unknown key 'stauts' (did you mean 'status'?)"),
    ({"action": {"status": 503}},
     "action.kind is required: one of status, latency, reset, empty, truncate, slow_body, hang, error, "
     "rate_limit (status=... alone implies kind 'status' in the Python client)"),
])
def test_rules_that_never_fire_are_refused(web, rule, message):
    response = web.post("/_emulator/faults", json=rule)
    assert response.status_code == 400 and response.json["error"] == message
    assert web.get("/_emulator/faults").json["total"] == 0


def test_glob_wildcards_in_paths_still_work(web):
    assert web.post("/_emulator/faults", json={"match": {"path": "/api/analytics/report/even?"},
                                               "action": {"kind": "status", "status": 503}}).status_code == 201
    assert web.get(EVENT).status_code == 503


def test_client_fault_typo_names_the_key(live_server_factory):
    server = live_server_factory(create_app("default"))
    with pytest.raises(EmulatorError) as caught:
        EmulatorClient(server.url).faults.add(path="/x", stauts=503)
    assert caught.value.message == "action.stauts: unknown key 'stauts' (did you mean 'status'?)"


def test_scenario_fault_with_times_zero_is_refused(web):
    body = "name: x\nfaults:\n  - match: {path: /x}\n    action: {kind: reset}\n    times: 0\n"
    response = web.put("/_emulator/scenario", data=body, content_type="application/yaml")
    assert response.status_code == 422
    assert response.json["messages"] == ["<document>:5: faults[0].times: expected a count of 1 or more "
                                         "(leave times out to fire on every match), got 0"]


# -- 12: the two forms of PUT /_emulator/scenario ------------------------------------------------------
def test_bundled_name_with_options_is_refused_naming_both_forms(web):
    response = web.put("/_emulator/scenario", json={"name": "default", "description": "my tweak"})
    assert response.status_code == 422
    error = response.json["error"]
    assert "'default' names a bundled scenario, but the body also has description" in error
    assert '{"name": "default"}' in error and "complete scenario document" in error
    assert web.get("/_emulator/ready").json["counts"]["apivideo"]["sessions"] == 162  # nothing replaced


def test_yaml_body_with_a_bundled_name_and_no_data_is_refused_too(web):
    response = web.put("/_emulator/scenario", data="name: default\nclock: 2024-01-01T00:00:00Z\n",
                       content_type="application/yaml")
    assert response.status_code == 422 and "also has clock and no scenario data" in response.json["error"]


def test_both_forms_alone_still_load(web):
    assert web.put("/_emulator/scenario", json={"name": "flaky-network", "seed": 3}).json["seed"] == 3
    inline = {"name": "mine", "description": "empty on purpose"}
    assert web.put("/_emulator/scenario", json=inline).json["name"] == "mine"
    full = web.get("/_emulator/scenario").json["document"]
    copy = dict(web.put("/_emulator/scenario", json={"name": "default"}).json["document"], description="x")
    assert full["name"] == "mine"
    assert web.put("/_emulator/scenario", data=json.dumps(copy)).status_code == 200  # a complete copy is fine


# -- 13: routing errors of the control API -------------------------------------------------------------
def test_control_404_names_the_route_and_where_the_routes_are(web):
    response = web.get("/_emulator/nope")
    assert response.status_code == 404 and response.is_json
    assert response.json == {"error": "no control route GET /_emulator/nope "
                                      "(the control routes are listed at /_emulator/openapi.json)"}


def test_control_405_names_the_allowed_methods(web):
    response = web.delete("/_emulator/clock")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS, PUT"
    assert response.json == {"error": "/_emulator/clock does not answer DELETE (allowed: GET, HEAD, OPTIONS, PUT)"}


def test_root_points_at_the_dashboard_and_the_docs(web):
    response = web.get("/")
    assert response.status_code == 404 and response.is_json
    assert "/_emulator/ui" in response.json["error"] and "/_emulator/openapi.json" in response.json["error"]
