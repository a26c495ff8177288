"""Parsing of each report kind into normalised reports (emulator/twentythree/params.py)."""

from __future__ import annotations

import pytest

from emulator.twentythree.errors import InvalidInput
from emulator.twentythree.params import (
    DOCUMENTED_EVENTS,
    MAX_PARAMS,
    MAX_VALUE,
    DownloadReport,
    PlayReport,
    check_limits,
    parse_download,
    parse_event,
    parse_play,
)

COOKIES = ("session_id", "ad_session_id")


def invalid(func, *args) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        func(*args)
    return info.value


def test_clip_play_with_floats():
    report = parse_play({"photo_id": "1001", "timeStart": "12.345", "timeEnd": "20", "timeTotal": "256.04",
                         "user_player_type": "html5", "user_player_resolution": "1920x1080"})
    assert report == PlayReport(photo_id="1001", type="clip", timeStart=12.345, timeEnd=20.0, timeTotal=256.04,
                                user_player_type="html5", user_player_resolution="1920x1080")
    assert report.kind == "play"


def test_legacy_snake_case_aliases():
    report = parse_play({"photo_id": "1", "time_start": "1.5", "time_end": "3", "time_total": "9"})
    assert (report.timeStart, report.timeEnd, report.timeTotal) == (1.5, 3.0, 9.0)


def test_camel_case_wins_over_alias():
    assert parse_play({"photo_id": "1", "timeStart": "2", "time_start": "1"}).timeStart == 2.0


@pytest.mark.parametrize("value", ["0", "0.0", "12", "12.", ".5", "1e3", "1E-7", " 3.5 "])
def test_accepted_numbers(value):
    assert parse_play({"photo_id": "1", "timeStart": value}).timeStart == float(value)


@pytest.mark.parametrize("value", ["-1", "-0", "NaN", "nan", "inf", "Infinity", "-inf", "1e999", "1_000", "0x10",
                                   "abc", "1,5", "1.2.3", "undefined", "+1", "١٢"])
def test_refused_numbers_name_the_parameter(value):
    error = invalid(parse_play, {"photo_id": "1", "timeStart": value})
    assert error.code == "invalid_input" and error.param == "timeStart"
    assert "timeStart" in error.message


def test_alias_error_names_the_alias():
    assert invalid(parse_play, {"photo_id": "1", "time_start": "x"}).param == "time_start"


@pytest.mark.parametrize(("params", "param"), [
    ({}, "photo_id"),
    ({"photo_id": ""}, "photo_id"),
    ({"photo_id": "undefined", "timeStart": "1"}, "photo_id"),
    ({"photo_id": "12a", "timeStart": "1"}, "photo_id"),
    ({"photo_id": "1" * 21, "timeStart": "1"}, "photo_id"),
    ({"photo_id": "1"}, "timeStart"),
    ({"photo_id": "1", "timeStart": ""}, "timeStart"),
    ({"photo_id": "1", "timeStart": "1", "timeEnd": "-3"}, "timeEnd"),
    ({"photo_id": "1", "timeStart": "1", "timeTotal": "NaN"}, "timeTotal"),
])
def test_play_errors(params, param):
    error = invalid(parse_play, params)
    assert error.param == param
    assert param in error.message


def test_empty_optional_numbers_are_absent():
    report = parse_play({"photo_id": "1", "timeStart": "1", "timeEnd": "", "timeTotal": ""})
    assert report.timeEnd is None and report.timeTotal is None


def test_live_play():
    report = parse_play({"photo_id": "77", "type": "live", "play_timestamp": "1709294400"})
    assert report == PlayReport(photo_id="77", type="live", play_timestamp=1709294400.0)
    assert invalid(parse_play, {"photo_id": "77", "type": "live"}).param == "play_timestamp"
    assert invalid(parse_play, {"photo_id": "77", "type": "live", "play_timestamp": "-5"}).param == "play_timestamp"


def test_unknown_type_is_a_clip():
    assert parse_play({"photo_id": "1", "timeStart": "0", "type": "clip"}).type == "clip"
    assert parse_play({"photo_id": "1", "timeStart": "0", "type": "whatever"}).type == "clip"


def test_download_with_parameter_session():
    report = parse_download({"photo_id": "1", "session_id": "s1", "bytes_total": "1024", "skip": "1"}, {}, COOKIES)
    assert report == DownloadReport(photo_id="1", session_id="s1", session_source="param", bytes_total=1024, skip=1)


