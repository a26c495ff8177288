"""Fixtures of the 23 Video tests: an app with only this vendor, from the scenario in support.py."""

from __future__ import annotations

import pytest
import requests

from .support import make_app, make_extract_app


@pytest.fixture
def tt_app():
    return make_app()


@pytest.fixture
def tt_client(tt_app):
    return tt_app.test_client()


@pytest.fixture(scope="module")
def extract_server():
    """A real server (emulator.serving.BackgroundServer) on the extract scenario, for a module's tests."""

    running = make_extract_app().serve()
    yield running
    running.stop()


@pytest.fixture
def served_url(extract_server) -> str:
    """That server's URL, reset before the test."""
    requests.post(f"{extract_server.url}/_emulator/reset", timeout=5).raise_for_status()
    return extract_server.url
