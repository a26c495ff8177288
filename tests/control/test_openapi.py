"""Schema fuzzing: every route of /_emulator/openapi.json, against a served emulator, never fails.

Schemathesis reads the OpenAPI document and, per operation, sends its documented examples, the
coverage phase's boundary cases and ``FUZZ_EXAMPLES`` random cases (valid and invalid) to an
``analytics-emulator serve --port 0`` subprocess. Every answer must be no 5xx, a documented status,
a documented content type and headers, and a body matching the documented schema; on top of
that the 23 Video envelope must be the one the request asked for, and the server must log no
traceback.

* ``make test`` runs the bounded, deterministic version (seed ``FUZZ_SEED``, derandomized, no
  example database): ``FUZZ_EXAMPLES`` defaults to 4.
* ``make fuzz`` is the long run: ``FUZZ_EXAMPLES=1000 .venv/bin/python -m pytest tests/control/test_openapi.py -q -n auto``
  (``FUZZ_SEED=N`` for another seed, ``FUZZ_SEED=random`` for a fresh one each run,
  ``FUZZ_STATS=FILE`` to write one JSON line per answer: operation, status, media type, vendor code).

The test collects the schema from an in-process app (the same code the server answers
``/_emulator/openapi.json`` with, so collection needs no server); ``test_served_document_is_the_one_fuzzed``
checks the served one is identical. The bugs the fuzzing found are kept as regression tests at
the end. Fault creation (POST /_emulator/faults) runs in its own
test against its own server, every rule removed after each example: a transport fault (reset,
hang...) would otherwise break later calls at the connection level. After every example the
caller's tenant loses any rule a fuzzed state or scenario import brought, and gets the default
scenario back if one was replaced, and its clock back in real time if it was moved (OAuth timestamps
are checked against it). ``test_damaged_state_import_is_refused_or_served`` damages a real state
export, puts it back and reads everything: random PUT /_emulator/state bodies never get that far.

Why the Python API with ``schema.parametrize()`` rather than the CLI: one pytest item per
operation (readable failures, works under xdist), the checks and hooks are plain functions here,
and the same file serves ``make test`` and ``make fuzz``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

schemathesis = pytest.importorskip("schemathesis")
from requests_oauthlib import OAuth1  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi import checks as st_checks  # noqa: E402

from emulator.app import create_app  # noqa: E402

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
_SEED_TEXT = os.environ.get("FUZZ_SEED", "20240301")
FUZZ_SEED = int.from_bytes(os.urandom(4), "big") if _SEED_TEXT == "random" else int(_SEED_TEXT)
REQUEST_TIMEOUT = 15.0
STATS_PATH = os.environ.get("FUZZ_STATS")
API_KEY = "sandbox-key"  # the default scenario's api.video key
OAUTH = {"client_key": "qa-read-consumer", "client_secret": "qa-read-consumer-secret",
         "resource_owner_key": "qa-read-token", "resource_owner_secret": "qa-read-token-secret"}
TENANT_HEADER = "X-Emulator-Tenant"
FAULTS = "/_emulator/faults"
JS_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_VAR = re.compile(r"var ([A-Za-z_$][A-Za-z0-9_$]*) = (\{.*\})", re.S)
_JSONP = re.compile(r"([A-Za-z_$][A-Za-z0-9_$.]*)\((\{.*\})\);", re.S)


def _document() -> dict:
    """/_emulator/openapi.json as the default app answers it (no server needed at collection)."""
    return create_app("default").test_client().get("/_emulator/openapi.json").get_json()


DOCUMENT = _document()

CONFIG = schemathesis.Config.from_dict({
    "seed": FUZZ_SEED,
    "suppress-health-check": ["all"],
    "generation": {"mode": "all", "max-examples": FUZZ_EXAMPLES, "deterministic": _SEED_TEXT != "random",
                   "database": "none"},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
    "output": {"sanitization": {"enabled": False}},  # loopback test credentials: show the exact request
})
# api.video's `period` (format: period): valid forms most of the time, so the listings get past it.
_YEAR = st.integers(1, 9999).map("{:04d}".format)
schemathesis.openapi.format("period", st.one_of(
    _YEAR, st.tuples(_YEAR, st.integers(0, 13)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(_YEAR, st.integers(0, 54)).map(lambda t: f"{t[0]}-W{t[1]:02d}"),
    st.dates().map(date.isoformat),
    st.tuples(st.dates(), st.dates()).map(lambda t: f"{t[0].isoformat()}/{t[1].isoformat()}"),
    st.text(max_size=12)))
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
BROAD = SCHEMA.exclude(path=FAULTS, method="POST")
FAULT_CREATION = SCHEMA.include(path=FAULTS, method="POST")


# -- the served emulator -------------------------------------------------------------------------------
class Served:
    """``analytics-emulator serve --port 0`` in a subprocess; its stderr kept to show tracebacks."""

    def __init__(self, tmp: Path):
        self.log_path = tmp / "emulator.log"
        self._log = self.log_path.open("w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "emulator.cli", "serve", "--host", "127.0.0.1", "--port", "0",
             "--scenario", "default"],
            stdout=subprocess.PIPE, stderr=self._log, text=True, cwd=Path(__file__).resolve().parents[2])
        ready: list[str] = []
        reader = threading.Thread(target=lambda: ready.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        line = ready[0].strip() if ready else ""
        if not line.startswith("ready http://"):
            self.stop()
            raise RuntimeError(f"the emulator did not start: {line!r}\n{self.log()}")
        self.url = line.split(" ", 1)[1]
        self.session = requests.Session()
        self._seen = 0

    def log(self) -> str:
        return self.log_path.read_bytes().decode("utf-8", "replace")

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.log()
        fresh, self._seen = text[self._seen:], len(text)
        return fresh

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Served(tmp_path_factory.mktemp("fuzz"))
    yield server
    alive = server.proc.poll() is None
    server.stop()
    assert alive, f"the emulator died during the fuzz run:\n{server.log()[-4000:]}"


@pytest.fixture(scope="module")
def fault_server(tmp_path_factory):
    """A server of its own for fault creation (a rule that slips through cannot hurt the broad run)."""
    server = Served(tmp_path_factory.mktemp("fuzz-faults"))
    yield server
    server.stop()


# -- deserializers: the bodies schemathesis cannot read by itself --------------------------------------
@schemathesis.deserializer("text/xml")
def _xml(ctx, response) -> dict:
    """The 23 Video ``<response>`` as OpenAPI's XML object reads it: attributes as properties,
    child elements as unwrapped arrays named after their tag; any text content is kept (and refused)."""
    root = ET.fromstring(response.content)  # ParseError: not well-formed, reported by schemathesis
    if root.tag != "response":
        raise ValueError(f"the root element is <{root.tag}>, not <response>")
    data: dict[str, Any] = dict(root.attrib)
    for child in root:
        if len(child) or (child.text or "").strip():
            raise ValueError(f"<{child.tag}> has content; only attributes are documented")
        data.setdefault(child.tag, []).append(dict(child.attrib))
    if (root.text or "").strip():
        data["#text"] = root.text
    return data


@schemathesis.deserializer("text/javascript")
def _javascript(ctx, response) -> Any:
    """The JSON object inside ``var NAME = {...}`` or ``CALLBACK({...});`` (the name checked in check_envelope)."""
    text = response.content.decode("utf-8")
    match = _VAR.fullmatch(text) or _JSONP.fullmatch(text)
    if match is None:
        raise ValueError(f"neither `var NAME = {{...}}` nor `CALLBACK({{...}});`: {text[:120]!r}")
    return json.loads(match.group(2))


# -- extra checks ---------------------------------------------------------------------------------------
_ENVELOPE_KEYS = ("format", "callback", "raw", "varname")


def _header(response, name: str) -> str:
    value = response.headers.get(name) or response.headers.get(name.lower()) or ""
    return value[0] if isinstance(value, list) else value


def _envelope_params(case, response) -> dict[str, str] | None:
    """What a 23 Video route reads to choose its envelope (query of a GET, form body of a POST);
    None when a value would not reach the server as the same text (negative cases: lists, objects...)."""
    if case.method.upper() == "POST":
        sent = response.request.headers.get("Content-Type") or ""
        sent = sent.decode("latin-1") if isinstance(sent, bytes) else sent
        sent = sent.split(";")[0].strip().lower()
        if sent == "multipart/form-data":
            return None  # whether Werkzeug reads it depends on the boundary: nothing to compare with
        if sent != "application/x-www-form-urlencoded":
            return {}  # another body type: the route sees no form, hence no parameters
        source = case.body
    else:
        source = case.query
    if source is None:
        return {}
    if not isinstance(source, dict):
        return None
    params = {}
    for key in _ENVELOPE_KEYS:
        value = source.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        params[key] = value
    return params


def check_envelope(ctx, response, case) -> None:
    """23 Video: the envelope is the one the parameters ask for (README; render.choose_envelope)."""
    if not case.path.startswith("/api/") or case.method.upper() not in ("GET", "POST") \
            or response.status_code == 413:
        return  # OPTIONS/HEAD (answered by Flask) and a body over the limit choose no envelope
    params = _envelope_params(case, response)
    if params is None:
        return
    content_type = _header(response, "Content-Type")
    media = content_type.split(";")[0].strip()
    body = response.content.decode("utf-8", "replace")
    fmt = params.get("format", "").strip().lower()
    callback, varname = params.get("callback", ""), params.get("varname", "") or "visual"
    wants_js = fmt == "json" or (not fmt and bool(callback or "raw" in params))
    if fmt == "xml" or not wants_js:
        assert media == "text/xml", f"expected XML (format={fmt!r}), got {content_type}"
        return
    assert _header(response, "X-Content-Type-Options") == "nosniff", "a script answer without nosniff"
    if callback:
        if media == "text/javascript":
            assert body.startswith(callback + "("), f"the JSONP function is not {callback!r}: {body[:80]!r}"
        else:
            data = json.loads(body)
            assert media == "application/json" and data["code"] == "invalid_input" \
                and "callback" in data["message"], f"a bad callback must be refused in plain JSON: {body[:200]}"
    elif "raw" in params:
        assert media == "application/json", f"expected plain JSON for raw, got {content_type}"
    elif media == "text/javascript":
        assert body.startswith(f"var {varname} = "), f"the variable is not {varname!r}: {body[:80]!r}"
    else:
        data = json.loads(body)
        assert media == "application/json" and data["code"] == "invalid_input" and "varname" in data["message"], \
            f"a bad varname must be refused in plain JSON: {body[:200]}"


def _check_log(server: Served):
    def server_logged_no_error(ctx, response, case) -> None:
        """The server logged no traceback while answering (an error swallowed is a bug too)."""
        fresh = server.new_log()
        assert "Traceback" not in fresh and "unhandled error" not in fresh, f"the server logged:\n{fresh[-3000:]}"
    return server_logged_no_error


CHECKS = [not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_headers_conformance, st_checks.response_schema_conformance,
          st_checks.unsupported_method, st_checks.allow_header_conformance]


# -- calling ------------------------------------------------------------------------------------------
def _bucket(case) -> int:
    """A stable number from the case's data (not Python's salted hash): picks the credentials."""
    text = repr((case.path_parameters, case.query, case.body if isinstance(case.body, (dict, list, str)) else None))
    return zlib.crc32(text.encode("utf-8", "replace"))


def _credentials(case) -> dict[str, Any]:
    """Most calls carry valid credentials, so fuzzing reaches past authentication; one in four does not."""
    if _bucket(case) % 4 == 0:
        return {}
    if case.path.startswith("/analytics/"):
        return {"headers": {"Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode()}}
    if case.path.startswith("/api/"):
        return {"auth": OAuth1(**OAUTH)}
    return {}


def _tenant(case) -> str | None:
    headers = case.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == TENANT_HEADER.lower()), None)
    return value if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", value) else None


def _call(case, server: Served):
    extra = _credentials(case)
    try:
        return case.call(base_url=server.url, session=server.session, timeout=REQUEST_TIMEOUT, **extra)
    except ValueError:  # oauthlib refuses to sign some strings: send the case unsigned
        if "auth" not in extra:
            raise
        return case.call(base_url=server.url, session=server.session, timeout=REQUEST_TIMEOUT)


def _restore(case, response, server: Served) -> None:
    """Undo what a fuzzed control call may have left: fault rules, another scenario, a moved clock
    (OAuth timestamps are checked against the emulator clock)."""
    tenant = _tenant(case)
    headers = {TENANT_HEADER: tenant} if tenant else {}
    changed = case.method.upper() == "PUT" and case.path in ("/_emulator/scenario", "/_emulator/state") \
        and response.status_code < 300
    if changed:
        server.session.put(server.url + "/_emulator/scenario", json={"name": "default"}, headers=headers,
                           timeout=REQUEST_TIMEOUT).raise_for_status()
    elif case.method.upper() == "PUT" and case.path == "/_emulator/clock" and response.status_code < 300:
        server.session.put(server.url + "/_emulator/clock", json={"mode": "real"}, headers=headers,
                           timeout=REQUEST_TIMEOUT).raise_for_status()
    server.session.delete(server.url + FAULTS, headers=headers, timeout=REQUEST_TIMEOUT).raise_for_status()


def _record(case, response) -> None:
    """FUZZ_STATS=FILE: one line per answer (operation, status, media type, vendor status/code)."""
    if not STATS_PATH:
        return
    media = _header(response, "Content-Type").split(";")[0]
    outcome = ""
    body = response.content[:4000].decode("utf-8", "replace")
    found = re.search(r'status="(\w+)"|"status":"(\w+)"', body)
    if found:
        outcome = found.group(1) or found.group(2)
    code = re.search(r'code="(\w+)"|"code":"(\w+)"', body)
    with open(STATS_PATH, "a", encoding="utf-8") as out:
        out.write(json.dumps([f"{case.method.upper()} {case.path}", response.status_code, media, outcome,
                              (code.group(1) or code.group(2)) if code else ""]) + "\n")


def _validate(case, response, server: Served) -> None:
    _record(case, response)
    case.validate_response(response, checks=CHECKS,
                           additional_checks=[check_envelope, _check_log(server)])


# -- the tests ------------------------------------------------------------------------------------------
@BROAD.parametrize()
def test_route(case, served):
    response = _call(case, served)
    try:
        _validate(case, response, served)
    finally:
        _restore(case, response, served)


@FAULT_CREATION.parametrize()
def test_fault_creation(case, fault_server):
    response = _call(case, fault_server)
    try:
        _validate(case, response, fault_server)
    finally:
        fault_server.session.delete(fault_server.url + FAULTS, timeout=REQUEST_TIMEOUT)
        tenant = _tenant(case)
        if tenant:
            fault_server.session.delete(fault_server.url + FAULTS, headers={TENANT_HEADER: tenant},
                                        timeout=REQUEST_TIMEOUT)


def test_served_document_is_the_one_fuzzed(served):
    assert served.session.get(served.url + "/_emulator/openapi.json", timeout=REQUEST_TIMEOUT).json() == DOCUMENT


def test_every_route_is_documented():
    """Every URL rule of the app is in the document (or deliberately not an API route)."""
    app = create_app("default")
    documented = {(re.sub(r"\{(\w+)\}", r"<\1>", path), method.upper())
                  for path, item in DOCUMENT["paths"].items() for method in item if method != "parameters"}
    undocumented = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/_emulator/ui"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(re.sub(r"<\w+>", "<>", p) == re.sub(r"<\w+>", "<>", path) and m == method
                       for p, m in documented):
                undocumented.append(f"{method} {rule.rule}")
    assert not undocumented, undocumented


# -- state import: a fuzzed GET /_emulator/state document put back ------------------------------------------
# PUT /_emulator/state with a random body almost never gets past the scenario: these examples start
# from a real export and damage one part of it, then read everything back.
_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(), st.text(max_size=8),
                  st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))
_READS = ("/_emulator/requests", "/_emulator/requests?api=twentythree&method=get&status=200&since=1&fault=*&limit=5",
          "/_emulator/faults", "/_emulator/twentythree/reports?kind=play", "/_emulator/ready", "/_emulator/state",
          "/_emulator/clock", "/api/analytics/report/event?photo_id=1001&event=load&format=json&raw",
          "/analytics/sessions/psEmFwGQUAXR2lFHj5nDOpy/events")


@st.composite
def _damaged_states(draw, base: dict) -> dict:
    state = json.loads(json.dumps(base))
    where = draw(st.sampled_from(["journal.entries", "journal", "faults", "clock", "vendors.twentythree.reports",
                                  "vendors.twentythree", "vendors.apivideo", "scenario.seed"]))
    parent, key = state, where.split(".")
    for part in key[:-1]:
        parent = parent[part]
    old = parent.get(key[-1])
    if isinstance(old, list) and old and draw(st.booleans()):
        item = json.loads(json.dumps(old[draw(st.integers(0, len(old) - 1))]))
        if isinstance(item, dict) and item:
            item[draw(st.sampled_from(sorted(item)))] = draw(_JUNK)
        parent[key[-1]] = [item]
    elif isinstance(old, dict) and old and draw(st.booleans()):
        old[draw(st.sampled_from(sorted(old)))] = draw(_JUNK)
    else:
        parent[key[-1]] = draw(_JUNK)
    return state


def _stateful_app():
    """The default app with one of everything recorded, and its export."""
    app = create_app("default")
    client = app.test_client()
    client.get("/api/analytics/report/event?photo_id=1001&event=load")
    client.get("/api/analytics/report/play?photo_id=1001&timeStart=0&timeEnd=5&timeTotal=10")
    client.post(FAULTS, json={"id": "later", "match": {"path": "/nowhere"}, "action": {"kind": "latency", "ms": 1},
                              "until": "2999-01-01T00:00:00Z", "times": 3})
    client.put("/_emulator/clock", json={"now": "2024-03-01T12:00:00Z"})
    return app, client, client.get("/_emulator/state").get_json()


_APP, _CLIENT, _STATE = _stateful_app()


@settings(max_examples=FUZZ_EXAMPLES * 5, deadline=None, derandomize=_SEED_TEXT != "random", database=None)
@given(state=_damaged_states(_STATE))
def test_damaged_state_import_is_refused_or_served(state):
    client = _CLIENT
    try:
        put = client.put("/_emulator/state", json=state)
        assert put.status_code in (200, 400), (put.status_code, put.get_data(as_text=True)[:300])
        for url in _READS:
            response = client.get(url, headers={"Authorization": "Basic " + base64.b64encode(b"sandbox-key:").decode()})
            assert response.status_code < 500, (url, response.get_data(as_text=True)[:300])
    finally:
        client.put("/_emulator/scenario", json={"name": "default"})


# -- bugs the fuzzing found, kept as regression tests --------------------------------------------------------
def _fresh():
    return create_app("default").test_client()


def test_regression_format_instant_pads_the_year():
    response = _fresh().put("/_emulator/clock", json={"now": "0404-02-24T00:00:00Z"})
    assert response.get_json()["now"] == "0404-02-24T00:00:00.000Z"


def test_regression_control_405_has_allow():
    response = _fresh().open("/_emulator/clock", method="TRACE")
    assert response.status_code == 405 and response.headers.get("Allow")


def test_regression_bad_callback_keeps_the_http_status():
    client = _fresh()
    assert client.delete("/api/analytics/extract/play-totals?format=json&callback=1").status_code == 405
    client.post(FAULTS, json={"action": {"kind": "status", "status": 503}})
    assert client.get("/api/analytics/report/event?photo_id=1&event=load&format=json&callback=1").status_code == 503


def test_regression_pagination_links_are_documented_as_uri_references():
    link = DOCUMENT["components"]["schemas"]["apivideo-pagination-link"]["properties"]["uri"]
    assert link.get("format") != "uri"


def test_regression_state_import_checks_journal_entries():
    client = _fresh()
    state = client.get("/_emulator/state").get_json()
    state["journal"]["entries"] = [{}]
    put = client.put("/_emulator/state", json=state)
    assert put.status_code == 400 or client.get("/_emulator/requests?api=twentythree").status_code == 200


def test_regression_state_import_checks_the_clock_offset():
    client = _fresh()
    state = client.get("/_emulator/state").get_json()
    state["clock"] = {"mode": "real", "offset_seconds": 1e20}
    assert client.put("/_emulator/state", json=state).status_code == 400


def test_regression_state_import_checks_fault_counters():
    client = _fresh()
    state = client.get("/_emulator/state").get_json()
    state["faults"] = [{"id": "a", "action": {"kind": "latency", "ms": 1}, "seen": "x"}]
    put = client.put("/_emulator/state", json=state)
    assert put.status_code == 400 or client.get("/api/analytics/report/event?photo_id=1&event=load").status_code == 200


def test_regression_huge_play_times_do_not_break_the_totals():
    from oauthlib.oauth1 import Client

    client = _fresh()
    for _ in range(2):
        client.get("/api/analytics/report/play?photo_id=1001&timeStart=0&timeEnd=1e308&timeTotal=1e308")
    signer = Client(OAUTH["client_key"], OAUTH["client_secret"], OAUTH["resource_owner_key"],
                    OAUTH["resource_owner_secret"])
    uri, headers, _ = signer.sign("http://localhost/api/analytics/extract/play-totals?format=json&raw=1")
    assert client.get(uri.removeprefix("http://localhost"), headers=headers).status_code == 200
