"""The dashboard and the control API against hostile input and hostile pages, in headless Chromium.

* The "Reproduce" curl command of a journal entry whose method, path, headers and body are shell
  code: run through ``sh -c`` it hands curl exactly the recorded values and executes nothing.
* A page on a name rebound to 127.0.0.1 cannot read the control API (DNS rebinding).
* A page of another site that auto-submits a ``text/plain`` form to /_emulator/faults (the
  issue's CSRF into stored script) plants nothing; the dashboard itself still changes state.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests

expect = pytest.importorskip("playwright.sync_api",
                             reason="playwright is not installed: pip install 'playwright>=1.40,<2'").expect

# Each would create a file named pwned-N in the shell's working directory if it ran.
METHOD = "X;touch pwned-1;#$(touch pwned-2)`touch pwned-3`"
PATH = "/fake/a'b$(touch pwned-4){1,2}[0-9]"
HEADER = ("X-Evil", "it's $(touch pwned-5); touch pwned-6 \\ \"quoted\"")
BODY = "'; touch pwned-7; echo '\n$(touch pwned-8) `touch pwned-9` !! ~ *"
# Records each argument curl would get, NUL-terminated, instead of running curl.
RECORD_ARGS = 'curl() { for arg in "$@"; do printf "%s\\0" "$arg"; done; }\n'


def open_dashboard(page, server):
    page.goto(server.url + "/_emulator/ui")
    expect(page.locator("#connection")).to_have_text("live")


def hostile_entry(server) -> dict:
    """A journal entry with shell code in every part, put in through a state import (as a save file could)."""
    requests.post(f"{server.url}/fake/items/seed", data="x")
    state = requests.get(f"{server.url}/_emulator/state").json()
    entry = state["journal"]["entries"][0]
    entry.update(method=METHOD, path=PATH, query={"q": "it's;$(touch pwned-10)"}, body=BODY,
                 headers={"Host": "ignored", HEADER[0]: HEADER[1], "Content-Type": "text/plain"})
    assert requests.put(f"{server.url}/_emulator/state", json=state).status_code == 200
    return entry


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX shell")
def test_the_reproduce_command_is_safe_to_paste(serve, page, tmp_path):
    server = serve()
    hostile_entry(server)
    open_dashboard(page, server)
    page.locator("#journal-table tbody tr").first.click()
    reproduce = page.locator("#detail-body pre", has_text="curl ").last
    expect(reproduce).to_contain_text("-X")
    command = reproduce.inner_text()

    done = subprocess.run(["sh", "-c", RECORD_ARGS + command], cwd=tmp_path, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing ran
    args = done.stdout.decode().split("\0")[:-1]
    query = "q=it%27s%3B%24%28touch+pwned-10%29"
    assert args[:5] == ["-g", "-i", "-X", METHOD, f"{server.url}{PATH}?{query}"]
    assert args[5:] == ["-H", f"{HEADER[0]}: {HEADER[1]}", "-H", "Content-Type: text/plain", "--data-raw", BODY]


def test_an_ordinary_command_stays_readable(serve, page):
    server = serve()
    requests.post(f"{server.url}/fake/items/apple", json={"colour": "red"}, headers={"User-Agent": "demo/1"})
    open_dashboard(page, server)
    page.locator("#journal-table tbody tr").first.click()
    command = page.locator("#detail-body pre", has_text="curl ").last.inner_text()
    assert command.startswith(f"curl -g -i -X POST {server.url}/fake/items/apple -H 'User-Agent: demo/1' ")
    assert command.endswith(""" --data-raw '{"colour": "red"}'""")


# -- cross-site request forgery from a real page ----------------------------------------------------
ATTACK_PAGE = """<!doctype html><title>cute cats</title>
<form id="f" method="POST" enctype="text/plain" action="{target}">
<input name='{{"id":"pwn","match":{{"path":"/fake/pwn"}},"action":{{"kind":"status","status":200,"headers":{{"Content-Type":"text/html"}},"body":"<script>1</script>' value='"}}}}'>
</form><script>document.getElementById("f").submit()</script>"""


def test_a_foreign_page_cannot_plant_a_fault(serve, browser):
    """The issue's attack end to end: a top-level, auto-submitted text/plain form, no click needed."""
    server = serve()
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.route("http://evil.example/**", lambda route: route.fulfill(
            status=200, content_type="text/html", body=ATTACK_PAGE.format(target=f"{server.url}/_emulator/faults")))
        with tab.expect_response(f"{server.url}/_emulator/faults") as answer:
            tab.goto("http://evil.example/cats")
        response = answer.value
        assert response.status == 403
        assert "cross-site request refused" in json.loads(response.text())["error"]
        sent = response.request.all_headers()
        assert sent["content-type"].startswith("text/plain") and sent["origin"] == "http://evil.example"
    finally:
        context.close()
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 0
    assert requests.get(f"{server.url}/fake/pwn").status_code == 404


def test_the_dashboard_still_changes_state(serve, page):
    """Its own requests are same-origin: adding a rule from the page works (Origin and Sec-Fetch-Site sent)."""
    server = serve()
    open_dashboard(page, server)
    with page.expect_request(f"{server.url}/_emulator/faults") as sent:
        page.click("#presets button:text-is('500 once')")
    headers = sent.value.all_headers()
    assert headers["origin"] == server.url
    expect(page.locator("#fault-list li")).to_have_count(1)
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 1


# -- DNS rebinding from a real page, and the dashboard on localhost -------------------------------
REBIND_PAGE = """<!doctype html><title>rebound</title><script>
window.result = fetch("/_emulator/state").then(async (r) => ({status: r.status, text: await r.text()}));
</script>"""


def test_a_rebound_page_cannot_read_the_state(serve, browser):
    """A name the attacker points at 127.0.0.1 after the page loaded: the page is "same-origin" with the emulator.

    Chromium's resolver maps ``rebind.example`` to 127.0.0.1 (what the attacker's DNS would answer
    the second time); the attacker's page itself is served by a route, as its first answer would be.
    Recent Chromium blocks a public page's requests to loopback itself (Local Network Access), but
    not every browser does, nor one whose user allowed local network access: that check is off here.
    """
    from browsers import CHROMIUM, CHROMIUM_ARGS

    server = serve()
    port = server.url.rsplit(":", 1)[1]
    rebinding = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + ["--host-resolver-rules=MAP rebind.example 127.0.0.1",
                                                    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests"])
    try:
        tab = rebinding.new_page()
        tab.route(f"http://rebind.example:{port}/attack",
                  lambda route: route.fulfill(status=200, content_type="text/html", body=REBIND_PAGE))
        tab.goto(f"http://rebind.example:{port}/attack")
        result = tab.evaluate("window.result")
    finally:
        rebinding.close()
    assert result["status"] == 403, result
    assert "DNS rebinding" in json.loads(result["text"])["error"] and "sandbox-key" not in result["text"]


def test_the_dashboard_works_on_localhost(serve, browser):
    server = serve()
    url = server.url.replace("127.0.0.1", "localhost")
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(url + "/_emulator/ui")
        expect(tab.locator("#connection")).to_have_text("live")
        tab.click("#presets button:text-is('500 once')")
        expect(tab.locator("#fault-list li")).to_have_count(1)
    finally:
        context.close()
    assert requests.get(f"{server.url}/_emulator/faults").json()["total"] == 1
