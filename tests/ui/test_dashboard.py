"""The dashboard in a real browser (headless Chromium): journal, faults, scenario, clock, tenants, token."""

from __future__ import annotations

import re

import pytest
import requests

expect = pytest.importorskip("playwright.sync_api",
                             reason="playwright is not installed: pip install 'playwright>=1.40,<2'").expect

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'


def open_dashboard(page, server, path: str = "/_emulator/ui"):
    page.goto(server.url + path)
    expect(page.locator("#connection")).to_have_text("live")
    return page


def rows(page):
    return page.locator("#journal-table tbody tr")


def fault_card(page, rule_id: str):
    return page.locator(f'#fault-list li[data-id="{rule_id}"]')


# -- journal ---------------------------------------------------------------------------------------
def test_requests_appear_live_and_open_in_details(serve, page, screenshot):
    server = serve()
    open_dashboard(page, server)
    expect(page.locator("#journal-empty")).to_be_visible()

    requests.get(f"{server.url}/fake/echo", params={"q": "1"})
    requests.post(f"{server.url}/fake/items/apple", json={"colour": "red"})
    requests.get(f"{server.url}/fake/missing")

    expect(rows(page)).to_have_count(3)
    expect(rows(page).nth(0)).to_contain_text("/fake/missing")  # newest first
    expect(rows(page).nth(0)).to_contain_text("404")
    expect(rows(page).nth(2)).to_contain_text("/fake/echo?q=1")

    rows(page).nth(1).click()
    detail = page.locator("#entry-detail")
    expect(detail).to_be_visible()
    expect(page.locator("#detail-title")).to_have_text(re.compile(r"#2 POST /fake/items/apple"))
    expect(detail).to_contain_text('"colour": "red"')
    expect(detail).to_contain_text("application/json")
    expect(detail).to_contain_text("curl -g -i -X POST")
    screenshot(page, "journal.png")


def test_journal_filters(serve, page):
    server = serve()
    for path in ("/fake/echo", "/fake/echo", "/fake/nowhere"):
        requests.get(server.url + path)
    requests.post(f"{server.url}/fake/items/pear")
    open_dashboard(page, server)
    expect(rows(page)).to_have_count(4)

    page.fill("#filter-path", "/fake/items/*")
    expect(rows(page)).to_have_count(1)
    page.fill("#filter-path", "echo")
    expect(rows(page)).to_have_count(2)
    page.fill("#filter-path", "")

    page.fill("#filter-status", "4xx")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("/fake/nowhere")
    page.fill("#filter-status", "200, 404")
    expect(rows(page)).to_have_count(4)
    page.fill("#filter-status", "nonsense")
    expect(page.locator("#filter-status")).to_have_class(re.compile("invalid"))
    page.fill("#filter-status", "")

    page.select_option("#filter-api", "fake")
    expect(rows(page)).to_have_count(4)
    page.select_option("#filter-fault", "*")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#journal-empty")).to_have_text("No request passes these filters.")


def test_a_long_journal_shows_its_newest_page(serve, page):
    server = serve()
    requests.get(f"{server.url}/fake/echo")
    state = requests.get(f"{server.url}/_emulator/state").json()
    template = state["journal"]["entries"][0]
    state["journal"]["entries"] = [{**template, "id": i, "query": {"n": str(i)}} for i in range(1, 701)]
    assert requests.put(f"{server.url}/_emulator/state", json=state).status_code == 200
    open_dashboard(page, server)
    expect(rows(page)).to_have_count(500)
    expect(rows(page).first).to_contain_text("n=700")
    expect(page.locator("#journal-count")).to_contain_text("500 shown of 500 · 200 older not loaded")
    requests.get(f"{server.url}/fake/echo", params={"n": "next"})
    expect(rows(page).first).to_contain_text("n=next")
    expect(rows(page).first.locator("td").first).to_have_text("701")


def test_a_hostile_entry_renders_as_text(serve, page):
    server = serve()
    requests.post(f"{server.url}/fake/items/x", params={"q": HOSTILE}, data=HOSTILE.encode(),
                  headers={"X-Evil": '<b onmouseover="window.__pwned = 3">bold</b>', "Content-Type": "text/html"})
    requests.get(f"{server.url}/fake/<img src=x onerror=window.__pwned=4>")
    open_dashboard(page, server)
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first).to_contain_text("/fake/<img src=x onerror=window.__pwned=4>")

    rows(page).nth(1).click()
    body = page.locator("#detail-body")
    expect(body).to_contain_text(HOSTILE)
    expect(body).to_contain_text('<b onmouseover="window.__pwned = 3">bold</b>')
    page.locator("#detail-body td", has_text="onmouseover").hover()
    assert page.locator("main script, main img, main b").count() == 0
    assert page.evaluate("window.__pwned") is None


