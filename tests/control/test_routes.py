"""The control API, exercised through HTTP on an app with the fake vendor."""

from __future__ import annotations

import json

import pytest

from emulator.app import create_app
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


def test_health_and_ready(core_client):
    assert core_client.get("/_emulator/health").json == {"status": "ok"}
    ready = core_client.get("/_emulator/ready")
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert ready.json["scenario"] == "core-test"
    assert ready.json["counts"] == {"fake": {"items": 0}}


def test_journal_records_vendor_requests_not_control(core_client):
    core_client.get("/fake/echo?x=1&x=2&y=3")
    core_client.post("/fake/items/a", data="payload")
    core_client.get("/_emulator/ready")
    listing = core_client.get("/_emulator/requests").json
    assert listing["total"] == 2
    first, second = listing["items"]
    assert first["method"] == "GET" and first["path"] == "/fake/echo"
    assert first["query"] == {"x": ["1", "2"], "y": "3"}
    assert first["api"] == "fake" and first["status"] == 200 and first["fault"] is None
    assert first["time"] == "2024-03-01T12:00:00.000Z"  # the scenario's frozen clock
    assert second["body"] == "payload" and second["id"] == first["id"] + 1
    assert set(first) >= {"id", "time", "api", "method", "path", "query", "headers", "body", "status", "fault"}


def test_journal_filters(core_client):
    core_client.get("/fake/echo")
    core_client.post("/fake/items/a")
    core_client.get("/nowhere")
    assert core_client.get("/_emulator/requests?method=post").json["total"] == 1
    assert core_client.get("/_emulator/requests?path=/fake/*").json["total"] == 2
    assert core_client.get("/_emulator/requests?status=404").json["items"][0]["path"] == "/nowhere"
    assert core_client.get("/_emulator/requests?api=unknown").json["total"] == 1
    limited = core_client.get("/_emulator/requests?limit=1").json
    assert limited["total"] == 3 and [e["path"] for e in limited["items"]] == ["/nowhere"]
    first_id = core_client.get("/_emulator/requests").json["items"][0]["id"]
    assert core_client.get(f"/_emulator/requests?since={first_id}").json["total"] == 2
    assert core_client.get("/_emulator/requests?since=2024-03-01T12:00:00Z").json["total"] == 3
    assert core_client.get("/_emulator/requests?since=2024-03-01T12:00:01Z").json["total"] == 0


@pytest.mark.parametrize("query, needle", [("limit=-1", "limit"), ("limit=x", "limit"), ("status=abc", "status"),
                                           ("since=yesterday", "since")])
def test_journal_bad_filters(core_client, query, needle):
    response = core_client.get(f"/_emulator/requests?{query}")
    assert response.status_code == 400
    assert needle in response.json["error"]


def test_journal_cap_drops_oldest_and_counts():
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], journal_cap=3)
    client = app.test_client()
    for i in range(5):
        client.post(f"/fake/items/{i}")
    response = client.get("/_emulator/requests")
    assert [e["path"] for e in response.json["items"]] == ["/fake/items/2", "/fake/items/3", "/fake/items/4"]
    assert response.headers["X-Emulator-Journal-Dropped"] == "2"


def test_delete_requests(core_client):
    core_client.get("/fake/echo")
    assert core_client.delete("/_emulator/requests").json == {"total": 0, "items": []}
    assert core_client.get("/_emulator/requests").json["total"] == 0


def test_reset_restores_data_journal_faults_clock(core_client):
    core_client.post("/fake/items/a")
    core_client.post("/_emulator/faults", json={"action": {"kind": "status", "status": 500}, "match": {"path": "/x"}})
    core_client.put("/_emulator/clock", json={"advance": 3600})
    assert core_client.post("/_emulator/reset").status_code == 200
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 0}
    assert core_client.get("/_emulator/requests").json["total"] == 0
    assert core_client.get("/_emulator/faults").json["total"] == 0
    assert core_client.get("/_emulator/clock").json["now"] == "2024-03-01T12:00:00.000Z"


def test_scenario_faults_come_back_after_reset():
    scenario = dict(CORE_SCENARIO, faults=[{"id": "boom", "match": {"path": "/fake/echo"},
                                            "action": {"kind": "status", "status": 503}, "times": 1}])
    client = create_app(scenario, vendors=[FAKE_VENDOR]).test_client()
    assert client.get("/fake/echo").status_code == 503
    assert client.get("/fake/echo").status_code == 200
    client.delete("/_emulator/faults")
    client.post("/_emulator/reset")
    rules = client.get("/_emulator/faults").json["items"]
    assert [(r["id"], r["fired"], r["origin"]) for r in rules] == [("boom", 0, "scenario")]
    assert client.get("/fake/echo").status_code == 503


