"""Headless Chromium for the browser tests (dashboard, player beacons): one way to launch it.

Debian's package (`apt-get install -y chromium chromium-driver`, which .ci/run does) driven by
Playwright for Python; Playwright's own browser downloads are never used. Without either, the
caller's test skips and says which one is missing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("EMULATOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextlib.contextmanager
def launched_chromium() -> Iterator:
    """A running headless Chromium (a Playwright Browser), closed on exit; pytest.skip if missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install 'playwright>=1.40,<2'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium chromium-driver "
                    "(or set EMULATOR_CHROMIUM to its path)")
    sync_api.expect.set_options(timeout=10_000)  # generous: CI machines can be busy
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
