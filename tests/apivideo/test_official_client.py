"""The vendor's own Python client (api.video 1.3.0, the last with RawStatisticsApi) against a real server.

The client deserialises strictly: an unknown key, a wrong null or a wrong type raises. Every
body it receives also goes through the contract hook of ``make_app``.
"""
from __future__ import annotations

import time

import pytest

apivideo = pytest.importorskip("apivideo", reason="pip install 'api.video==1.3.0' (test dependency)")
from apivideo.apis import RawStatisticsApi
from apivideo.exceptions import ApiException, NotFoundException

from emulator.apivideo.period import parse_period
from emulator.apivideo.timefmt import to_ms

from .support import EXPLICIT_SESSION, LIVE, SCENARIO, VIDEO


@pytest.fixture
def server(make_app, live_server_factory):
    app = make_app(SCENARIO)
    return app, live_server_factory(app)


def connected(url: str, key: str = "sandbox-key", production: bool = False):
    client = apivideo.AuthenticatedApiClient(key, production=production)
    client.configuration.host = url  # the emulator instead of sandbox.api.video
    return client


def all_pages(call, **kwargs) -> list:
    """Page through a listing as a client application does, following pagesTotal."""
    items, page = [], 1
    while True:
        response = call(current_page=page, page_size=10, **kwargs)
        items += response.data
        assert response.pagination.current_page == page
        if page >= response.pagination.pages_total:
            return items
        page += 1


def test_official_client_end_to_end(server):
    app, running = server
    with connected(running.url) as client:
        api = RawStatisticsApi(client)

        sessions = all_pages(api.list_video_sessions, video_id=VIDEO, period="2024")
        assert len(sessions) == 121
        loaded = [s.session.loaded_at for s in sessions]
        assert loaded == sorted(loaded)
        explicit = next(s for s in sessions if s.session.session_id == EXPLICIT_SESSION)
        assert (explicit.location.country, explicit.location.city) == ("France", "Paris")
        assert explicit.client.version == "120.0" and explicit.os.shortname == "W10"
        assert any(s.location.city is None for s in sessions) or any(s.referrer.url is None for s in sessions)

        tutorial = all_pages(api.list_video_sessions, video_id=VIDEO, period="2024",
                             metadata={"Format": "Tutorial", "Author": "John Doe"})
        assert 0 < len(tutorial) < len(sessions)
        for s in tutorial:
            pairs = {(m.key, m.value) for m in s.session.metadata}
            assert {("Format", "Tutorial"), ("Author", "John Doe")} <= pairs

        for period in ("2024-01-24", "2024-W04", "2024-02", "2024", "2024-01-20/2024-02-05"):
            listed = all_pages(api.list_video_sessions, video_id=VIDEO, period=period)
            bounds = parse_period(period)
            assert listed and all(to_ms(s.session.loaded_at) in bounds for s in listed), period

        live = all_pages(api.list_live_stream_sessions, live_stream_id=LIVE, period="2024-02")
        assert len(live) == 40

        events = api.list_session_events(EXPLICIT_SESSION).data
        assert [e.type for e in events] == ["ready", "play", "seek.forward", "end"]
        assert (events[2]._from, events[2].to) == (57, 90)
        generated = api.list_session_events(live[3].session.session_id, page_size=100).data
        assert generated[0].type == "ready"

        with pytest.raises(NotFoundException):
            api.list_video_sessions("viUnknown", "2024")
        with pytest.raises(NotFoundException):
            api.list_live_stream_sessions("liUnknown", "2024")
        with pytest.raises(NotFoundException):
            api.list_session_events("psUnknown")
        with pytest.raises(ApiException) as bad:
            api.list_video_sessions(VIDEO, "2024-13")
        assert bad.value.status == 400

    # the client refreshes its token when the block ends: that call must succeed too
    journal = []
    for _ in range(50):
        journal = app.test_client().get("/_emulator/requests?path=/auth/*").get_json()["items"]
        if any(e["path"] == "/auth/refresh" for e in journal):
            break
        time.sleep(0.1)
    assert [e["path"] for e in journal] == ["/auth/api-key", "/auth/refresh"]
    assert all(e["status"] == 200 for e in journal)
    assert journal[0]["headers"]["Av-Origin-Client"] == "python:1.3.0"


def test_official_client_with_a_wrong_key(server):
    _, running = server
    client = connected(running.url, key="not-a-key")
    with pytest.raises(ApiException) as refused:
        client.connect()
    assert refused.value.status == 400 and b"authenticationinvalid_credentials" in refused.value.body
