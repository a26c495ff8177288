"""The real HTML5 player's reports, request for request, against a served emulator.

``PlayerAnalytics`` below follows the player's own module (public repository 23/player,
src/analytics/analytics.js; facts in the vendor README, "What the real HTML5 player sends"): what
it reports on which player event, the 20 s throttle of time updates, the ``start != end`` and
"moved more than 1 s" rules, the context every report carries and its key order, jQuery's JSONP
URL (``callback=window.ignore`` first, the data, then the ``_`` cache buster), and batch mode
(flushed 2-7 s after the settings load, then every ``timeReportRate`` seconds, at once on the
clip's end and on action clicks). A live stream reports ``type=stream`` with ``play_timestamp``
and no events, which the emulator refused before it read ``stream`` as the live form.

Every request goes over a socket to a real server; each answer must be the JSONP call the player
expects and each report must be recorded exactly once, with the parameters it was sent with.
"""

from __future__ import annotations

import http.client
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
import requests
from requests_oauthlib import OAuth1

from .support import NOW_TS, PLAY_TOTALS, READ, REPORTS

UUID = "3f0c2a4e-9b1d-4c7e-8a55-0d6f1b2c3e4f"
REFERER = "https://customer.example/page"
TIME_REPORT_RATE = 20      # the module's default (minimum 10)
FIRST_FLUSH = 3.5          # batch mode: the player draws 2 + random() * 5 seconds
TICK = 0.25                # a <video> fires timeupdate about every 250 ms


