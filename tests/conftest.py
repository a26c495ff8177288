"""Shared fixtures: an app per test from the factory, as Flask's own tests do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from emulator.app import create_app
from emulator.serving import BackgroundServer
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


@pytest.fixture
def core_app():
    """An app with only the fake vendor: tests of the core machinery."""
    return create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR])


@pytest.fixture
def core_client(core_app):
    return core_app.test_client()


@pytest.fixture
def app():
    """The real emulator with the default scenario (pytest-flask's `client` uses this)."""
    return create_app("default")


@pytest.fixture
def live_server_factory() -> Iterator:
    """Start real servers on free ports for the test; stop them afterwards."""
    servers: list[BackgroundServer] = []

    def start(flask_app) -> BackgroundServer:
        server = flask_app.serve()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    assert not [server for server in servers if server.thread.is_alive()]


@pytest.fixture(scope="session")
def headless_chromium():
    """One headless Chromium for the whole run (Playwright's sync API cannot be started twice at once)."""
    from browsers import launched_chromium

    with launched_chromium() as browser:
        yield browser