def test_clock_controls(core_client):
    assert core_client.get("/_emulator/clock").json["mode"] == "frozen"
    assert core_client.put("/_emulator/clock", json={"advance": 90.5}).json["now"] == "2024-03-01T12:01:30.500Z"
    assert core_client.put("/_emulator/clock", json={"now": "2025-01-01T00:00:00+02:00"}).json["now"] == \
        "2024-12-31T22:00:00.000Z"
    real = core_client.put("/_emulator/clock", json={"mode": "real"}).json
    assert real["mode"] == "real" and real["now"] >= "2026"


@pytest.mark.parametrize("body", [{"now": "soon"}, {"advance": "10"}, {"mode": "slow"}, {"now": 1, "advance": 2}, []])
def test_clock_bad_input(core_client, body):
    response = core_client.put("/_emulator/clock", json=body)
    assert response.status_code == 400 and response.json["error"]


def test_non_json_control_body(core_client):
    response = core_client.post("/_emulator/faults", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json["error"]


def test_unknown_control_route_is_json_404(core_client):
    response = core_client.get("/_emulator/nope")
    assert response.status_code == 404 and "error" in response.json


def test_state_export_import_roundtrip(core_client):
    core_client.post("/fake/items/a")
    core_client.post("/_emulator/faults", json={"id": "r1", "action": {"kind": "status", "status": 500},
                                                "match": {"path": "/never"}})
    core_client.put("/_emulator/clock", json={"advance": 60})
    state = core_client.get("/_emulator/state").json
    core_client.post("/_emulator/reset")
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 0}
    assert core_client.put("/_emulator/state", json=state).status_code == 200
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 1}
    assert core_client.get("/_emulator/faults").json["items"][0]["id"] == "r1"
    assert core_client.get("/_emulator/clock").json["now"] == "2024-03-01T12:01:00.000Z"
    assert core_client.get("/_emulator/requests").json["total"] == 1
    # the next journal id continues after the restored ones
    core_client.get("/fake/echo")
    ids = [e["id"] for e in core_client.get("/_emulator/requests").json["items"]]
    assert ids == sorted(set(ids))


@pytest.mark.parametrize("body", [{"format": "nope"}, {"format": "analytics-emulator-state/1", "scenario": 5}, [1]])
def test_state_import_rejects_junk_and_keeps_state(core_client, body):
    core_client.post("/fake/items/kept")
    response = core_client.put("/_emulator/state", json=body)
    assert response.status_code == 400 and response.json["error"]
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 1}


def test_put_scenario_document_and_bad_document_keeps_loaded(core_client):
    good = dict(CORE_SCENARIO, name="second", fake={"greeting": "hej"})
    response = core_client.put("/_emulator/scenario", data=json.dumps(good), content_type="application/json")
    assert response.status_code == 200 and response.json["name"] == "second"
    assert core_client.get("/fake/echo").json["greeting"] == "hej"
    bad = "name: third\nfake:\n  greting: typo\n"
    response = core_client.put("/_emulator/scenario", data=bad, content_type="application/yaml")
    assert response.status_code == 422
    assert response.json["messages"] == ["<document>:3: fake.greting: unknown key 'greting' (did you mean 'greeting'?)"]
    assert core_client.get("/_emulator/scenario").json["name"] == "second"
    # reset goes back to the scenario loaded last, not the one the server started with
    core_client.post("/_emulator/reset")
    assert core_client.get("/fake/echo").json["greeting"] == "hej"


def test_put_unknown_bundled_scenario(core_client):
    response = core_client.put("/_emulator/scenario", json={"name": "no-such-scenario"})
    assert response.status_code == 404 and "no-such-scenario" in response.json["error"]


def test_tenants_are_isolated(core_client):
    core_client.post("/fake/items/a", headers={"X-Emulator-Tenant": "w1"})
    core_client.post("/_emulator/faults", json={"action": {"kind": "status", "status": 500}},
                     headers={"X-Emulator-Tenant": "w1"})
    assert core_client.get("/fake/echo").status_code == 200  # default tenant: no fault
    assert core_client.get("/fake/echo", headers={"X-Emulator-Tenant": "w1"}).status_code == 500
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 0}
    assert core_client.get("/_emulator/ready", headers={"X-Emulator-Tenant": "w1"}).json["counts"]["fake"] == \
        {"items": 1}
    assert core_client.get("/_emulator/requests").json["total"] == 1