# -- faults ----------------------------------------------------------------------------------------
def test_a_preset_fault_added_in_the_page_fires(serve, page):
    server = serve()
    open_dashboard(page, server)
    page.fill("#scope-path", "/fake/echo")
    page.click("#presets button:text-is('503 ×2')")
    card = fault_card(page, "fault-1")
    expect(card).to_contain_text("status 503")
    expect(card).to_contain_text("/fake/echo")
    expect(card).to_contain_text("fired 0 of 2")
    rule = requests.get(f"{server.url}/_emulator/faults").json()["items"][0]
    assert rule["match"] == {"path": "/fake/echo"} and rule["times"] == 2

    assert requests.get(f"{server.url}/fake/echo").status_code == 503
    expect(card).to_contain_text("fired 1 of 2")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("503")
    expect(rows(page).first.locator("td.fault")).to_have_text("fault-1")

    requests.get(f"{server.url}/fake/echo")
    requests.get(f"{server.url}/fake/echo")  # the rule is spent: this one goes through
    expect(card).to_contain_text("fired 2 of 2")
    expect(card).to_contain_text("spent")
    card.locator("button", has_text="requests").click()
    expect(page.locator("#filter-fault")).to_have_value("fault-1")
    expect(rows(page)).to_have_count(2)

    card.locator("button.remove").click()
    expect(page.locator("#fault-list li")).to_have_count(0)
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 0


def test_a_connection_fault_shows_no_status(serve, page):
    server = serve()
    open_dashboard(page, server)
    page.click("#presets button:text-is('Reset')")
    expect(fault_card(page, "fault-1")).to_contain_text("fired 0 of 1")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/fake/echo")
    expect(fault_card(page, "fault-1")).to_contain_text("fired 1 of 1")
    expect(rows(page).first.locator(".status")).to_have_text("reset")


def test_the_json_editor_adds_rules_and_shows_errors(serve, page):
    server = serve()
    open_dashboard(page, server)
    page.click("#faults summary")
    page.fill("#fault-json", "{not json")
    page.click("#fault-add")
    expect(page.locator("#fault-error")).to_contain_text("Not JSON")

    page.fill("#fault-json", '{"action": {"kind": "status"}}')
    page.click("#fault-add")
    expect(page.locator("#fault-error")).to_contain_text("status")
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 0

    page.fill("#fault-json", '{"id": "slow", "match": {"api": "any"}, "action": {"kind": "latency", "ms": 50}}')
    page.click("#fault-add")
    expect(page.locator("#fault-error")).to_be_hidden()
    expect(fault_card(page, "slow")).to_contain_text("latency 50 ms")
    page.click("#presets button:text-is('Rate limit')")
    expect(page.locator("#fault-list li")).to_have_count(2)

    page.click("#faults-clear")
    expect(page.locator("#fault-list li")).to_have_count(0)
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 0


# -- scenario, clock, reset, tenants -------------------------------------------------------------------
def test_scenario_switcher_shows_validation_messages_inline(serve, page):
    server = serve()
    open_dashboard(page, server)
    expect(page.locator("#scenario-name")).to_have_text("ui-test")
    expect(page.locator("#scenario-select option")).not_to_have_count(0)

    page.select_option("#scenario-select", "default")  # has vendor sections the fake-only server rejects
    page.click("#scenario-form button[type=submit]")
    errors = page.locator("#scenario-error li")
    expect(errors.first).to_contain_text("twentythree")

    page.click("#scenario summary")
    page.fill("#scenario-doc", "name: broken\nseed: nope\n")
    page.click("#scenario-doc-load")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text('<document>:2: seed: expected an integer, got "nope"')
    expect(page.locator("#scenario-name")).to_have_text("ui-test")

    page.fill("#scenario-doc", "name: other\ndescription: loaded from the page\nseed: 9\nfake: {greeting: yo}\n")
    page.click("#scenario-doc-load")
    expect(page.locator("#scenario-name")).to_have_text("other")
    expect(page.locator("#scenario-seed")).to_have_text("seed 9")
    expect(page.locator("#scenario-error")).to_be_hidden()
    assert requests.get(f"{server.url}/_emulator/scenario").json()["name"] == "other"


