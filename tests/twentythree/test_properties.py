"""Properties of 23 Video's parameters, extract arguments and envelopes. Deterministic
(derandomized, no example database) and bounded.

Not repeated here: the 23 Video routes fuzzed over HTTP (test_hostile.py), the api.video properties
(tests/apivideo/test_properties.py), scenario validation (tests/test_scenario_properties.py).
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from properties import DATES, PROFILE, YEARS, ms, ms_after

from emulator.apivideo.period import parse_period
from emulator.twentythree import extract, history, params
from emulator.twentythree.errors import InvalidInput, VendorError
from emulator.twentythree.render import RAW, Answer, Envelope, choose_envelope, is_js_name, serialize
from emulator.twentythree.reports import parse_batch

# -- 23 Video parameters ---------------------------------------------------------------------------------------
ANY_TEXT = st.text(max_size=30)
NAMES = ["photo_id", "timeStart", "timeEnd", "timeTotal", "time_start", "time_end", "time_total", "type",
         "play_timestamp", "bytes_total", "session_id", "seesion_id", "skip", "event", "source",
         "user_player_type", "user_player_version", "user_player_resolution"]
VALUES = st.one_of(ANY_TEXT, st.from_regex(r"\s?[0-9]{1,4}(\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?\s?", fullmatch=True),
                   st.sampled_from(["live", "clip", "LIVE", "load", "0", "1", "", " ", "nan", "inf", "1e999"]))
PARAMS = st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=8)


@PROFILE
@given(PARAMS, st.dictionaries(st.sampled_from(["session_id", "ad_session_id", "other"]), ANY_TEXT, max_size=2))
def test_report_parsers_return_a_report_or_name_the_parameter(values, cookies):
    for kind, parse in (("play", params.parse_play), ("event", params.parse_event),
                        ("download", lambda p: params.parse_download(p, cookies, ("session_id", "ad_session_id")))):
        try:
            report = parse(values)
        except InvalidInput as error:
            assert error.param and error.param in error.message and error.code == "invalid_input"
            assert error.param in NAMES, (kind, error.param)
            continue
        assert report.kind == ("play" if kind == "play" else kind)
        assert params._PHOTO_ID.fullmatch(report.photo_id) and report.photo_id == values["photo_id"].strip()
        for name, value in report.fields().items():
            if isinstance(value, float):
                assert math.isfinite(value) and value >= 0, (name, value)
        if kind == "download":
            assert 0 <= report.bytes_total < 2**63 and report.skip in (0, 1)
            assert 0 < len(report.session_id) <= params.MAX_ID


@PROFILE
@given(st.floats(min_value=0, max_value=params.MAX_SECONDS, allow_nan=False, allow_infinity=False))
def test_report_seconds_round_trip(number):
    assert params.parse_seconds({"timeStart": repr(number)}, "timeStart") == number
    assert params.parse_seconds({"timeStart": f" {number:.6f} "}, "timeStart") == pytest.approx(number, rel=1e-9,
                                                                                             abs=1e-6)


@PROFILE
@given(ANY_TEXT)
def test_report_seconds_any_text(text):
    try:
        value = params.parse_seconds({"x": text}, "x")
    except InvalidInput as error:
        assert error.param == "x"
        return
    assert value is None and not text.strip() or math.isfinite(value) and 0 <= value <= params.MAX_SECONDS


@PROFILE
@given(st.lists(st.tuples(st.text(max_size=300), st.text(max_size=9000)), max_size=300))
def test_report_limits(items):
    try:
        params.check_limits(items)
    except InvalidInput:
        assert len(items) > params.MAX_PARAMS or any(len(n) > params.MAX_NAME or len(v) > (
            params.MAX_DATA if n == "data" else params.MAX_VALUE) for n, v in items)
        return
    assert len(items) <= params.MAX_PARAMS


@PROFILE
@given(st.one_of(ANY_TEXT, st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                                        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c,
                                                                                            max_size=3),
                                        max_leaves=10).map(lambda v: json.dumps(v))))
def test_batch_data_is_a_list_of_reports_or_invalid_input(text):
    try:
        items = parse_batch({"data": text})
    except InvalidInput as error:
        assert error.param == "data"
        return
    assert isinstance(items, list) and 0 < len(items) <= 500


# -- 23 Video extract arguments ----------------------------------------------------------------------------------
@PROFILE
@given(DATES)
def test_extract_days_round_trip(day):
    assert extract.parse_day({"d": f" {day.isoformat()} "}, "d") == day
    assert extract.epoch_ms(day) == ms(day)


@PROFILE
@given(st.one_of(DATES, st.none()), st.one_of(DATES, st.none()), DATES)
def test_extract_ranges(first, last, today):
    values = {k: v.isoformat() for k, v in (("date_start", first), ("date_end", last)) if v}
    end = last or today
    start = first or end - timedelta(days=extract.DEFAULT_DAYS - 1) if (first or end > date(1, 1, 30)) else None
    assume(start is not None)
    try:
        got = extract.parse_range(values, today)
    except InvalidInput as error:
        assert error.param in ("date_start", "date_end")
        assert end < start or (end - start).days > extract.MAX_RANGE_DAYS
        return
    assert got == (start, end) and start <= end and (end - start).days <= extract.MAX_RANGE_DAYS


@PROFILE
@given(st.lists(st.from_regex(r"[0-9]{1,20}", fullmatch=True), min_size=1, max_size=20), ANY_TEXT)
def test_extract_id_lists(ids, junk):
    text = " , ".join(ids)
    assert extract.parse_ids({"ids": text}, "ids") == list(dict.fromkeys(ids))
    try:
        got = extract.parse_ids({"ids": junk}, "ids")
    except InvalidInput as error:
        assert error.param == "ids"
        return
    assert got is None and not junk.strip() or all(extract._ID.fullmatch(i) for i in got)


@PROFILE
@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)), st.booleans(),
       st.sampled_from([" ", "T"]), ANY_TEXT)
def test_extract_since(moment, with_time, separator, junk):
    moment = moment.replace(microsecond=0)
    text = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    if with_time:
        text += f"{separator}{moment:%H:%M:%S}"
    expected = moment if with_time else datetime.combine(moment.date(), time(0))
    assert extract.parse_since({"since": f" {text} "}) == f"{expected.year:04d}" + expected.strftime(
        "-%m-%dT%H:%M:%S.000Z")
    try:
        extract.parse_since({"since": junk})
    except InvalidInput as error:
        assert error.param == "since"


def test_extract_since_before_year_1000():
    assert extract.parse_since({"since": "0999-01-01"}) == "0999-01-01T00:00:00.000Z"


@PROFILE
@given(ANY_TEXT, st.integers(0, 5), st.integers(5, 10**6))
def test_extract_integers(text, low, high):
    try:
        value = extract.parse_int({"n": text}, "n", low, low, high)
    except InvalidInput as error:
        assert error.param == "n"
        return
    assert low <= value <= high


@PROFILE
@given(st.one_of(DATES.map(date.isoformat), st.tuples(YEARS, st.integers(1, 12)).map(lambda t: f"{t[0]:04d}-{t[1]:02d}"),
                 st.tuples(DATES, DATES).map(lambda t: f"{min(t).isoformat()}/{max(t).isoformat()}")))
def test_history_periods_round_trip(text):
    first, last = history.parse_period(text)
    assert first <= last
    assert parse_period(text).start_ms == ms(first) and parse_period(text).end_ms == ms_after(last)


# -- 23 Video envelopes ------------------------------------------------------------------------------------------
ANY = st.text(max_size=40)  # every code point, lone surrogates and controls included
_IDENT = st.from_regex(r"[A-Za-z_$][A-Za-z0-9_$]{0,20}", fullmatch=True).filter(
    lambda s: is_js_name(s, dotted=False))


@st.composite
def answers(draw):
    site = draw(st.dictionaries(st.sampled_from(["domain", "site_id", "site_name", "site_key"]), ANY, max_size=4))
    if draw(st.booleans()):
        error = VendorError(draw(ANY) or None, code=draw(ANY) or None, permission_level=draw(ANY) or None)
        return Answer.from_error(error, draw(ANY))
    failures = draw(st.lists(st.tuples(ANY, ANY), max_size=3))
    return Answer.ok(draw(ANY), draw(ANY), site, permission_level=draw(ANY),
                     report={"failures": [{"code": c, "message": m} for c, m in failures]},
                     xml_attributes=(("recorded", draw(ANY)),),
                     xml_children=tuple(("failure", (("code", c), ("message", m))) for c, m in failures))


def _xml_text(value: str) -> str:
    """What survives an XML attribute: characters XML 1.0 cannot carry become U+FFFD."""
    return "".join("\ufffd" if not (ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD
                                    or ord(ch) >= 0x10000) else ch for ch in value)


@PROFILE
@given(answers())
def test_xml_envelope_is_well_formed_and_keeps_every_value(answer):
    body, content_type = serialize(answer, Envelope("xml"))
    assert content_type.startswith("text/xml")
    root = ET.fromstring(body.encode("utf-8"))
    assert root.tag == "response"
    assert root.get("status") == answer.status and root.get("message") == _xml_text(answer.message)
    assert root.get("permission_level") == _xml_text(answer.permission_level)
    for name, value in answer.xml_attributes if answer.status == "ok" else ():
        assert root.get(name) == _xml_text(value)
    children = [dict(child.attrib) for child in root]
    assert children == ([{k: _xml_text(v) for k, v in attrs} for _, attrs in answer.xml_children]
                        if answer.status == "ok" else [])


@PROFILE
@given(answers(), st.sampled_from(["raw", "var", "jsonp"]), _IDENT, st.lists(_IDENT, max_size=2))
def test_json_and_script_envelopes_are_valid_and_ascii(answer, kind, name, more):
    dotted = ".".join([name, *more])
    envelope = RAW if kind == "raw" else Envelope(kind, name if kind == "var" else dotted)
    body, content_type = serialize(answer, envelope)
    assert body.isascii(), "U+2028/2029 and lone surrogates stay escaped"
    if kind == "raw":
        assert content_type.startswith("application/json")
        payload = body
    elif kind == "var":
        assert content_type.startswith("text/javascript") and body.startswith(f"var {name} = ")
        payload = body[len(f"var {name} = "):]
    else:
        assert body.startswith(dotted + "(") and body.endswith(");")
        payload = body[len(dotted) + 1:-2]
    assert json.loads(payload) == json.loads(json.dumps(answer.to_json()))


@PROFILE
@given(st.dictionaries(st.sampled_from(["format", "callback", "raw", "varname", "other"]),
                       st.one_of(ANY, _IDENT, st.sampled_from(["json", "JSON ", "xml", "", "window.cb"])),
                       max_size=5))
def test_envelope_choice_never_reflects_a_bad_name(values):
    envelope, problem = choose_envelope(values)
    if envelope.name is not None:
        assert problem is None and is_js_name(envelope.name, dotted=envelope.kind == "jsonp")
        assert envelope.name == (values.get("callback") if envelope.kind == "jsonp" else
                                 values.get("varname") or "visual")
    if problem is not None:
        assert envelope == RAW and problem.param in ("callback", "varname")
        body, _ = serialize(Answer.from_error(problem, "/x"), envelope)
        bad = values.get(problem.param, "")
        assert len(bad) < 3 or bad not in body or json.dumps(bad)[1:-1] in problem.message


@PROFILE
@given(ANY)
def test_js_names_are_identifiers(text):
    for dotted in (False, True):
        if is_js_name(text, dotted=dotted):
            parts = text.split(".") if dotted else [text]
            assert len(text) <= 128 and all(part.isascii() and part[0] not in "0123456789" and part
                                            for part in parts)
            assert all(ch.isalnum() or ch in "_$." for ch in text)


def test_report_seconds_past_the_cap_are_invalid_input():
    with pytest.raises(InvalidInput) as info:
        params.parse_seconds({"timeEnd": "1e308"}, "timeEnd")
    assert info.value.param == "timeEnd"
