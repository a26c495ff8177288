"""Envelope choice, JavaScript-name checks and XML escaping (emulator/twentythree/render.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from emulator.twentythree.errors import InvalidInput
from emulator.twentythree.render import (
    JAVASCRIPT_TYPE,
    JSON_TYPE,
    XML_TYPE,
    Answer,
    Envelope,
    choose_envelope,
    is_js_name,
    serialize,
    xml_escape,
)

SITE = {"domain": "videos.example.com", "site_id": "123456"}


@pytest.mark.parametrize(("params", "expected"), [
    ({}, Envelope("xml")),
    ({"format": "xml"}, Envelope("xml")),
    ({"format": "XML"}, Envelope("xml")),
    ({"format": "yaml"}, Envelope("xml")),
    ({"format": "json"}, Envelope("var", "visual")),
    ({"format": "JSON"}, Envelope("var", "visual")),
    ({"format": "json", "varname": "tags"}, Envelope("var", "tags")),
    ({"format": "json", "varname": ""}, Envelope("var", "visual")),
    ({"format": "json", "raw": ""}, Envelope("raw")),
    ({"format": "json", "raw": "1"}, Envelope("raw")),
    ({"format": "json", "raw": "t"}, Envelope("raw")),
    ({"format": "json", "raw": "0"}, Envelope("raw")),
    ({"raw": ""}, Envelope("raw")),
    ({"format": "json", "callback": "updateTags"}, Envelope("jsonp", "updateTags")),
    ({"format": "json", "callback": "window.ignore"}, Envelope("jsonp", "window.ignore")),
    ({"format": "json", "callback": "window.ignore", "raw": "1"}, Envelope("jsonp", "window.ignore")),
    ({"callback": "window.ignore"}, Envelope("jsonp", "window.ignore")),  # the player's batch call
    ({"format": "json", "callback": ""}, Envelope("var", "visual")),
    ({"format": "xml", "callback": "alert(1)//"}, Envelope("xml")),  # ignored, never reflected
])
def test_choose_envelope(params, expected):
    assert choose_envelope(params) == (expected, None)


@pytest.mark.parametrize("callback", [
    "alert(1);//", "alert(1)", "a b", "window['x']", "x;y", "<script>", "1abc", "a..b", ".a", "a.",
    "x\u2028y", "new", "window.delete", "a" * 129, "jQuery\u00e9", "a-b", "</script><script>alert(1)</script>",
])
def test_hostile_callback_is_refused_as_raw_json(callback):
    envelope, problem = choose_envelope({"format": "json", "callback": callback})
    assert envelope == Envelope("raw")
    assert isinstance(problem, InvalidInput)
    body, content_type = serialize(Answer.from_error(problem, "/api/analytics/report/play"), envelope)
    assert content_type == JSON_TYPE
    assert callback not in body
    assert json.loads(body)["code"] == "invalid_input"
    assert "callback" in json.loads(body)["message"]


@pytest.mark.parametrize("varname", ["a b", "alert(1)//", "window.x", "var", "9x"])
def test_hostile_varname_is_refused(varname):
    envelope, problem = choose_envelope({"format": "json", "varname": varname})
    assert envelope == Envelope("raw") and problem is not None and "varname" in problem.message


@pytest.mark.parametrize("name", ["cb", "window.ignore", "jQuery19106_1709294400000", "$", "_", "a.b.c", "$.x"])
def test_js_names_accepted(name):
    assert is_js_name(name, dotted=True)


def test_varname_is_not_dotted():
    assert is_js_name("visual", dotted=False)
    assert not is_js_name("window.visual", dotted=False)


def test_success_xml_attribute_order():
    answer = Answer.ok("The play was reported", "/api/analytics/report/play", SITE)
    assert serialize(answer, Envelope("xml")) == (
        '<response status="ok" permission_level="anonymous" message="The play was reported" cached="0"/>', XML_TYPE)


def test_success_json_key_order_and_strings():
    answer = Answer.ok("The play was reported", "/api/analytics/report/play", SITE)
    body, content_type = serialize(answer, Envelope("raw"))
    data = json.loads(body)
    assert list(data) == ["status", "message", "permission_level", "cached", "report", "p", "size", "site",
                          "endpoint"]
    assert data["cached"] == "0" and data["p"] == "1" and data["size"] == "1" and data["report"] == {}
    assert content_type == JSON_TYPE


def test_var_and_jsonp_wrapping():
    answer = Answer.ok("The play was reported", "/api/analytics/report/play", SITE)
    raw, _ = serialize(answer, Envelope("raw"))
    assert serialize(answer, Envelope("var", "visual")) == (f"var visual = {raw}", JAVASCRIPT_TYPE)
    assert serialize(answer, Envelope("jsonp", "window.ignore")) == (f"window.ignore({raw});", JAVASCRIPT_TYPE)


def test_error_shapes():
    error = InvalidInput.missing("photo_id")
    answer = Answer.from_error(error, "/api/analytics/report/play")
    xml, _ = serialize(answer, Envelope("xml"))
    assert xml == ('<response status="error" permission_level="anonymous" code="invalid_input" '
                   'message="Parameters are malformed: photo_id is required."/>')
    data = json.loads(serialize(answer, Envelope("raw"))[0])
    assert list(data) == ["status", "message", "code", "permission_level", "endpoint"]


HOSTILE = ['"/><script>alert(1)</script>', "a & b < c > d", "quote \" and ' apostrophe", "\x00\x01\x1f nul",
           "line\nbreak\ttab\rcr", "\ud800 lone surrogate", "\ufffe\uffff", "]]> cdata end", "\u2028\u2029"]


@pytest.mark.parametrize("value", HOSTILE)
def test_xml_always_well_formed_with_one_root(value):
    answer = Answer(status="error", message=value, endpoint="/api/x", code=value,
                    xml_children=(("failure", (("message", value),)),))
    xml, _ = serialize(answer, Envelope("xml"))
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "response"
    assert root.get("status") == "error"
    ok = Answer(status="ok", message=value, endpoint="/x", site=SITE, xml_attributes=(("recorded", value),),
                xml_children=(("failure", (("message", value),)),))
    root = ET.fromstring(serialize(ok, Envelope("xml"))[0].encode("utf-8"))
    assert [child.tag for child in root] == ["failure"]


def test_xml_escape_round_trips_printable_text():
    value = "a & b <c> \"d\" 'e'\n\tf"
    root = ET.fromstring(f'<r v="{xml_escape(value)}"/>')
    assert root.get("v") == value


def test_json_never_carries_raw_line_separators_or_surrogates():
    answer = Answer(status="error", message="\u2028\ud800</script>", endpoint="/x", code="c")
    body, _ = serialize(answer, Envelope("jsonp", "cb"))
    assert "\u2028" not in body and "\ud800" not in body
    body.encode("utf-8")