def test_clock_advance_and_reset(serve, page):
    server = serve()
    requests.get(f"{server.url}/fake/echo")
    requests.post(f"{server.url}/_emulator/faults", json={"action": {"kind": "status", "status": 500}})
    open_dashboard(page, server)
    clock = page.locator("#clock-now")
    expect(clock).to_have_text("2024-03-01 12:00:00Z")
    expect(page.locator("#clock-mode")).to_have_text("frozen")

    page.click("[data-advance='3600']")
    expect(clock).to_have_text("2024-03-01 13:00:00Z")
    page.fill("#advance-seconds", "90")
    page.press("#advance-seconds", "Enter")
    expect(clock).to_have_text("2024-03-01 13:01:30Z")
    assert requests.get(f"{server.url}/_emulator/clock").json()["now"] == "2024-03-01T13:01:30.000Z"

    expect(rows(page)).to_have_count(1)
    expect(page.locator("#fault-list li")).to_have_count(1)
    page.click("#reset-button")
    expect(clock).to_have_text("2024-03-01 12:00:00Z")
    expect(rows(page)).to_have_count(0)
    expect(page.locator("#fault-list li")).to_have_count(0)


def test_the_journal_follows_a_reset_made_elsewhere(serve, page):
    server = serve()
    for _ in range(3):
        requests.get(f"{server.url}/fake/echo")
    open_dashboard(page, server)
    expect(rows(page)).to_have_count(3)
    requests.post(f"{server.url}/_emulator/reset")  # journal ids start again at 1
    expect(rows(page)).to_have_count(0)
    requests.get(f"{server.url}/fake/echo", params={"after": "reset"})
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("after=reset")

    requests.post(f"{server.url}/_emulator/reset")  # and at once more requests than were held before
    for n in range(4):
        requests.get(f"{server.url}/fake/echo", params={"n": str(n)})
    expect(rows(page)).to_have_count(4)
    expect(rows(page).last).to_contain_text("n=0")

    requests.delete(f"{server.url}/_emulator/requests")
    expect(rows(page)).to_have_count(0)


def test_the_tenant_selector_scopes_every_control_call(serve, page):
    server = serve()
    requests.get(f"{server.url}/fake/echo", params={"who": "default"})
    requests.get(f"{server.url}/fake/echo", params={"who": "t1"}, headers={"X-Emulator-Tenant": "t1"})
    open_dashboard(page, server)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("who=default")

    page.fill("#tenant-input", "bad tenant!")
    page.press("#tenant-input", "Enter")
    expect(page.locator("#notice")).to_contain_text("tenant name")

    page.fill("#tenant-input", "t1")
    page.press("#tenant-input", "Enter")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("who=t1")
    expect(page.locator("#tenant-count")).to_contain_text("t1")
    page.click("#presets button:text-is('500 once')")
    expect(page.locator("#fault-list li")).to_have_count(1)
    assert requests.get(f"{server.url}/_emulator/faults", headers={"X-Emulator-Tenant": "t1"}).json()["total"] == 1
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 0
    assert page.evaluate("sessionStorage.getItem('emulator.tenant')") == "t1"

    page.reload()
    expect(page.locator("#tenant-input")).to_have_value("t1")
    expect(rows(page).first).to_contain_text("who=t1")


def test_the_page_asks_for_the_control_token(serve, page):
    server = serve(control_token="s3cret")
    assert requests.get(f"{server.url}/_emulator/ui").status_code == 200
    assert requests.get(f"{server.url}/_emulator/ui/static/app.js").status_code == 200
    requests.get(f"{server.url}/fake/echo")
    page.goto(server.url + "/_emulator/ui")
    dialog = page.locator("#token-dialog")
    expect(dialog).to_be_visible()

    page.fill("#token-input", "wrong")
    page.press("#token-input", "Enter")
    expect(page.locator("#token-message")).to_contain_text("refused")
    expect(dialog).to_be_visible()

    page.fill("#token-input", "s3cret")
    page.press("#token-input", "Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#connection")).to_have_text("live")
    expect(rows(page)).to_have_count(1)
    assert page.evaluate("sessionStorage.getItem('emulator.controlToken')") == "s3cret"

    page.reload()  # the token is kept for the tab: no second prompt
    expect(page.locator("#connection")).to_have_text("live")
    expect(dialog).to_be_hidden()