def test_bad_tenant_header(core_client):
    response = core_client.get("/fake/echo", headers={"X-Emulator-Tenant": "bad name!"})
    assert response.status_code == 400 and "X-Emulator-Tenant" in response.json["error"]


def test_tenant_cap_evicts_oldest():
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_tenants=2)
    client = app.test_client()
    client.get("/fake/echo")  # the default tenant is never evicted
    for name in ("a", "b", "c"):
        client.post("/fake/items/x", headers={"X-Emulator-Tenant": name})
    store = app.extensions["emulator"].store
    assert store.names() == ["default", "c"] and store.evicted == 2


def test_control_token():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], control_token="s3cret").test_client()
    assert client.get("/_emulator/health").status_code == 200
    denied = client.get("/_emulator/requests")
    assert denied.status_code == 401 and "Bearer" in denied.json["error"]
    assert client.get("/_emulator/requests", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/_emulator/requests", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert client.get("/fake/echo").status_code == 200  # the emulated APIs stay open


def test_request_too_large_is_413_in_vendor_format():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_body_bytes=1000).test_client()
    response = client.post("/fake/items/a", data="x" * 5000)
    assert response.status_code == 413 and response.json["fake_error"] == 413
    assert client.get("/_emulator/requests").json["items"][-1]["status"] == 413
    control = client.post("/_emulator/faults", data="x" * 5000)
    assert control.status_code == 413 and "error" in control.json
    assert client.get("/_emulator/health").status_code == 200


def test_routing_errors_use_vendor_format(core_client):
    response = core_client.delete("/fake/echo")
    assert response.status_code == 405 and response.json["fake_error"] == 405


def test_openapi_lists_control_routes(core_client):
    document = core_client.get("/_emulator/openapi.json").json
    assert document["openapi"].startswith("3.")
    for path in ("/_emulator/reset", "/_emulator/requests", "/_emulator/faults", "/_emulator/clock",
                 "/_emulator/state", "/_emulator/scenario"):
        assert path in document["paths"]


def test_tenant_by_url_prefix(core_client):
    core_client.post("/_tenant/w9/fake/items/a")
    assert core_client.get("/_emulator/ready", headers={"X-Emulator-Tenant": "w9"}).json["counts"]["fake"] == \
        {"items": 1}
    assert core_client.get("/_tenant/w9/_emulator/requests").json["items"][0]["path"] == "/fake/items/a"
    assert core_client.get("/_emulator/ready").json["counts"]["fake"] == {"items": 0}


def test_state_does_not_leak_between_requests_in_one_app_context(core_app):
    """pytest-flask keeps an app context pushed for the whole test: ``g`` must not carry request state."""
    client = core_app.test_client()
    client.post("/_emulator/faults", json={"id": "once", "action": {"kind": "status", "status": 503}, "times": 1})
    with core_app.app_context():
        assert client.get("/fake/echo").status_code == 503
        assert client.get("/fake/echo").status_code == 200
        client.post("/_emulator/reset")
        client.post("/fake/items/a")
        entries = client.get("/_emulator/requests").json["items"]
    assert [(e["path"], e["fault"]) for e in entries] == [("/fake/items/a", None)]


def test_drop_tenant_and_list(core_client):
    core_client.post("/fake/items/a", headers={"X-Emulator-Tenant": "gone"})
    names = [t["name"] for t in core_client.get("/_emulator/tenants").json["items"]]
    assert "gone" in names
    assert core_client.delete("/_emulator/tenant", headers={"X-Emulator-Tenant": "gone"}).json == \
        {"tenant": "gone", "dropped": True}
    assert "gone" not in [t["name"] for t in core_client.get("/_emulator/tenants").json["items"]]
    assert core_client.get("/_emulator/ready", headers={"X-Emulator-Tenant": "gone"}).json["counts"]["fake"] == \
        {"items": 0}


@pytest.mark.parametrize("body", ["/etc/passwd", "../../etc/hostname", "default.yaml"])
def test_put_scenario_never_reads_a_file_named_in_the_body(core_client, body):
    response = core_client.put("/_emulator/scenario", data=body, content_type="text/plain")
    assert response.status_code == 422
    assert "root:" not in response.json["error"] and "<document>:1:" in response.json["messages"][0]


def test_put_state_never_reads_a_file_named_in_the_document(core_client):
    state = core_client.get("/_emulator/state").json
    state["scenario"]["document"] = "/etc/passwd"
    response = core_client.put("/_emulator/state", json=state)
    assert response.status_code == 400 and "scenario.document" in response.json["error"]


