"""Fixtures of the dashboard tests: a served emulator with the ui blueprint, and headless Chromium.

The browser is the Debian package's Chromium (`apt-get install -y chromium chromium-driver`) driven
by Playwright for Python; Playwright's own browser downloads are never used. Without either, the
browser tests skip and say which one is missing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from emulator.app import create_app
from fakevendor import FAKE_VENDOR

from .support import FAKE_SCENARIO

VIEWPORT = {"width": 1440, "height": 1000}
# Set to a path (e.g. docs/dashboard.png) to keep the screenshot of the real-vendor test there too.
SCREENSHOT_COPY = os.environ.get("EMULATOR_UI_SCREENSHOT")


@pytest.fixture
def serve(live_server_factory):
    """Start an emulator with the dashboard: the fake vendor by default (or ``vendor``), ``real=True`` for both vendors."""

    def start(scenario=None, *, real: bool = False, vendor=FAKE_VENDOR, **settings):
        if real:
            try:
                app = create_app(scenario or "default", **settings)
            except ImportError as exc:
                pytest.skip(f"the real vendors are not importable yet: {exc}")
        else:
            app = create_app(scenario or FAKE_SCENARIO, vendors=[vendor], **settings)
        return live_server_factory(app)

    return start


@pytest.fixture(scope="session")
def browser(headless_chromium):
    """The run's headless Chromium (skips when Chromium or playwright is missing)."""
    return headless_chromium


@pytest.fixture
def page(browser):
    """A fresh browser tab (own storage); the test fails on a JavaScript error or a request elsewhere."""
    context = browser.new_context(viewport=VIEWPORT)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list = []
    foreign: list = []
    tab.on("pageerror", lambda error: errors.append(error))
    tab.on("request", lambda request: None if request.url.startswith(("http://127.0.0.1:", "data:"))
           else foreign.append(request.url))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not foreign, f"the page must work offline, yet it asked for {foreign}"


@pytest.fixture
def screenshot(tmp_path):
    """Save a full-page screenshot under the test's tmp path (and to EMULATOR_UI_SCREENSHOT when asked)."""

    def take(tab, name: str = "dashboard.png", keep: bool = False) -> Path:
        path = tmp_path / name
        tab.screenshot(path=str(path), full_page=True)
        if keep and SCREENSHOT_COPY:
            shutil.copyfile(path, SCREENSHOT_COPY)
        return path

    return take
