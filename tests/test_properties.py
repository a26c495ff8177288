"""Properties of the parsers and calculators: api.video's period and pagination, 23 Video's parameters,
extract arguments and envelopes. Deterministic (derandomized, no example database) and bounded.

Not repeated here: period/pagination examples (tests/apivideo), the 23 Video routes fuzzed over HTTP
(tests/twentythree/test_hostile.py), scenario validation (tests/test_scenario_properties.py).
"""

from __future__ import annotations

import calendar
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta, timezone
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from emulator.apivideo.pagination import (
    MAX_PAGE,
    MAX_SIZE,
    PageRequest,
    page_bounds,
    pagination,
    parse_page_request,
)
from emulator.apivideo.period import PeriodError, parse_period
from emulator.apivideo.problems import AttributeInvalid, OutOfRange
from emulator.twentythree import extract, history, params
from emulator.twentythree.errors import InvalidInput, VendorError
from emulator.twentythree.render import RAW, Answer, Envelope, choose_envelope, is_js_name, serialize
from emulator.twentythree.reports import parse_batch

settings.register_profile("properties", max_examples=100, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = settings.get_profile("properties")
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
END_OF_TIME = (datetime(9999, 12, 31, tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1) + DAY_MS
DATES = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
YEARS = st.integers(1, 9999)


def ms(d: date) -> int:
    return (datetime(d.year, d.month, d.day, tzinfo=timezone.utc) - EPOCH) // timedelta(milliseconds=1)


def ms_after(d: date) -> int:
    """Midnight UTC ending day ``d`` (the end of year 9999 included)."""
    return END_OF_TIME if d == date.max else ms(d + timedelta(days=1))


def iso_weeks(year: int) -> int:
    return date(year, 12, 28).isocalendar()[1]


# -- api.video period ---------------------------------------------------------------------------------------
@st.composite
def periods(draw):
    """(text, kind, first day, last day) of any valid period, computed independently of the parser."""
    kind = draw(st.sampled_from(["day", "week", "month", "year", "range"]))
    if kind == "day":
        d = draw(DATES)
        return d.isoformat(), kind, d, d
    if kind == "week":
        year = draw(YEARS)
        week = draw(st.integers(1, iso_weeks(year)))
        first = date.fromisocalendar(year, week, 1)
        return f"{year:04d}-W{week:02d}", kind, first, min(first + timedelta(days=6) if first < date(9999, 12, 25)
                                                          else date.max, date.max)
    if kind == "month":
        year, month = draw(YEARS), draw(st.integers(1, 12))
        return f"{year:04d}-{month:02d}", kind, date(year, month, 1), date(year, month,
                                                                          calendar.monthrange(year, month)[1])
    if kind == "year":
        year = draw(YEARS)
        return f"{year:04d}", kind, date(year, 1, 1), date(year, 12, 31)
    a, b = sorted((draw(DATES), draw(DATES)))
    return f"{a.isoformat()}/{b.isoformat()}", kind, a, b


@PROFILE
@given(periods())
def test_period_every_valid_form_round_trips(case):
    text, kind, first, last = case
    period = parse_period(text)
    assert (period.text, period.kind) == (text, kind)
    assert period.start_ms == ms(first)
    assert period.end_ms == ms_after(last)
    assert period.start_ms in period and period.end_ms - 1 in period
    assert period.start_ms - 1 not in period and period.end_ms not in period


@PROFILE
@given(DATES)
def test_period_days_weeks_months_and_years_tile_time(day):
    """A day is in its week, month and year; consecutive days touch, never overlap."""
    one = parse_period(day.isoformat())
    for container in (f"{day.year:04d}-{day.month:02d}", f"{day.year:04d}"):
        outer = parse_period(container)
        assert outer.start_ms <= one.start_ms and one.end_ms <= outer.end_ms
    iso_year, week, _ = day.isocalendar()
    if 1 <= iso_year <= 9999:
        outer = parse_period(f"{iso_year:04d}-W{week:02d}")
        assert outer.start_ms <= one.start_ms and one.end_ms <= outer.end_ms
        assert outer.end_ms - outer.start_ms == 7 * DAY_MS or outer.end_ms == END_OF_TIME
    if day < date.max:
        assert parse_period((day + timedelta(days=1)).isoformat()).start_ms == one.end_ms


@PROFILE
@given(YEARS)
def test_period_week_53_exists_exactly_in_53_week_years(year):
    text = f"{year:04d}-W53"
    if iso_weeks(year) == 53:
        period = parse_period(text)
        assert period.start_ms == parse_period(f"{year:04d}-W52").end_ms
        if year < 9999:
            assert period.end_ms == parse_period(f"{year + 1:04d}-W01").start_ms
    else:
        with pytest.raises(PeriodError):
            parse_period(text)
    for week in (0, 54, 99):
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-W{week:02d}")


@PROFILE
@given(YEARS)
def test_period_leap_days(year):
    february = parse_period(f"{year:04d}-02")
    assert february.end_ms - february.start_ms == (29 if calendar.isleap(year) else 28) * DAY_MS
    whole = parse_period(f"{year:04d}")
    assert whole.end_ms - whole.start_ms == (366 if calendar.isleap(year) else 365) * DAY_MS or year == 9999
    if calendar.isleap(year):
        assert parse_period(f"{year:04d}-02-29").start_ms == parse_period(f"{year:04d}-03-01").start_ms - DAY_MS
    else:
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-02-29")
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-02-28/{year:04d}-02-29")


@PROFILE
@given(DATES, DATES)
def test_period_ranges_are_ordered_and_inclusive(a, b):
    text = f"{a.isoformat()}/{b.isoformat()}"
    if b < a:
        with pytest.raises(PeriodError):
            parse_period(text)
        return
    period = parse_period(text)
    assert period.start_ms == parse_period(a.isoformat()).start_ms
    assert period.end_ms == parse_period(b.isoformat()).end_ms
    assert (period.end_ms - period.start_ms) % DAY_MS == 0


_INVALID_MUTATIONS = st.sampled_from([
    lambda t: " " + t, lambda t: t + " ", lambda t: t + "Z", lambda t: t.replace("-", "/", 1),
    lambda t: t.replace("-", "", 1), lambda t: "+" + t, lambda t: t + "/", lambda t: "/" + t,
    lambda t: t[:-1], lambda t: t + "0", lambda t: t.lower().replace("w", "x"), lambda t: t + "/" + t + "/" + t,
    lambda t: t.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
])


@PROFILE
@given(periods(), _INVALID_MUTATIONS)
def test_period_every_damaged_form_is_refused(case, mutate):
    text = mutate(case[0])
    try:
        period = parse_period(text)
    except PeriodError:
        return
    # a few damages yield another valid period ("2024-01-15" less its last digit is no period, "2024" + "0"...)
    assert period.text == text and period.start_ms < period.end_ms
    assert text.isascii() and " " not in text and "Z" not in text


@PROFILE
@given(YEARS, st.integers(0, 99), st.integers(0, 99))
def test_period_impossible_dates_are_refused(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        expected = date(year, month, day)
    except ValueError:
        expected = None
    if expected is None:
        with pytest.raises(PeriodError):
            parse_period(text)
        with pytest.raises(PeriodError):
            parse_period(f"2000-01-01/{text}")
    else:
        assert parse_period(text).start_ms == ms(expected)
    if not 1 <= month <= 12:
        with pytest.raises(PeriodError):
            parse_period(f"{year:04d}-{month:02d}")


def test_period_year_zero_and_limits():
    for text in ("0000", "0000-01", "0000-W01", "0000-01-01", "10000", "9999-13"):
        with pytest.raises(PeriodError):
            parse_period(text)
    assert parse_period("9999-W52").end_ms <= END_OF_TIME
    assert parse_period("0001-W01").start_ms == ms(date(1, 1, 1))


# -- api.video pagination -------------------------------------------------------------------------------------
@PROFILE
@given(total=st.integers(0, 5000), size=st.integers(1, MAX_SIZE), page=st.integers(1, 300),
       kept=st.lists(st.from_regex(r"[a-z]{1,5}=[A-Za-z0-9%]{0,6}", fullmatch=True), max_size=3))
def test_pagination_counts_and_links_agree(total, size, page, kept):
    req = PageRequest(page, size)
    start, stop = page_bounds(req, total)
    query = "&".join(kept + [f"currentPage={page}", f"pageSize={size}"])
    p = pagination(req, total, stop - start, "/analytics/videos/vi1", query)
    pages = math.ceil(total / size)
    assert (p["currentPage"], p["pageSize"], p["itemsTotal"], p["pagesTotal"]) == (page, size, total, pages)
    assert p["currentPageItems"] == stop - start == (min(size, total - (page - 1) * size) if page <= pages else 0)
    rels = [link["rel"] for link in p["links"]]
    assert rels == ["self", "first"] + (["previous"] if page > 1 else []) + (["next"] if page < pages else []) \
        + ["last"]
    expected = {"self": page, "first": 1, "previous": page - 1, "next": page + 1, "last": max(pages, 1)}
    for link in p["links"]:
        uri = urlsplit(link["uri"])
        assert uri.path == "/analytics/videos/vi1"
        pairs = uri.query.split("&")
        assert pairs[:-2] == kept, "the other parameters are kept raw and in order"
        values = dict(parse_qsl(uri.query))
        assert (int(values["currentPage"]), int(values["pageSize"])) == (expected[link["rel"]], size)


@PROFILE
@given(total=st.integers(0, 3000), size=st.integers(1, MAX_SIZE))
def test_pagination_pages_partition_the_items(total, size):
    pages = math.ceil(total / size)
    seen: list[int] = []
    for page in range(1, pages + 1):
        start, stop = page_bounds(PageRequest(page, size), total)
        assert 0 < stop - start <= size
        seen.extend(range(start, stop))
    assert seen == list(range(total))
    for page in (pages + 1, pages + 7, MAX_PAGE):
        start, stop = page_bounds(PageRequest(page, size), total)
        assert start == stop == total


@PROFILE
@given(page=st.one_of(st.none(), st.integers(-10**6, 2**32)), size=st.one_of(st.none(), st.integers(-5, 300)))
def test_pagination_parameters_in_range_are_taken_the_rest_refused(page, size):
    args = MultiDict({k: str(v) for k, v in (("currentPage", page), ("pageSize", size)) if v is not None})
    good_page = page is None or 1 <= page <= MAX_PAGE
    good_size = size is None or 1 <= size <= MAX_SIZE
    if good_page and good_size:
        req = parse_page_request(args)
        assert (req.page, req.size) == (page or 1, size or 25)
    else:
        with pytest.raises(OutOfRange) as info:
            parse_page_request(args)
        names = [problem["name"] for problem in info.value.body()["problems"]]
        assert names == [n for n, ok in (("currentPage", good_page), ("pageSize", good_size)) if not ok]


@PROFILE
@given(st.one_of(st.text(max_size=12), st.from_regex(r"[+-]?0*[0-9]{1,4}", fullmatch=True)))
def test_pagination_any_text(text):
    try:
        req = parse_page_request(MultiDict({"pageSize": text}))
    except OutOfRange:
        assert re.fullmatch(r"[+-]?[0-9]+", text) and not 1 <= int(text) <= MAX_SIZE
        return
    except AttributeInvalid:
        assert not re.fullmatch(r"[+-]?[0-9]{1,64}", text)
        return
    assert req.size == (int(text) if text else 25)


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
