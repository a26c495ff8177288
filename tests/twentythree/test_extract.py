"""The extract methods through the Flask test client: shapes, numbers, parameters, permissions, envelopes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from .support import (
    ADMIN,
    DOWNLOAD,
    EMBED_DETAILS,
    EVENT,
    OTHER,
    PHOTO_TOTALS,
    PLAY,
    PLAY_DETAILS,
    PLAY_TOTALS,
    fixture_json,
    make_extract_app,
    signed,
)
from .support import (
    READ as READ_CRED,
)

JSON = {"format": "json", "raw": ""}
DAY_MS = 86_400_000
MARCH_1 = 1709251200000


@pytest.fixture
def client():
    return make_extract_app().test_client()


def ok(response) -> dict:
    assert response.status_code == 200 and response.content_type == "application/json; charset=utf-8"
    data = response.get_json()
    assert data["status"] == "ok", data
    return data


def error(response) -> dict:
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "error", data
    return data


def extract(client, path, **params) -> dict:
    return ok(signed(client, path, {**JSON, **params}))


def report(client, path, **params):
    response = client.get(path, query_string=params)
    assert ET.fromstring(response.get_data()).get("status") == "ok", response.get_data(as_text=True)


def same_shape(data, golden, where="") -> None:
    """Same keys in the same order and the same JSON number types, recursively (lists: first item).

    ``site`` and ``events`` hold the scenario's keys; playthrough points are "decimal values"
    (the page's text) although its example prints ``100``.
    """
    if isinstance(golden, dict):
        assert isinstance(data, dict), where
        if where != ".site" and not where.endswith(".events"):
            assert list(data) == list(golden), where
        for key in set(golden) & set(data):
            same_shape(data[key], golden[key], f"{where}.{key}")
    elif isinstance(golden, list):
        assert isinstance(data, list), where
        if golden and data:
            same_shape(data[0], golden[0], f"{where}[0]")
    elif where.startswith(".analytics.absolute.playthrough"):
        assert isinstance(data, float), where
    else:
        assert type(data) is type(golden), (where, data)


# -- shapes against the vendor's examples -------------------------------------------------------------
@pytest.mark.parametrize(("path", "golden"), [
    (PLAY_TOTALS, "extract-play-totals.json"),
    (PLAY_DETAILS, "extract-play-details.json"),
    (PHOTO_TOTALS, "extract-photo-totals.json"),
    (EMBED_DETAILS, "extract-embed-details.json"),
])
def test_answers_have_the_vendor_shape(client, path, golden):
    report(client, EVENT, photo_id="1001", event="load", referer="https://www.facebook.com/")
    report(client, PLAY, photo_id="1001", timeStart="0", timeEnd="5", timeTotal="10",
           referer="https://www.facebook.com/")
    data = extract(client, path, date_start="2024-02-28", date_end="2024-03-01")
    same_shape(data, fixture_json(golden))
    assert data["endpoint"] == path and data["cached"] == "0" and data["permission_level"] == "read"
    assert data["site"]["site_id"] == "123456" and data["site"]["domain"] == "localhost"


def test_play_totals_layout(client):
    data = extract(client, PLAY_TOTALS, date_start="2024-02-28", date_end="2024-03-01")
    assert [d["date"] for d in data["analytics"]["daily"]] == [MARCH_1 - 2 * DAY_MS, MARCH_1 - DAY_MS, MARCH_1]
    absolute = data["analytics"]["absolute"]
    assert len(absolute["hourly"]) == 24 and len(absolute["playthrough"]) == 101
    assert (data["p"], data["size"], data["total_count"]) == (1, 1, 1)


# -- numbers ------------------------------------------------------------------------------------------
def test_totals_follow_the_recorded_reports_exactly(client):
    for end in ("2", "5", "10"):
        report(client, PLAY, photo_id="1001", timeStart="0", timeEnd=end, timeTotal="10")
    report(client, PLAY, photo_id="1001", type="live", play_timestamp="1709294400")
    report(client, DOWNLOAD, photo_id="1001", session_id="s1", bytes_total="1000")
    report(client, PLAY, photo_id="1001", session_id="s2", bytes_total="24")  # download contract
    for event in ("load", "load", "fullscreen", "subtitlesActivated"):
        report(client, EVENT, photo_id="1001", event=event)
    report(client, EVENT, photo_id="9", event="load")  # another photo
    totals = extract(client, PLAY_TOTALS, photo_id="1001", date_start="2024-03-01")["analytics"]
    day = totals["daily"][0]["totals"]
    assert day == {"downloadedBytes": 1024.0, "downloads": 2.0,
                   "events": {"fullscreen": 1.0, "load": 2.0, "subtitlesActivated": 1.0},
                   "finishes": 1.0, "loads": 2.0, "playEngagement": 17.0, "plays": 4.0,
                   "playthroughAverage": round((20 + 50 + 100) / 3, 2)}
    assert totals["absolute"]["totals"] == day
    noon = totals["absolute"]["hourly"][12]
    assert noon == {"downloadedBytes": 1024.0, "downloads": 2.0, "finishes": 1.0, "loads": 2.0, "plays": 4.0}
    assert sum(h["plays"] for h in totals["absolute"]["hourly"]) == 4.0
    curve = totals["absolute"]["playthrough"]
    assert curve[0] == 100.0 and curve[20] == 100.0 and curve[21] == round(200 / 3, 2)
    assert curve[50] == round(200 / 3, 2) and curve[51] == round(100 / 3, 2) and curve[100] == round(100 / 3, 2)


def test_history_adds_to_the_reports_and_is_spread_over_hours(client):
    report(client, PLAY, photo_id="1002", timeStart="0")
    data = extract(client, PLAY_TOTALS, date_start="2024-02-28", date_end="2024-03-01")["analytics"]
    days = [d["totals"] for d in data["daily"]]
    assert (days[0]["plays"], days[1]["plays"], days[2]["plays"]) == (8.0, 2.0, 1.0)
    assert days[0]["playEngagement"] == 120.5 and days[1]["events"] == {"fullscreen": 1.0, "load": 4.0}
    absolute = data["absolute"]["totals"]
    assert absolute["plays"] == 11.0 and absolute["downloadedBytes"] == 8048.0
    assert absolute["playthroughAverage"] == round((40 * 8 + 75.5 * 2) / 10, 2)
    for key in ("plays", "loads", "downloads", "downloadedBytes", "finishes"):
        assert sum(h[key] for h in data["absolute"]["hourly"]) == absolute[key]


def test_photo_filter_and_the_default_range(client):
    data = extract(client, PLAY_TOTALS, photo_id="1002, 1002")["analytics"]  # blanks and duplicates are fine
    assert len(data["daily"]) == 30 and data["daily"][-1]["date"] == MARCH_1
    assert data["absolute"]["totals"]["plays"] == 2.0


def test_play_details_orders_and_paginates(client):
    report(client, DOWNLOAD, photo_id="3001", session_id="a", bytes_total="1")
    data = extract(client, PLAY_DETAILS, date_start="2024-02-01")
    assert [p["photoId"] for p in data["analytics"]["photos"]] == ["1001", "1002", "3001"]
    assert data["total_count"] == 3 and (data["p"], data["size"]) == (1, 20)
    asc = extract(client, PLAY_DETAILS, date_start="2024-02-01", orderby="playthrough_average", order="ASC")
    assert [p["photoId"] for p in asc["analytics"]["photos"]] == ["3001", "1001", "1002"]
    page = extract(client, PLAY_DETAILS, date_start="2024-02-01", size="2", p="2")
    assert [p["photoId"] for p in page["analytics"]["photos"]] == ["3001"] and page["size"] == 2
    assert extract(client, PLAY_DETAILS, date_start="2024-02-01", p="9")["analytics"]["photos"] == []


def test_play_details_lists_a_closed_catalogue_with_zeros(client):
    data = ok(signed(client, PLAY_DETAILS, JSON, host="videos.example.com"))
    assert [p["photoId"] for p in data["analytics"]["photos"]] == ["1001", "2001"]
    assert data["analytics"]["photos"][0]["totals"]["plays"] == 0.0


def test_photo_totals_since_and_all_time_totals(client):
    report(client, EVENT, photo_id="1001", event="load")
    data = extract(client, PHOTO_TOTALS)
    assert [p["photoId"] for p in data["analytics"]["photos"]] == ["1001", "1002"]
    assert data["analytics"]["photos"][0]["loads"] == 11.0 and data["size"] == data["total_count"] == 2
    recent = extract(client, PHOTO_TOTALS, since="2024-03-01 11:59:59")
    assert [p["photoId"] for p in recent["analytics"]["photos"]] == ["1001"]
    assert recent["analytics"]["photos"][0]["plays"] == 8.0  # all-time, not since
    assert extract(client, PHOTO_TOTALS, since="2024-03-01 12:00:01")["analytics"]["photos"] == []


def test_photo_totals_across_sites_needs_credentials_declared_there(client):
    client.get(EVENT, query_string={"photo_id": "2001", "event": "load"}, headers={"Host": "videos.example.com"})
    data = extract(client, PHOTO_TOTALS, site_id="123456,654321")
    assert [p["photoId"] for p in data["analytics"]["photos"]] == ["1001", "1002", "2001"]
    refused = error(signed(client, PHOTO_TOTALS, {**JSON, "site_id": "123456,777777"}))
    assert refused["code"] == "permission_denied" and "site_id item 2" in refused["message"]
    assert refused["permission_level"] == "read"
    assert error(signed(client, PHOTO_TOTALS, {**JSON, "site_id": "1"}))["code"] == "permission_denied"


def test_embed_details_groups_by_referer(client):
    for url in ("https://blog.example.org/a", "https://blog.example.org/a#t=5", "https://blog.example.org/b"):
        report(client, EVENT, photo_id="1001", event="load", referer=url)
    report(client, PLAY, photo_id="1001", timeStart="0", timeEnd="10", timeTotal="10",
           referer="https://news.example.net/")
    report(client, EVENT, photo_id="1001", event="load")  # no referer: not an embed
    data = extract(client, EMBED_DETAILS, orderby="embeds")
    domains = data["analytics"]["domains"]
    assert [d["domain"] for d in domains] == ["blog.example.org", "news.example.net"] and data["total_count"] == 2
    assert domains[0]["urlCount"] == 2 and domains[0]["urls"][0] == {
        "url": "https://blog.example.org/a", "loads": 2, "plays": 0, "downloads": 0, "finishes": 0}
    assert domains[1]["totals"]["finishes"] == 1.0 and domains[1]["totals"]["playthroughAverage"] == 100.0
    limited = extract(client, EMBED_DETAILS, url_limit="1")["analytics"]["domains"][0]
    assert limited["urlCount"] == 2 and len(limited["urls"]) == 1


# -- permissions and envelopes ---------------------------------------------------------------------
@pytest.mark.parametrize("path", [PLAY_TOTALS, PLAY_DETAILS, PHOTO_TOTALS, EMBED_DETAILS])
def test_unsigned_calls_are_refused_as_the_vendor_would(client, path):
    data = error(client.get(path, query_string=JSON))
    assert (data["code"], data["permission_level"], data["endpoint"]) == ("permission_denied", "anonymous", path)
    assert data["message"].startswith(
        "You don't have the necessary permissions to perform this action (required level: 'read')")
    assert list(data) == list(fixture_json("error-permission-denied.json"))


def test_levels_above_read_may_extract_and_are_stated(client):
    assert extract_as(client, ADMIN)["permission_level"] == "admin"


def extract_as(client, cred):
    return ok(signed(client, PLAY_TOTALS, JSON, cred))


def test_credentials_of_another_site_are_unknown_here(client):
    data = error(signed(client, PLAY_TOTALS, JSON, OTHER))
    assert data["code"] == "invalid_signature" and "consumer key is not known on localhost" in data["message"]


def test_xml_is_refused_as_documented(client):
    for params in ({}, {"format": "xml"}, {"format": "csv"}):
        response = signed(client, PLAY_TOTALS, params)
        assert response.content_type == "text/xml; charset=utf-8"
        root = ET.fromstring(response.get_data())
        assert (root.get("status"), root.get("code"), root.get("permission_level")) == (
            "error", "invalid_input", "read")
        assert "do not support XML" in root.get("message")


def test_unsigned_xml_gets_permission_denied_first(client):
    root = ET.fromstring(client.get(PLAY_TOTALS).get_data())
    assert (root.get("code"), root.get("permission_level")) == ("permission_denied", "anonymous")


def test_javascript_envelopes(client):
    var = signed(client, PLAY_TOTALS, {"format": "json"}).get_data(as_text=True)
    assert var.startswith("var visual = {") and json.loads(var[len("var visual = "):])["p"] == 1
    jsonp = signed(client, PLAY_TOTALS, {"format": "json", "callback": "draw"}).get_data(as_text=True)
    assert jsonp.startswith("draw({") and jsonp.endswith("});")


def test_post_form_signed_in_the_body(client):
    data = ok(signed(client, PLAY_TOTALS, {**JSON, "date_start": "2024-02-28"}, method="POST",
                     signature_type="BODY"))
    assert len(data["analytics"]["daily"]) == 3


def test_signed_report_answers_with_the_callers_level(client):
    data = ok(signed(client, EVENT, {**JSON, "photo_id": "1001", "event": "load"}, ADMIN))
    assert data["permission_level"] == "admin" and data["message"] == "The event was reported"
    failed = error(signed(client, EVENT, {**JSON, "photo_id": "x", "event": "load"}))
    assert (failed["code"], failed["permission_level"]) == ("invalid_input", "read")


def test_a_bad_signature_on_a_report_is_refused_and_nothing_is_recorded(client):
    response = signed(client, EVENT, {**JSON, "photo_id": "1001", "event": "load"},
                      {**ADMIN, "access_token_secret": "wrong"})
    assert error(response)["code"] == "invalid_signature"
    assert client.get("/_emulator/twentythree/reports").get_json()["total"] == 0


# -- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "params", "words"), [
    (PLAY_TOTALS, {"date_start": "2024-02-30"}, "date_start must be a UTC date such as 2024-03-01"),
    (PLAY_TOTALS, {"date_end": "01/03/2024"}, "date_end must be a UTC date"),
    (PLAY_TOTALS, {"date_start": "2024-3-1"}, "date_start must be a UTC date"),
    (PLAY_TOTALS, {"date_start": "2024-03-02", "date_end": "2024-03-01"}, "date_end must be on or after date_start"),
    (PLAY_TOTALS, {"date_start": "1990-01-01"}, "date_start must be at most 3660 days before date_end"),
    (PLAY_TOTALS, {"photo_id": "1001,abc"}, ("photo_id must be a comma-separated list of numeric ids such as "
                                            "1001,1002 (item 2 is not)")),
    (PLAY_TOTALS, {"photo_id": "1001,,1002"}, "(item 2 is not)"),
    (PLAY_DETAILS, {"size": "0"}, "size must be an integer from 1 to 100"),
    (PLAY_DETAILS, {"size": "101"}, "size must be an integer from 1 to 100"),
    (PLAY_DETAILS, {"size": "-5"}, "size must be an integer from 1 to 100"),
    (PLAY_DETAILS, {"p": "0"}, "p must be an integer from 1"),
    (PLAY_DETAILS, {"orderby": "views"}, "orderby must be one of downloads, playthrough_average"),
    (PLAY_DETAILS, {"order": "up"}, "order must be one of desc, asc"),
    (PLAY_DETAILS, {"exclude_deleted_p": "yes"}, "exclude_deleted_p must be one of 0, 1"),
    (EMBED_DETAILS, {"url_limit": "many"}, "url_limit must be an integer"),
    (PHOTO_TOTALS, {"since": "yesterday"}, "since must be a UTC timestamp such as 2024-03-01 12:00:00"),
    (PHOTO_TOTALS, {"site_id": "123456;1"}, "site_id must be a comma-separated list"),
])
def test_bad_input_is_named(client, path, params, words):
    data = error(signed(client, path, {**JSON, **params}))
    assert data["code"] == "invalid_input" and data["permission_level"] == "read"
    assert data["message"].startswith("Parameters are malformed: ") and words in data["message"], data["message"]
    for junk in ("2024-02-30", "01/03/2024", "abc", "views", "up", "yes", "many", "yesterday", "123456;1"):
        assert junk not in data["message"].split(": ", 1)[1].replace("playthrough", ""), "values are never echoed"


def test_a_photo_outside_a_closed_catalogue(client):
    data = error(signed(client, PLAY_TOTALS, {**JSON, "photo_id": "1001,9999"}, host="videos.example.com"))
    assert data["code"] == "no_such_photo"


# -- the caller's level on answers produced outside the view ------------------------------------------
def test_fault_answers_state_a_signed_callers_level_without_using_the_nonce(client):
    rule = {"match": {"api": "twentythree"}, "action": {"kind": "error", "code": "service_busy"}, "times": 1}
    assert client.post("/_emulator/faults", json=rule).status_code in (200, 201)
    faulted = error(signed(client, PLAY_TOTALS, JSON, nonce="same"))
    assert (faulted["code"], faulted["permission_level"]) == ("service_busy", "read")
    assert ok(signed(client, PLAY_TOTALS, JSON, nonce="same"))["permission_level"] == "read"  # nonce still unused
    assert error(signed(client, PLAY_TOTALS, JSON, nonce="same"))["code"] == "invalid_signature"


def test_routing_errors_state_a_signed_callers_level(client):
    response = signed(client, "/api/analytics/extract/nothing", JSON)
    assert response.status_code == 404
    assert (response.get_json()["code"], response.get_json()["permission_level"]) == ("no_such_method", "read")


def test_the_caller_does_not_leak_into_the_next_request_of_a_kept_app_context():
    app = make_extract_app()
    with app.app_context():  # as pytest-flask keeps one around a test
        client = app.test_client()
        assert ok(signed(client, PLAY_TOTALS, JSON))["permission_level"] == "read"
        data = client.get(PLAY_TOTALS, query_string={"format": "json", "callback": "new"}).get_json()
        assert (data["code"], data["permission_level"]) == ("invalid_input", "anonymous")


def test_oauth_parameters_in_the_query_of_a_post_are_ignored_as_the_vendor_ignores_that_query(client):
    from .support import oauth_client

    uri, _, _ = oauth_client(READ_CRED, signature_type="QUERY").sign(
        f"http://localhost{PLAY_TOTALS}?format=json&raw=", http_method="POST")
    data = error(client.post(uri, data={"format": "json", "raw": ""}))
    assert (data["code"], data["permission_level"]) == ("permission_denied", "anonymous")
    assert "query string of a POST are ignored" in data["message"]