def js_number(value: float) -> str:
    """A number as JavaScript's String() writes it (for the values these sessions use)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def js_param(data: dict[str, Any]) -> str:
    """jQuery.param: ``encodeURIComponent(key)=encodeURIComponent(value)`` joined by &, %20 as +."""
    def encode(text: str) -> str:
        return quote(text, safe="-_.!~*'()").replace("%20", "+")

    def text(value: Any) -> str:
        return js_number(value) if isinstance(value, (int, float)) else str(value)

    return "&".join(f"{encode(k)}={encode(text(v))}" for k, v in data.items())


@dataclass
class PlayerAnalytics:
    """The analytics module of the 23 Video HTML5 player, driven by player events."""

    video_type: str                      # 'clip' or 'stream', Player.get('video_type')
    video_id: str                        # video_photo_id of a clip, video_live_id of a stream
    parameters: dict[str, str]           # Player.parameters: the player's URL parameters
    method: str = "individual"           # analyticsReportMethod
    nonce: int = 1796111173123           # jQuery's cache buster starts at the page's load time (ms)
    sent: list[str] = field(default_factory=list)
    queued: list[dict[str, Any]] = field(default_factory=list)
    last_time_update: float = -math.inf  # (new Date) of the last handled play/pause/ended/timeupdate
    last_time_report: float = -1.0
    next_flush: float = math.inf

    # -- the module's internals -----------------------------------------------------------------
    def _context(self, data: dict[str, Any]) -> dict[str, Any]:
        data.update(self.parameters)                 # $.extend(o, Player.parameters)
        data["type"] = self.video_type
        data["photo_id"] = self.video_id
        data["user_player_type"] = "html5"
        data["user_player_resolution"] = "1280x720"  # screen.width x screen.height
        # o.user_player_version = Player.version: undefined, so it is never sent
        data["referer"] = REFERER
        data["uuid"] = UUID
        return data

    def _report(self, report_type: str, data: dict[str, Any]) -> None:
        data["reportType"] = report_type
        data["format"] = "json"
        self.queued.append(self._context(data))
        if self.method == "individual":
            self.send_reports()

    def _url(self, path: str, query: str) -> str:
        self.nonce += 1
        return f"{path}?callback=window.ignore&{query}&_={self.nonce - 1}"

    def send_reports(self, now: float | None = None) -> None:
        pending, self.queued = self.queued, []
        if pending and self.method == "batch":
            data = json.dumps(pending, separators=(",", ":"), ensure_ascii=False)
            self.sent.append(self._url("/api/analytics/report/batch", js_param({"data": data})))
        elif pending:
            self.sent.extend(self._url(f"/api/analytics/report/{d['reportType']}", js_param(d)) for d in pending)
        if self.method == "batch" and now is not None:
            self.next_flush = now + TIME_REPORT_RATE

    # -- what the player tells it ---------------------------------------------------------------
    def settings_loaded(self, now: float) -> None:
        self.next_flush = now + FIRST_FLUSH

    def tick(self, now: float) -> None:
        """The batch timer (window.setTimeout in the module)."""
        if now >= self.next_flush:
            self.send_reports(now)

    def analytics_event(self, event: str) -> None:
        if self.video_type != "clip":
            return
        self._report("event", {"event": event})

    def playback(self, event: str, now: float, *, current: float = 0.0, seeked: float = 0.0,
                 duration: float = 0.0, program_ms: int = 0, playing: bool = True) -> None:
        """player:video:play / pause / ended / timeupdate."""
        if event == "timeupdate" and now - self.last_time_update < TIME_REPORT_RATE:
            return
        self.last_time_update = now
        if self.video_type == "clip":
            if duration > 0 and (self.last_time_report < 0 or abs(current - self.last_time_report) > 1):
                if seeked != current:
                    self._report("play", {"timeStart": seeked, "timeEnd": current, "timeTotal": duration})
                    self.last_time_report = current
            if event == "ended":
                self.send_reports(now)
        else:
            timestamp = program_ms // 1000
            if playing and timestamp >= 0:
                self._report("play", {"play_timestamp": timestamp})

    def action_click(self, event: str = "callToActionClick") -> None:
        self.analytics_event(event)
        self.send_reports()


CLIP_PARAMETERS = {"domain": "127.0.0.1:8023", "photo_id": "1001", "source": "embed"}
STREAM_PARAMETERS = {"domain": "127.0.0.1:8023", "live_id": "5001", "source": "embed"}
DURATION = 256.042


def clip_session(method: str) -> PlayerAnalytics:
    """Load, play from 0, pause, resume, seek to 120, a click, subtitles, pause + end (as <video> fires them)."""
    player = PlayerAnalytics("clip", "1001", dict(CLIP_PARAMETERS), method)
    player.settings_loaded(0.0)
    player.analytics_event("load")
    position, seeked, playing, now = 0.0, 0.0, False, 0.0
    timeline = {1.0: "play", 31.5: "pause", 40.0: "play", 45.0: "seek", 65.0: "click", 70.0: "subtitles"}
    while True:
        now = round(now + TICK, 2)
        if playing:
            position = round(position + TICK, 3)
        player.tick(now)
        step = timeline.get(now)
        if step in ("play", "pause"):
            playing = step == "play"
            player.playback(step, now, current=position, seeked=seeked, duration=DURATION)
        elif step == "seek":
            position = seeked = 120.0
        elif step == "click":
            player.action_click()
        elif step == "subtitles":
            player.analytics_event("subtitlesActivated")
        if playing and position >= DURATION:
            position = DURATION
            player.playback("pause", now, current=position, seeked=seeked, duration=DURATION)
            player.playback("ended", now, current=position, seeked=seeked, duration=DURATION)
            return player
        if playing:
            player.playback("timeupdate", now, current=position, seeked=seeked, duration=DURATION)


def stream_session(method: str) -> PlayerAnalytics:
    """A live stream watched for 95 s with a pause; programme time from the stream's clock."""
    player = PlayerAnalytics("stream", "5001", dict(STREAM_PARAMETERS), method)
    player.settings_loaded(0.0)
    player.analytics_event("load")  # the module sends no events for streams
    program_start = 1796111173000
    now, playing = 0.0, False
    while now < 95.0:
        now = round(now + TICK, 2)
        player.tick(now)
        program = program_start + int(now * 1000)
        if now in (1.0, 50.0):
            playing = True
            player.playback("play", now, program_ms=program)
        elif now == 40.0:
            player.playback("pause", now, program_ms=program, playing=False)
            playing = False
        elif playing:
            player.playback("timeupdate", now, program_ms=program)
    player.send_reports(now)  # the page closes after the next timer
    return player