# -- vendor panels ---------------------------------------------------------------------------------
def test_no_vendor_panel_for_a_vendor_not_served(serve, page):
    """The panels come from the served vendors: with the fake vendor alone (no panel) there is none."""
    server = serve()
    open_dashboard(page, server)
    expect(page.locator("#scope-api option")).to_have_text(["any", "fake"])
    expect(page.locator(".panel.vendor")).to_have_count(0)
    expect(page.locator("#tt-status")).to_have_count(0)
    expect(page.locator("#av-status")).to_have_count(0)
    expect(page.locator("#presets button", has_text="23 Video")).to_have_count(0)


def test_vendor_panels_with_the_real_vendors(serve, page, screenshot):
    server = serve(real=True)
    base = server.url
    played = requests.get(f"{base}/api/analytics/report/play", headers={"Referer": "http://localhost/"},
                          params={"photo_id": "1001", "timeStart": "0", "format": "json"})
    assert played.status_code == 200
    open_dashboard(page, server)
    # each vendor's panel, from its own package, in its column; its fault preset among the page's
    expect(page.locator(".column.side #panel-twentythree h2")).to_have_text("23 Video reports")
    expect(page.locator(".column.wide #panel-apivideo h2")).to_have_text("api.video sessions")
    expect(page.locator("#scope-api option")).to_have_text(["any", "apivideo", "twentythree"])
    expect(page.locator("#presets button", has_text="23 Video error")).to_have_count(1)

    # 23 Video: the recorded report, and new ones as they come
    tt_rows = page.locator("#tt-table tbody tr")
    expect(tt_rows).to_have_count(1)
    expect(tt_rows.first).to_contain_text("1001")
    requests.get(f"{base}/api/analytics/report/play", headers={"Referer": "http://localhost/"},
                 params={"photo_id": "2002", "timeStart": "5", "format": "json"})
    expect(tt_rows).to_have_count(2)
    expect(tt_rows.first).to_contain_text("2002")
    tt_rows.first.click()
    expect(page.locator("#tt-detail")).to_contain_text('"timeStart"')

    # api.video: videos of the scenario, a video's sessions, a session's events on a timeline
    expect(page.locator("#av-counts")).to_contain_text("sessions")
    video = page.locator("#av-videos tbody tr", has_text="video")
    expect(video).to_have_count(1)
    video.click()
    sessions = page.locator("#av-sessions tbody tr")
    expect(sessions.first).to_be_visible()
    expect(page.locator("#av-sessions-title")).to_have_text(re.compile(r"^\d+ session\(s\) of "))
    expect(page.locator("#av-page")).to_have_text(re.compile(r"page 1 of \d+"))
    sessions.first.click()
    expect(page.locator("#av-timeline-title")).to_have_text(re.compile(r"^\d+ event\(s\) of ps"))
    expect(page.locator("#av-timeline .marker").first).to_be_visible()
    expect(page.locator("#av-events li").first).to_contain_text("ready")

    # a fault from the page fires on the code under test's next report
    page.fill("#scope-path", "/api/analytics/report/*")
    page.click("#presets button:text-is('503 ×2')")
    expect(fault_card(page, "fault-1")).to_contain_text("fired 0 of 2")
    failed = requests.get(f"{base}/api/analytics/report/play", headers={"Referer": "http://localhost/"},
                          params={"photo_id": "3003", "timeStart": "9", "format": "json"})
    assert failed.status_code == 503
    expect(fault_card(page, "fault-1")).to_contain_text("fired 1 of 2")

    # the dashboard's own api.video calls are journaled, but hidden unless asked for
    expect(page.locator("#journal-count")).to_contain_text("from the dashboard hidden")
    expect(rows(page)).to_have_count(3)
    rows(page).first.click()
    expect(page.locator("#detail-body")).to_contain_text("fault-1")
    screenshot(page, "dashboard.png", keep=True)
    page.uncheck("#filter-own")
    expect(page.locator("#journal-table tbody tr", has_text="/auth/api-key")).to_have_count(1)

    # a failing vendor route degrades to a message in the panel
    requests.post(f"{base}/_emulator/faults",
                  json={"match": {"path": "/analytics/videos/*"}, "action": {"kind": "status", "status": 500}})
    video.click()
    expect(page.locator("#av-status")).to_contain_text("Sessions unavailable")
    expect(page.locator("#av-status")).to_contain_text("500")
