"""A real browser plays a real <video> on a page of another origin; the official client reads the session back.

The page (player_page.html) wires the <video> element's events to the api.video player analytics
module exactly as the module's README says, and the module is the real one, installed from the npm
registry (versions 1.0.7 and 1.0.9, the ones published; tests/support/npm_packages.py), except for the
JSON-with-preflight style of 1.0.0-1.0.6, no longer published, which the page imitates. The page
is served by a tiny http.server on its own port, so its fetches to the emulator are cross-origin:
Chromium sends the CORS preflight where one is due and refuses answers without the headers,
exactly as for a developer's page. Skipped, saying why, without Chromium, Playwright or npm (CI
installs Debian's chromium; Playwright's own browser downloads are never used).
"""
from __future__ import annotations

import io
import threading
import wave
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from emulator.apivideo.useragents import wait_warm
from npm_packages import installed

from .support import SCENARIO, VIDEO

PAGE = Path(__file__).with_name("player_page.html").read_bytes()
TENANT = "browser"
SEARCH = "https://www.google.com/search?q=emulated+video"


@pytest.fixture(scope="module")
def chromium(headless_chromium):
    """Headless Chromium (Debian's), or a skip that says what is missing."""
    return headless_chromium


CLIP_SECONDS = 4


def silent_wav(seconds: int = CLIP_SECONDS, rate: int = 8000) -> bytes:
    """A silent PCM WAV: a media file a <video> element plays in any Chromium build."""
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(b"\0\0" * rate * seconds)
    return out.getvalue()


def page_server(module_js: bytes) -> ThreadingHTTPServer:
    """The test page, the player analytics module and the clip, on 127.0.0.1 and a port of its own."""
    files = {"/player.html": (PAGE, "text/html; charset=utf-8"),
             "/player-analytics.js": (module_js, "text/javascript; charset=utf-8"),
             "/clip.wav": (silent_wav(), "audio/wav")}

    class PageHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            found = files.get(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            body, content_type = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)


@pytest.fixture(params=["1.0.3-imitated", "1.0.7", "1.0.9"])
def module_version(request) -> str:
    return request.param


@pytest.fixture
def page_origin(module_version) -> Iterator[str]:
    """A static site on 127.0.0.1 with a port of its own: another origin than the emulator."""
    module_js = b"/* no module: the page imitates 1.0.0-1.0.6 */"
    if not module_version.endswith("imitated"):
        module_js = (installed("@api.video/player-analytics", module_version) / "dist" / "index.js").read_bytes()
    server = page_server(module_js)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_a_browser_play_reads_back_through_the_official_client(chromium, page_origin, module_version, make_app,
                                                               live_server_factory):
    apivideo = pytest.importorskip("apivideo", reason="pip install 'api.video==1.3.0' (test dependency)")
    from apivideo.apis import RawStatisticsApi

    legacy = module_version.endswith("imitated")
    app = make_app(SCENARIO)
    # a first reply held up by the user-agent rules compiling would make the module send its next
    # pings without the session id (a second session): the app compiles them in the background
    assert wait_warm(120)
    emulator = live_server_factory(app).url + f"/_tenant/{TENANT}"  # a page cannot set X-Emulator-Tenant
    assert emulator.split("/_tenant")[0] != page_origin

    context = chromium.new_context()
    tab = context.new_page()
    errors: list = []
    elsewhere: list = []
    tab.on("pageerror", lambda error: errors.append(error))
    tab.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1:", "blob:http://127.0.0.1:"))
           else elsewhere.append(r.url))
    try:
        tab.goto(page_origin + "/player.html", referer=SEARCH)
        result = tab.evaluate("([collector, video, legacy]) => window.playOnce(collector, video, legacy)",
                              [emulator, VIDEO, legacy])
    finally:
        context.close()
    assert not errors and not elsewhere, (errors, elsewhere)
    assert result["fired"] == ["loadedmetadata", "play", "pause", "seeked", "play", "pause", "ended"]
    assert result["duration"] == CLIP_SECONDS
    [session_id] = result["sessions"]

    # the browser really went through CORS: one beacon per ready, pause, pause, end, from the page's
    # origin, after a preflight only when they were typed application/json
    journal = app.test_client().get("/_emulator/requests?path=/vod", headers={
        "X-Emulator-Tenant": TENANT}).get_json()["items"]
    assert ("OPTIONS" in [e["method"] for e in journal]) is legacy
    posts = [e for e in journal if e["method"] == "POST"]
    assert len(posts) == 4 and all(e["status"] == 200 for e in posts)
    assert all(e["headers"]["Origin"] == page_origin for e in posts)
    assert all(e["headers"]["Content-Type"].startswith("application/json" if legacy else "text/plain")
               for e in posts)

    today = datetime.now(timezone.utc).date()
    period = f"{today - timedelta(days=1)}/{today + timedelta(days=1)}"
    client = apivideo.AuthenticatedApiClient("sandbox-key")
    client.configuration.host = emulator
    with client:
        api = RawStatisticsApi(client)
        events = api.list_session_events(session_id).data
        sessions = api.list_video_sessions(VIDEO, period, page_size=100).data
    assert [e.type for e in events] == ["ready", "play", "pause", "seek.forward", "resume", "pause", "end"]
    ready, play, pause, seek, resume, last_pause, end = events
    assert ready.at == play.at == 0
    assert 1 <= pause.at <= seek._from < seek.to == 2 <= resume.at, (pause.at, seek._from, seek.to, resume.at)
    assert last_pause.at == end.at == CLIP_SECONDS
    assert [e.emitted_at for e in events] == sorted(e.emitted_at for e in events)

    mine = [s for s in sessions if s.session.session_id == session_id]
    assert len(mine) == 1
    session = mine[0]
    assert session.session.ended_at == events[-1].emitted_at
    assert session.session.loaded_at <= events[0].emitted_at
    assert [(m.key, m.value) for m in session.session.metadata] == [("Author", "Test Page")]
    assert result["referrer"] == SEARCH  # the page was opened from a search: document.referrer
    assert (session.referrer.url, session.referrer.medium, session.referrer.source, session.referrer.search_term) \
        == (SEARCH, "organic", "https://www.google.com", "emulated video")
    assert (session.device.type, session.os.name, session.client.name) == ("desktop", "GNU/Linux", "Headless Chrome")
    assert session.client.type == "browser"