@pytest.mark.parametrize("action", [
    {"kind": "status", "status": 503, "headers": {"X-Snow": "\u2603"}},
    {"kind": "status", "status": 503, "headers": {"X-A": "a\r\nb"}},
    {"kind": "status", "status": 503, "headers": {"Bad Name": "x"}},
    {"kind": "status", "status": 503, "content_type": "text/plain; charset=\u2603"},
])
def test_fault_headers_that_cannot_be_sent_are_refused(core_client, action):
    response = core_client.post("/_emulator/faults", json={"action": action})
    assert response.status_code == 400 and "action" in response.json["error"]


def test_yaml_alias_bomb_is_refused_quickly(core_client):
    lines = ["name: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(10))}]" for i in range(1, 8)]
    response = core_client.put("/_emulator/scenario", data="\n".join(lines), content_type="application/yaml")
    assert response.status_code == 422 and "more than 50,000 values" in response.json["error"]


@pytest.mark.parametrize("steps", [[{"advance": float("nan")}],
                                   [{"now": "9999-12-31T23:59:59Z"}, {"advance": 1}],
                                   [{"mode": "real"}] + [{"advance": 1e10}] * 2])
def test_clock_moves_past_what_it_can_show_are_refused(core_client, steps):
    *setup, last = steps
    for step in setup:
        assert core_client.put("/_emulator/clock", json=step).status_code == 200
    response = core_client.put("/_emulator/clock", data=json.dumps(last), content_type="application/json")
    assert response.status_code == 400
    assert core_client.get("/fake/echo").status_code == 200


def test_every_fault_kind_is_named_in_the_journal(core_client):
    core_client.post("/_emulator/faults", json={"id": "r", "action": {"kind": "rate_limit"}, "times": 1})
    core_client.post("/_emulator/faults", json={"id": "s", "action": {"kind": "status", "status": 502}, "times": 1})
    core_client.get("/fake/echo")
    core_client.get("/fake/echo")
    entries = core_client.get("/_emulator/requests").json["items"]
    assert [(e["fault"], e["fault_kind"], e["status"]) for e in entries] == [("r", "rate_limit", 429),
                                                                           ("s", "status", 502)]


def test_tenant_name_with_a_trailing_newline_is_refused(core_client):
    assert core_client.get("/_tenant/a%0A/_emulator/ready").status_code == 400


def test_state_import_refuses_duplicate_fault_ids(core_client):
    state = core_client.get("/_emulator/state").json
    rule = {"id": "same", "action": {"kind": "empty"}}
    state["faults"] = [rule, rule]
    response = core_client.put("/_emulator/state", json=state)
    assert response.status_code == 400 and "same" in response.json["error"]


def test_fault_rules_know_the_served_vendors_only(core_client):
    """Only the fake vendor is served: a rule for it is accepted, one for a vendor not served refused."""
    added = core_client.post("/_emulator/faults", json={"match": {"api": "fake"}, "action": {"kind": "reset"}})
    assert added.status_code == 201
    refused = core_client.post("/_emulator/faults", json={"match": {"api": "apivideo"}, "action": {"kind": "reset"}})
    assert refused.status_code == 400
    assert refused.get_json() == {"error": 'match.api: expected one of fake, any, got "apivideo"'}


def test_a_vendor_kind_for_a_vendor_without_it_is_refused_when_added():
    """23 Video's ``error`` kind cannot fire on api.video: refused at POST, not accepted and failing later."""
    client = create_app("default").test_client()
    refused = client.post("/_emulator/faults", json={"match": {"api": "apivideo"}, "action": {"kind": "error",
                                                                                             "code": "x"}})
    assert refused.status_code == 400
    assert refused.get_json()["error"].startswith(
        "action.kind: kind 'error' does not apply to apivideo routes (it is a fault kind of twentythree; "
        "apivideo answers status, latency, reset, empty, truncate, slow_body, hang, rate_limit)")
    # without ``api`` the rule is 23 Video's: an api.video request goes through, a 23 Video one gets the envelope
    assert client.post("/_emulator/faults", json={"action": {"kind": "error", "code": "boom"}}).status_code == 201
    assert client.post("/auth/api-key", json={"apiKey": "nope"}).status_code != 200  # the vendor's own answer
    assert client.get("/_emulator/requests").get_json()["items"][-1]["fault"] is None
    answer = client.get("/api/analytics/report/event?photo_id=1&event=x&format=json&raw")
    assert answer.status_code == 200 and b'"boom"' in answer.data