def get(served_url: str, target: str) -> tuple[int, str, str]:
    """One GET of the exact request target, as the browser's <script> tag sends it."""
    host, port = served_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", target, headers={"Referer": REFERER, "Accept": "*/*"})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode("utf-8")
    finally:
        connection.close()


def called_back(status: int, content_type: str, body: str) -> dict:
    """The answer must be ``window.ignore({...});`` with status ok (the player ignores it, a test must not)."""
    assert status == 200 and content_type == "text/javascript; charset=utf-8"
    assert body.startswith("window.ignore(") and body.endswith(");"), body[:200]
    answer = json.loads(body[len("window.ignore("):-2])
    assert answer["status"] == "ok", answer
    return answer


def recorded(served_url: str) -> list[dict]:
    response = requests.get(f"{served_url}{REPORTS}", params={"limit": 1000}, timeout=5)
    response.raise_for_status()
    return response.json()["items"]


def sent_reports(player: PlayerAnalytics) -> Iterator[dict[str, str]]:
    """Every report the player sent, as the query parameters of a lone request would carry it."""
    from urllib.parse import parse_qsl, urlsplit

    for url in player.sent:
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        if urlsplit(url).path.endswith("/batch"):
            for item in json.loads(query["data"]):
                yield {k: js_number(v) if isinstance(v, (int, float)) else v for k, v in item.items()}
        else:
            yield query


def test_the_issue_request_is_a_recorded_live_play(served_url):
    """The live play exactly as the player built it, byte for byte (answered "timeStart is required" before)."""
    target = ("/api/analytics/report/play?callback=window.ignore&play_timestamp=1796111173&reportType=play"
              "&format=json&domain=127.0.0.1%3A8023&live_id=5001&source=embed&type=stream&photo_id=5001"
              "&user_player_type=html5&user_player_resolution=1280x720"
              f"&referer=https%3A%2F%2Fcustomer.example%2Fpage&uuid={UUID}&_=1796111173123")
    answer = called_back(*get(served_url, target))
    assert answer["message"] == "The play was reported" and answer["endpoint"] == "/api/analytics/report/play"
    [item] = recorded(served_url)
    assert item["kind"] == "play"
    assert item["fields"]["type"] == "live" and item["fields"]["play_timestamp"] == 1796111173.0
    assert item["fields"]["live_id"] == "5001" and item["fields"]["photo_id"] == "5001"
    assert item["params"]["type"] == "stream" and item["params"]["uuid"] == UUID


@pytest.mark.parametrize("spelling", ["stream", "STREAM", "Stream", "live", "LIVE"])
def test_every_spelling_of_the_live_form(served_url, spelling):
    called_back(*get(served_url, "/api/analytics/report/play?callback=window.ignore&format=json&photo_id=5001"
                           f"&type={spelling}&play_timestamp=1796111173"))
    [item] = recorded(served_url)
    assert item["fields"]["type"] == "live" and item["params"]["type"] == spelling


@pytest.mark.parametrize("session", [clip_session, stream_session], ids=["clip", "stream"])
@pytest.mark.parametrize("method", ["individual", "batch"])
def test_a_whole_player_session_is_recorded_once_each(served_url, session, method):
    player = session(method)
    expected = list(sent_reports(player))
    assert len(expected) >= 5, "the session should produce a real sequence of reports"
    for url in player.sent:
        answer = called_back(*get(served_url, url))
        if method == "batch":
            assert answer["report"]["failures"] == [] and answer["endpoint"] == "/api/analytics/report/batch"
    items = recorded(served_url)
    assert len(items) == len(expected)
    for item, params in zip(items, expected):
        assert item["kind"] == params["reportType"]
        sent_as = {k: (js_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v)
                   for k, v in item["params"].items() if k not in ("callback", "_", "data")}
        assert sent_as == {k: v for k, v in params.items() if k not in ("callback", "_")}
        assert "user_player_version" not in item["params"]
    if session is stream_session:
        assert {i["fields"]["type"] for i in items} == {"live"} and {i["kind"] for i in items} == {"play"}
        stamps = [i["fields"]["play_timestamp"] for i in items]
        assert stamps == sorted(stamps) and stamps[0] == 1796111174.0
    else:
        plays = [(i["fields"]["timeStart"], i["fields"]["timeEnd"]) for i in items if i["kind"] == "play"]
        assert plays[0] == (0.0, 20.0) and plays[1] == (0.0, 30.5) and plays[-1] == (120.0, DURATION)
        events = [i["fields"]["event"] for i in items if i["kind"] == "event"]
        assert events == ["load", "callToActionClick", "subtitlesActivated"]


def test_live_plays_count_in_the_extract_totals(served_url):
    player = stream_session("individual")
    for url in player.sent:
        called_back(*get(served_url, url))
    auth = OAuth1(READ["consumer_key"], READ["consumer_secret"], READ["access_token"], READ["access_token_secret"],
                  timestamp=str(NOW_TS))
    response = requests.get(f"{served_url}{PLAY_TOTALS}", params={"format": "json", "raw": "", "photo_id": "5001",
                                                           "date_start": "2024-03-01"}, auth=auth, timeout=5)
    totals = response.json()["analytics"]["daily"][0]["totals"]
    assert totals["plays"] == float(len(player.sent)) and totals["plays"] >= 5
