"""A real browser plays on a page of another origin; the official client reads the session back.

The page (player_page.html) is served by a tiny http.server on its own port, so its fetches to the
emulator are cross-origin: Chromium sends the CORS preflight and refuses answers without the
headers, exactly as for a developer's page. Skipped, saying why, without Chromium or Playwright
(CI installs Debian's chromium; Playwright's own browser downloads are never used).
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from apivideo_data import SCENARIO, VIDEO

pytest_plugins = ("apivideo_support",)  # its fixtures: make_app, av_client, bearer...

PAGE = Path(__file__).with_name("player_page.html").read_bytes()
TENANT = "browser"
SEARCH = "https://www.google.com/search?q=emulated+video"


@pytest.fixture(scope="module")
def chromium(headless_chromium):
    """Headless Chromium (Debian's), or a skip that says what is missing."""
    return headless_chromium


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.split("?")[0] != "/player.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def page_origin() -> Iterator[str]:
    """A static site on 127.0.0.1 with a port of its own: another origin than the emulator."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize("legacy", [True, False], ids=["module-1.0.3-json-preflight", "module-1.0.9-text-plain"])
def test_a_browser_play_reads_back_through_the_official_client(chromium, page_origin, make_app,
                                                               live_server_factory, legacy):
    apivideo = pytest.importorskip("apivideo", reason="pip install 'api.video==1.3.0' (test dependency)")
    from apivideo.apis import RawStatisticsApi

    app = make_app(SCENARIO)
    emulator = live_server_factory(app).url + f"/_tenant/{TENANT}"  # a page cannot set X-Emulator-Tenant
    assert emulator.split("/_tenant")[0] != page_origin

    context = chromium.new_context()
    tab = context.new_page()
    errors: list = []
    elsewhere: list = []
    tab.on("pageerror", lambda error: errors.append(error))
    tab.on("request", lambda r: None if r.url.startswith("http://127.0.0.1:") else elsewhere.append(r.url))
    try:
        tab.goto(page_origin + "/player.html", referer=SEARCH)
        result = tab.evaluate("([collector, video, legacy]) => window.playOnce(collector, video, legacy)",
                              [emulator, VIDEO, legacy])
    finally:
        context.close()
    assert not errors and not elsewhere, (errors, elsewhere)
    session_id = result["sessionId"]
    assert result["replies"] == [{"session": session_id}] * 3

    # the browser really went through CORS: three beacons from the page's origin, after a
    # preflight when they were typed application/json
    journal = app.test_client().get("/_emulator/requests?path=/vod", headers={
        "X-Emulator-Tenant": TENANT}).get_json()["items"]
    assert ("OPTIONS" in [e["method"] for e in journal]) is legacy
    posts = [e for e in journal if e["method"] == "POST"]
    assert len(posts) == 3 and all(e["status"] == 200 for e in posts)
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
    assert [e.type for e in events] == ["ready", "play", "pause", "seek.forward", "resume", "end"]
    assert [getattr(e, "at", None) for e in events] == [0, 0, 12, None, 40, 61]
    assert (events[3]._from, events[3].to) == (12, 40)
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
    assert session.os.name == "GNU/Linux" and "Chrome" in session.client.name
    assert session.client.type == "browser"
