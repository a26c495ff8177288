"""The dashboard's api.video metrics view (emulator/apivideo/dashboard/metrics.js, in its panel), in headless Chromium.

A player's test plays, sent through the v2 collector, land in the chart and the breakdown table,
which read /data/* like any client.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (test dependency)").expect

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/120.0.0.0 Safari/537.36")


def watch(base: str, pid: str, now_ms: int) -> None:
    body = {"sat": now_ms, "sid": "tab-ui", "mid": "viUiMetrics01", "pid": pid, "ref": "https://shop.example/",
            "ver": "0.1.0", "eve": [{"eat": now_ms - 9000, "typ": 1, "vti": 0}, {"eat": now_ms - 8000, "typ": 2, "vti": 0},
                                    {"eat": now_ms - 1000, "typ": 3, "vti": 7}]}
    r = requests.post(f"{base}/watch", data=json.dumps(body), headers={"Content-Type": "text/plain", "User-Agent": CHROME})
    assert r.status_code == 200


def test_test_plays_land_in_the_metrics_view(serve, page):
    server = serve(real=True)
    page.goto(server.url + "/_emulator/ui")
    expect(page.locator("#connection")).to_have_text("live")
    expect(page.locator("#avm-status")).to_have_text("No plays in this window yet.")
    now_ms = int(time.time() * 1000)  # the default scenario runs on the real clock
    watch(server.url, "pb-1", now_ms)
    watch(server.url, "pb-2", now_ms)
    page.select_option("#avm-breakdown", "browser")
    row = page.locator("#avm-table tbody tr", has_text="chrome")
    expect(row).to_have_count(1)
    expect(row.locator("td.num")).to_have_text("2")
    expect(page.locator('#avm-chart .lane[data-metric="play"]')).to_have_attribute("data-points", "1")
    expect(page.locator('#avm-chart .lane[data-metric="play"] .bar')).to_have_count(1)
    expect(page.locator("#avm-chart .legend")).to_contain_text("plays: 2")
    expect(page.locator("#avm-chart .legend")).to_contain_text("impressions: 2")
    page.select_option("#avm-breakdown", "referrer")
    expect(page.locator("#avm-table tbody tr", has_text="https://shop.example/")).to_have_count(1)
    page.select_option("#avm-window", "7d")
    expect(page.locator("#avm-chart .legend")).to_contain_text("plays: 2")