def test_download_session_from_cookies_in_order():
    params = {"photo_id": "1", "bytes_total": "0"}
    both = {"session_id": "A", "ad_session_id": "B"}
    assert parse_download(params, both, COOKIES).session_id == "A"
    assert parse_download(params, both, ("ad_session_id", "session_id")).session_id == "B"
    only_ad = parse_download(params, {"ad_session_id": "B"}, COOKIES)
    assert (only_ad.session_id, only_ad.session_source) == ("B", "cookie:ad_session_id")
    assert parse_download(params, {"session_id": "", "ad_session_id": "B"}, COOKIES).session_id == "B"


def test_parameter_session_beats_cookie():
    report = parse_download({"photo_id": "1", "bytes_total": "5", "session_id": "P"}, {"session_id": "C"}, COOKIES)
    assert report.session_id == "P"


def test_cookie_not_configured_is_not_read():
    error = invalid(parse_download, {"photo_id": "1", "bytes_total": "5"}, {"session_id": "C"}, ("ad_session_id",))
    assert error.param == "session_id" and "ad_session_id" in error.message


def test_seesion_id_typo_is_not_an_alias_and_is_pointed_out():
    error = invalid(parse_download, {"photo_id": "1", "bytes_total": "5", "seesion_id": "S"}, {}, COOKIES)
    assert error.param == "session_id"
    assert "seesion_id" in error.message and "spelt session_id" in error.message


@pytest.mark.parametrize(("params", "param"), [
    ({"photo_id": "1", "session_id": "s"}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "-1"}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "1.5"}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "1e3"}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "lots"}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "9" * 20}, "bytes_total"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "1", "skip": "2"}, "skip"),
    ({"photo_id": "1", "session_id": "s", "bytes_total": "1", "skip": "true"}, "skip"),
    ({"photo_id": "1", "session_id": "s" * 257, "bytes_total": "1"}, "session_id"),
    ({"session_id": "s", "bytes_total": "1"}, "photo_id"),
])
def test_download_errors(params, param):
    assert invalid(parse_download, params, {}, COOKIES).param == param


def test_skip_defaults_to_zero():
    assert parse_download({"photo_id": "1", "session_id": "s", "bytes_total": "0"}, {}, COOKIES).skip == 0


@pytest.mark.parametrize("event", sorted(DOCUMENTED_EVENTS))
def test_documented_events(event):
    report = parse_event({"photo_id": "1", "event": event, "source": "embed"})
    assert report.event == event and report.source == "embed" and report.undocumented is False


@pytest.mark.parametrize("event", ["subtitlesActivated", "subtitlesActived", "postRollClose ", "custom"])
def test_undocumented_events_are_accepted_and_flagged(event):
    report = parse_event({"photo_id": "1", "event": event})
    assert report.event == event and report.undocumented is True


@pytest.mark.parametrize("params", [{"photo_id": "1"}, {"photo_id": "1", "event": ""},
                                    {"photo_id": "1", "event": "   "}, {"photo_id": "1", "event": "x" * 257}])
def test_event_errors(params):
    assert invalid(parse_event, params).param == "event"


def test_limits():
    check_limits([("a", "x" * MAX_VALUE), ("data", "x" * (MAX_VALUE * 10))])
    assert invalid(check_limits, [("referer", "x" * (MAX_VALUE + 1))]).param == "referer"
    assert f"at most {MAX_PARAMS} parameters" in invalid(check_limits, [(str(i), "") for i in range(MAX_PARAMS + 1)]).message
    long_name = invalid(check_limits, [("n" * 300, "")])
    assert "names" in long_name.message
    hostile = invalid(check_limits, [("<b>", "x" * (MAX_VALUE + 1))])
    assert "<b>" not in hostile.message and "a parameter" in hostile.message


def test_fields_are_the_vendor_names():
    fields = parse_play({"photo_id": "1", "timeStart": "1"}).fields()
    assert {"photo_id", "type", "timeStart", "timeEnd", "timeTotal", "play_timestamp", "live_id",
            "user_player_type", "user_player_version", "user_player_resolution"} == set(fields)


def test_event_sent_to_report_play_gets_a_pointer():
    error = invalid(parse_play, {"photo_id": "1", "event": "load"})
    assert error.param == "timeStart" and "/api/analytics/report/event" in error.message
