"""Bounded input: JSON bodies and YAML scenarios nested at any depth, NaN and Infinity (emulator/jsonbody.py).

Every route that reads a JSON body answers 400 in its own format (the control API's
{"error": ...}, api.video's problem+json), never 500, whatever the depth.
"""

from __future__ import annotations

import json

import pytest

from emulator.app import check_scenario_text, create_app
from emulator.jsonbody import DEFAULT_MAX_DEPTH, JSONBodyError, check_depth, loads
from emulator.scenario import ScenarioError
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

DEEP = 1000


def arrays(depth: int) -> str:
    return "[" * depth + "]" * depth


def objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.fixture(scope="module")
def client():
    return create_app("default").test_client()


# -- the reader --------------------------------------------------------------------------------------
def test_depth_up_to_the_limit_is_read():
    assert loads(arrays(DEFAULT_MAX_DEPTH)) == json.loads(arrays(DEFAULT_MAX_DEPTH))
    assert loads(objects(DEFAULT_MAX_DEPTH).encode()) == json.loads(objects(DEFAULT_MAX_DEPTH))


@pytest.mark.parametrize("text", [arrays(DEFAULT_MAX_DEPTH + 1), objects(DEFAULT_MAX_DEPTH + 1), arrays(100_000),
                                  "[" * 100_000, '{"a": [{"b": ' * 40 + "1" + "}]" * 40 + "}"])
def test_deeper_is_refused_without_recursion(text):
    with pytest.raises(JSONBodyError, match=f"deeper than {DEFAULT_MAX_DEPTH} levels") as caught:
        loads(text)
    assert caught.value.reason == "depth" and "max_nesting_depth" in str(caught.value)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"text": "[" * 5000 + '\\"{' * 100, "list": [[["ok"]]]})
    assert loads(text)["list"] == [[["ok"]]]
    check_depth(text, 4)
    with pytest.raises(JSONBodyError):
        check_depth(text, 3)


@pytest.mark.parametrize("text", ["NaN", '{"ms": NaN}', "[Infinity]", '{"x": -Infinity}'])
def test_nan_and_infinity_are_refused(text):
    with pytest.raises(JSONBodyError, match="JSON has no NaN or Infinity") as caught:
        loads(text)
    assert caught.value.reason == "constant"
    assert loads(text, allow_constants=True) is not None


@pytest.mark.parametrize("data, reason", [(b"", "empty"), (b"  \n", "empty"), (b"\xff{}", "encoding"),
                                          (b"{", "syntax"), (b"{'a': 1}", "syntax")])
def test_other_bad_bodies_say_what_is_wrong(data, reason):
    with pytest.raises(JSONBodyError) as caught:
        loads(data)
    assert caught.value.reason == reason


def test_a_byte_order_mark_is_ignored():
    assert loads(b"\xef\xbb\xbf{\"a\": 1}") == {"a": 1}


# -- every route that reads a JSON body -------------------------------------------------------------
CONTROL = [("POST", "/_emulator/faults"), ("PUT", "/_emulator/state"), ("PUT", "/_emulator/clock")]


@pytest.mark.parametrize("method, path", CONTROL)
@pytest.mark.parametrize("body", [arrays(DEEP), objects(DEEP), arrays(DEFAULT_MAX_DEPTH + 1)])
def test_control_routes_answer_400_at_any_depth(client, method, path, body):
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == 400
    assert f"deeper than {DEFAULT_MAX_DEPTH} levels" in response.get_json()["error"]


@pytest.mark.parametrize("body", [arrays(DEEP), objects(DEEP), "- " * 600 + "1", "a:\n" + "".join(
    "  " * (i + 1) + "a:\n" for i in range(600)) + "  " * 602 + "1\n", "&a [*a]", "a: &a {b: *a}"])
def test_scenario_put_answers_422_at_any_depth(client, body):
    """Like every invalid scenario (its messages carry the line); YAML aliases cannot nest around it."""
    response = client.put("/_emulator/scenario", data=body, content_type="application/yaml")
    assert response.status_code == 422
    assert f"nest deeper than {DEFAULT_MAX_DEPTH} levels" in response.get_json()["messages"][0]
    assert client.get("/_emulator/scenario").get_json()["name"] == "default"


def test_scenario_validation_refuses_alias_chains_that_nest():
    chain = "name: deep\n" + "".join(f"x{i}: &x{i} [{'*x' + str(i - 1) if i else 1}]\n" for i in range(70))
    with pytest.raises(ScenarioError, match="nest deeper than"):
        check_scenario_text(chain, "deep.yaml")


def test_collector_answers_problem_json_at_any_depth(client):
    response = client.post("/vod", data=arrays(DEEP), content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["name"] == "body"
    assert f"deeper than {DEFAULT_MAX_DEPTH} levels" in response.get_json()["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", ["/auth/api-key", "/auth/refresh"])
def test_auth_answers_problem_json_at_any_depth(client, path):
    response = client.post(path, data=objects(DEEP), content_type="application/json")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("/attributerequired")


def test_auth_still_reads_a_good_body(client):
    response = client.post("/auth/api-key", data=json.dumps({"apiKey": "sandbox-key"}), content_type="text/plain")
    assert response.status_code == 200 and "access_token" in response.get_json()


# -- NaN and Infinity in control bodies -----------------------------------------------------------
@pytest.mark.parametrize("method, path, body", [
    ("POST", "/_emulator/faults", '{"match": {"path": "/x"}, "action": {"kind": "latency", "ms": NaN}}'),
    ("POST", "/_emulator/faults", '{"action": {"kind": "status", "status": 503}, "probability": NaN}'),
    ("PUT", "/_emulator/clock", '{"advance": Infinity}'),
    ("PUT", "/_emulator/state", '{"format": "analytics-emulator-state/1", "clock": {"offset": NaN}}'),
])
def test_nan_and_infinity_are_refused_on_control_routes(client, method, path, body):
    response = client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == 400 and "JSON has no NaN or Infinity" in response.get_json()["error"]
    listing = client.get("/_emulator/faults")
    json.loads(listing.get_data(as_text=True), parse_constant=pytest.fail)  # still strict JSON
    assert listing.get_json()["total"] == 0


def test_the_depth_limit_is_a_setting():
    client = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_nesting_depth=3).test_client()
    body = {"match": {"headers": {"X": "1"}}, "action": {"kind": "status", "status": 503}}  # 3 levels
    assert client.post("/_emulator/faults", json=body).status_code == 201
    response = client.post("/_emulator/faults", json=[body])  # 4 levels
    assert response.status_code == 400 and "deeper than 3 levels" in response.get_json()["error"]
    for bad in (0, 201, "64", True):
        with pytest.raises(ValueError, match="max_nesting_depth"):
            create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_nesting_depth=bad)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.Inf", ".NaN"])
def test_yaml_nan_and_infinity_are_refused_in_a_scenario(client, value):
    text = f"name: nan\nfaults:\n  - action: {{kind: status, status: 503}}\n    probability: {value}\n"
    response = client.put("/_emulator/scenario", data=text, content_type="application/yaml")
    assert response.status_code == 422
    assert response.get_json()["messages"] == [
        f"<document>:4: faults[0].probability: '{value}' is not a finite number (JSON has no NaN or Infinity)"]
    json.loads(client.get("/_emulator/faults").get_data(as_text=True), parse_constant=pytest.fail)
