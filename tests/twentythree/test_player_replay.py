"""A replay of what the real HTML5 player sends (23/player src/analytics/analytics.js).

The player calls `$.ajax({url, data, dataType: 'jsonp', jsonpCallback: 'window.ignore'})`, so jQuery
adds `callback=window.ignore` and the cache buster `_=<ms>`; each report carries `reportType`,
`format=json`, the player's URL parameters, `type`, `photo_id`, `user_player_*`, `referer` and `uuid`.
In batch mode the reports go, JSON-encoded, in one `data` parameter, and the call itself carries no
`format`. The response is ignored by the player but must be valid JavaScript calling window.ignore.
"""

from __future__ import annotations

import json
from urllib.parse import quote_plus, urlencode

from .support import BATCH, reports

PLAYER_PARAMETERS = {"source": "embed", "token": "a1b2c3", "autoPlay": "0", "showDescriptions": "1"}
UUID = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"


def context(report: dict, report_type: str, video_type: str = "clip", photo_id: str = "1001") -> dict:
    """What `_report` and `_context` add to a report, in the player's order."""
    data = dict(report)
    data["reportType"] = report_type
    data["format"] = "json"
    data.update(PLAYER_PARAMETERS)
    data["type"] = video_type
    data["photo_id"] = photo_id
    data["user_player_type"] = "html5"
    data["user_player_resolution"] = "1920x1080"
    data["user_player_version"] = "5.3.1"
    data["referer"] = "https://blog.example.org/post?id=7&lang=da"
    data["uuid"] = UUID
    return data


def jquery_url(path: str, data: dict, stamp: int) -> str:
    """The URL jQuery builds for a JSONP call: $.param(data), then callback, then the cache buster."""
    query = urlencode({k: (v if isinstance(v, str) else json.dumps(v)) for k, v in data.items()},
                      quote_via=quote_plus)
    return f"{path}?{query}&callback=window.ignore&_={stamp}"


def called_back(response) -> dict:
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.content_type == "text/javascript; charset=utf-8"
    assert body.startswith("window.ignore(") and body.endswith(");")
    return json.loads(body[len("window.ignore("):-2])


def test_individual_mode_session(tt_client):
    """Load, play with progress reports (floats), a call-to-action click, the end."""
    stamp = 1709294400000
    session = [
        ("event", {"event": "load"}),
        ("play", {"timeStart": 0, "timeEnd": 0.021, "timeTotal": 256.042}),
        ("play", {"timeStart": 0, "timeEnd": 20.113402, "timeTotal": 256.042}),
        ("event", {"event": "callToActionClick"}),
        ("play", {"timeStart": 57.5, "timeEnd": 256.042, "timeTotal": 256.042}),
        ("event", {"event": "subtitlesActivated"}),
    ]
    headers = {"Host": "localhost:8023", "Referer": "https://blog.example.org/post?id=7&lang=da"}
    for i, (report_type, report) in enumerate(session):
        url = jquery_url(f"/api/analytics/report/{report_type}", context(report, report_type), stamp + i)
        answer = called_back(tt_client.get(url, headers=headers))
        assert answer["status"] == "ok" and answer["endpoint"] == f"/api/analytics/report/{report_type}"
        assert answer["site"]["domain"] == "localhost"
    items = reports(tt_client)["items"]
    assert [i["kind"] for i in items] == ["event", "play", "play", "event", "play", "event"]
    assert items[2]["fields"]["timeEnd"] == 20.113402 and items[2]["fields"]["timeTotal"] == 256.042
    assert items[0]["fields"]["source"] == "embed" and items[5]["fields"]["undocumented"] is True
    assert all(i["params"]["uuid"] == UUID and i["params"]["callback"] == "window.ignore" for i in items)
    assert [i["params"]["_"] for i in items] == [str(stamp + n) for n in range(6)]
    assert items[1]["params"]["reportType"] == "play" and items[1]["params"]["token"] == "a1b2c3"


def test_live_stream_session(tt_client):
    url = jquery_url("/api/analytics/report/play",
                     context({"play_timestamp": 1709294412}, "play", video_type="live", photo_id="4242"), 1)
    assert called_back(tt_client.get(url))["message"] == "The play was reported"
    fields = reports(tt_client)["items"][0]["fields"]
    assert fields["type"] == "live" and fields["play_timestamp"] == 1709294412.0


def test_batch_mode(tt_client):
    pending = [
        context({"event": "load"}, "event"),
        context({"timeStart": 0, "timeEnd": 10.5, "timeTotal": 256.042}, "play"),
        context({"timeStart": 0, "timeEnd": 30.75, "timeTotal": 256.042}, "play"),
        context({"event": "embedEngaged"}, "event"),
    ]
    url = f"{BATCH}?{urlencode({'data': json.dumps(pending)}, quote_via=quote_plus)}&callback=window.ignore&_=17"
    answer = called_back(tt_client.get(url))
    assert answer["report"]["recorded"] == "4" and answer["report"]["failures"] == []
    items = reports(tt_client)["items"]
    assert [i["kind"] for i in items] == ["event", "play", "play", "event"]
    assert items[2]["fields"]["timeEnd"] == 30.75
    assert all(i["endpoint"] == BATCH for i in items)


def test_player_bug_photo_id_undefined_is_reported_back(tt_client):
    url = jquery_url("/api/analytics/report/event", context({"event": "load"}, "event", photo_id="undefined"), 1)
    answer = called_back(tt_client.get(url))
    assert answer["code"] == "invalid_input" and "photo_id" in answer["message"]
    assert reports(tt_client)["total"] == 0
