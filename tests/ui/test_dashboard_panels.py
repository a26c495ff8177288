"""A vendor's dashboard panel in headless Chromium: declared by the vendor, loaded and fed by the page.

The fake vendor with tests/ui/panels/panel.js exercises the whole contract of docs/dashboard.md:
its module (and one it imports) loads, it mounts into a section of its own, it hears of the
vendor's counts, the scenario and resets, its fault presets join the page's, and its vendor calls
are the dashboard's own in the journal.
"""

from __future__ import annotations

import pytest
import requests

from .support import BROKEN_PANEL_VENDOR, MISSING_PANEL_VENDOR, PANEL_VENDOR

expect = pytest.importorskip("playwright.sync_api",
                             reason="playwright is not installed: pip install 'playwright>=1.40,<2'").expect


def open_dashboard(page, server):
    page.goto(server.url + "/_emulator/ui")
    expect(page.locator("#connection")).to_have_text("live")


def test_a_panel_declared_by_a_vendor_is_loaded_and_fed(serve, page):
    server = serve(vendor=PANEL_VENDOR)
    open_dashboard(page, server)
    panel = page.locator(".column.side #panel-fake.panel.vendor")
    expect(panel.locator("h2")).to_have_text("The fake panel")  # from the module beside the panel
    expect(page.locator("#fake-greeting")).to_have_text("hi")     # the vendor's section of the scenario
    expect(page.locator("#fake-items")).to_have_text("items 0")   # the vendor's counts in /_emulator/ready

    requests.post(f"{server.url}/fake/items/pear")
    expect(page.locator("#fake-items")).to_have_text("items 1")

    page.click("#fake-add")  # a vendor call from the panel: journaled as the dashboard's own
    expect(page.locator("#fake-answer")).to_have_text("200 for default")
    expect(page.locator("#fake-items")).to_have_text("items 2")
    expect(page.locator("#journal-table tbody tr")).to_have_count(1)
    expect(page.locator("#journal-count")).to_contain_text("1 from the dashboard hidden")
    page.uncheck("#filter-own")
    expect(page.locator("#journal-table tbody tr", has_text="/fake/items/from-panel")).to_have_count(1)

    page.fill("#scope-method", "get")  # the panel's preset, scoped like the page's own
    page.click("#presets button:text-is('Fake 429')")
    expect(page.locator('#fault-list li[data-id="fault-1"]')).to_contain_text("rate limit")
    rule = requests.get(f"{server.url}/_emulator/faults").json()["items"][0]
    assert rule["match"] == {"path": "/fake/*", "method": "GET"} and rule["action"]["kind"] == "rate_limit"
    assert requests.get(f"{server.url}/fake/echo").status_code == 429

    page.click("#scenario summary")  # a new scenario: the panel is reset and reads its section again
    page.fill("#scenario-doc", "name: other\nseed: 1\nfake: {greeting: yo}\n")
    page.click("#scenario-doc-load")
    expect(page.locator("#scenario-name")).to_have_text("other")
    expect(page.locator("#fake-greeting")).to_have_text("yo")
    expect(page.locator("#fake-resets")).to_have_text("1")
    expect(page.locator("#fake-items")).to_have_text("items 0")

    page.fill("#tenant-input", "t2")  # another tenant: reset again, and the panel's calls carry it
    page.press("#tenant-input", "Enter")
    expect(page.locator("#fake-resets")).to_have_text("2")
    page.click("#fake-add")
    expect(page.locator("#fake-answer")).to_have_text("200 for t2")
    assert requests.get(f"{server.url}/_emulator/ready", headers={"X-Emulator-Tenant": "t2"}).json()[
        "counts"]["fake"] == {"items": 1}


@pytest.mark.parametrize(("vendor", "message"), [(BROKEN_PANEL_VENDOR, "this panel is broken"),
                                                 (MISSING_PANEL_VENDOR, "import")], ids=["mount", "import"])
def test_a_panel_that_fails_leaves_the_rest_of_the_dashboard_working(serve, page, vendor, message):
    server = serve(vendor=vendor)
    open_dashboard(page, server)
    expect(page.locator("#panel-fake .error")).to_contain_text("This vendor's panel did not load: ")
    expect(page.locator("#panel-fake .error")).to_contain_text(message)
    requests.get(f"{server.url}/fake/echo")
    expect(page.locator("#journal-table tbody tr")).to_have_count(1)
    page.click("#presets button:text-is('500 once')")
    expect(page.locator("#fault-list li")).to_have_count(1)
