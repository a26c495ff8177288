"""The control plane against web pages and foreign traffic (docs/security.md).

DNS rebinding (Host allow-list), cross-site request forgery (Origin / Sec-Fetch-Site), and
tenant eviction by traffic without the control token. Mostly over HTTP against a served process,
as a browser or a script would send the requests.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests

from emulator.app import create_app
from emulator.client import EmulatorClient
from emulator.hosts import is_loopback, matches, normalize_pattern, split_host
from fakevendor import CORE_SCENARIO, FAKE_VENDOR

# The issue's reproducer: a "simple" request (no preflight) planting a page under the emulator's origin.
PWN_RULE = {"id": "pwn", "match": {"path": "/fake/pwn"},
            "action": {"kind": "status", "status": 200, "headers": {"Content-Type": "text/html"},
                       "body": "<script>fetch('/_emulator/state')</script>"}}
TEXT_PLAIN = {"Content-Type": "text/plain;charset=UTF-8"}


@pytest.fixture
def serve(live_server_factory):
    def start(scenario=None, **settings):
        return live_server_factory(create_app(scenario or CORE_SCENARIO, vendors=[FAKE_VENDOR], **settings))
    return start


@pytest.fixture
def server(serve):
    return serve()


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


# -- DNS rebinding: the Host allow-list -------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1.nip.io:{port}", "evil.example",
                                  "localhost.evil.example", "10.0.0.7:{port}", "[fd00::1]:{port}", "0.0.0.0",
                                  "[::ffff:10.0.0.1]", "bad host", "[::1"])
def test_a_foreign_host_cannot_read_the_state(server, host):
    host = host.format(port=port_of(server))
    response = requests.get(server.url + "/_emulator/state", headers={"Host": host})
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert "DNS rebinding" in error and "--allowed-host" in error and "apivideo" not in response.text


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LOCALHOST.:{port}", "127.0.0.1:{port}",
                                  "127.1.2.3", "[::1]:{port}", "[::ffff:127.0.0.1]:{port}", "app.localhost:{port}"])
def test_loopback_names_and_addresses_reach_the_control_api(server, host):
    host = host.format(port=port_of(server))
    assert requests.get(server.url + "/_emulator/state", headers={"Host": host}).status_code == 200


def test_the_refusal_names_the_option_that_allows_the_host(server):
    error = requests.get(server.url + "/_emulator/faults", headers={"Host": "emulator.internal:8023"}).json()["error"]
    assert "'emulator.internal:8023'" in error and "start it with --allowed-host emulator.internal " in error


@pytest.mark.parametrize("path", ["/_emulator/ui", "/_emulator/ui/static/app.js", "/_emulator/requests",
                                  "/_emulator/openapi.json", "/_emulator/no-such-route"])
def test_the_dashboard_and_every_control_route_check_the_host(server, path):
    assert requests.get(server.url + path, headers={"Host": "evil.example"}).status_code == 403
    assert requests.get(server.url + path).status_code != 403


def test_vendor_routes_answer_any_host(server):
    response = requests.get(server.url + "/fake/echo", headers={"Host": "videos.example.com"})
    assert response.status_code == 200 and response.json()["greeting"] == "hi"


def test_probes_answer_any_host(server):
    """Orchestrators probe by the machine's address (a Kubernetes probe sends Host: <pod IP>)."""
    assert requests.get(server.url + "/_emulator/health", headers={"Host": "10.1.2.3:8023"}).status_code == 200
    assert requests.get(server.url + "/_emulator/ready", headers={"Host": "10.1.2.3:8023"}).status_code == 200


def test_allowed_hosts_add_names_wildcards_and_addresses(serve):
    server = serve(allowed_hosts=["Emulator.Internal", "*.ci.example", "192.168.1.5", "[fd00::1]"])
    for host, status in [("emulator.internal:8023", 200), ("EMULATOR.internal", 200), ("runner-7.ci.example", 200),
                         ("a.b.ci.example:1", 200), ("ci.example", 403), ("evilci.example", 403),
                         ("192.168.1.5:8023", 200), ("192.168.1.6", 403), ("[fd00::1]:8023", 200),
                         ("[fd00:0::1]", 200), ("localhost", 200), ("emulator.internal.evil.example", 403)]:
        got = requests.get(server.url + "/_emulator/requests", headers={"Host": host}).status_code
        assert got == status, host


def test_a_star_allows_any_host(serve):
    server = serve(allowed_hosts=["*"])
    assert requests.get(server.url + "/_emulator/state", headers={"Host": "anything.example"}).status_code == 200


@pytest.mark.parametrize("entries, message", [
    ("emulator.internal", "expected a list of host names"),
    (["emulator.internal:8023"], "without a port"),
    (["http://emulator.internal"], "is not a host name"),
    ([""], "is not a host name"),
    (["*example.com"], "is not a host name"),
    (["a..b"], "is not a host name"),
    ([8023], "expected host names (strings)"),
])
def test_a_bad_allowed_host_fails_at_start(entries, message):
    with pytest.raises(ValueError, match="allowed_hosts") as caught:
        create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], allowed_hosts=entries)
    assert message in str(caught.value)


def test_host_parsing_and_matching():
    assert split_host("[::1]:8023") == ("::1", 8023)
    assert split_host("Example.COM.:80") == ("example.com", 80)
    assert split_host("localhost") == ("localhost", None)
    for bad in ("", ":80", "host:port", "[::1]x", "."):
        with pytest.raises(ValueError):
            split_host(bad)
    assert is_loopback("127.255.0.1") and is_loopback("::1") and is_loopback("x.localhost")
    assert not is_loopback("localhost.example") and not is_loopback("128.0.0.1") and not is_loopback("::2")
    patterns = tuple(normalize_pattern(p) for p in ["*.Example.test", "2001:DB8::1"])
    assert patterns == ("*.example.test", "2001:db8::1")
    assert matches("a.example.test", patterns) and matches("2001:db8:0::1", patterns)
    assert not matches("example.test", patterns) and not matches("1.example.test.evil", patterns)
    assert matches("x", ("*",)) and not matches("x", ("*",), any_host=False)


def test_the_flask_test_client_client_and_plugin_defaults_pass(server):
    """The test client's default Host is localhost; EmulatorClient (and the plugin) speak to 127.0.0.1."""
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR])
    assert app.test_client().post("/_emulator/reset").status_code == 200
    client = EmulatorClient(server.url)
    rule = client.faults.add(path="/fake/echo", status=503)
    assert [item["id"] for item in client.faults.list()] == [rule.id]
    assert client.reset()["status"] == "reset"


# -- cross-site request forgery --------------------------------------------------------------------
def test_the_issues_text_plain_attack_is_refused(server):
    """curl -X POST .../_emulator/faults -H 'Origin: http://evil.example' -H 'Content-Type: text/plain'."""
    response = requests.post(server.url + "/_emulator/faults", data=json.dumps(PWN_RULE),
                             headers={"Origin": "http://evil.example", **TEXT_PLAIN})
    assert response.status_code == 403
    assert "Origin 'http://evil.example' is not the emulator's own origin" in response.json()["error"]
    assert requests.get(server.url + "/_emulator/faults").json()["total"] == 0
    assert requests.get(server.url + "/fake/pwn").status_code == 404  # nothing was planted


def test_the_issues_attack_without_origin_but_with_fetch_metadata_is_refused(server):
    """An auto-submitted <form enctype="text/plain"> from another site: Sec-Fetch-Site says so."""
    response = requests.post(server.url + "/_emulator/faults", data=json.dumps(PWN_RULE),
                             headers={"Sec-Fetch-Site": "cross-site", **TEXT_PLAIN})
    assert response.status_code == 403 and "Sec-Fetch-Site is 'cross-site'" in response.json()["error"]
    assert requests.get(server.url + "/_emulator/faults").json()["total"] == 0


@pytest.mark.parametrize("method, path", [("POST", "/_emulator/reset"), ("DELETE", "/_emulator/faults"),
                                          ("DELETE", "/_emulator/requests"), ("PUT", "/_emulator/clock"),
                                          ("PUT", "/_emulator/scenario"), ("PUT", "/_emulator/state"),
                                          ("DELETE", "/_emulator/tenant"), ("PATCH", "/_emulator/faults")])
@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Origin": "http://localhost:3000"}, {"Origin": "http://127.0.0.1:1{port}"},
                                     {"Sec-Fetch-Site": "same-site"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"}])
def test_every_change_from_another_site_is_refused(server, method, path, headers):
    headers = {k: v.format(port=port_of(server)) for k, v in headers.items()}
    requests.get(server.url + "/fake/echo")
    response = requests.request(method, server.url + path, data="{}", headers=headers)
    assert response.status_code == 403 and response.json()["error"].startswith("cross-site request refused")
    assert requests.get(server.url + "/_emulator/requests").json()["total"] == 1  # nothing was reset


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://127.0.0.1:{port}"}, {"Origin": "http://localhost:{port}"},
                                     {"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:{port}"},
                                     {"Sec-Fetch-Site": "none"}])
def test_changes_from_scripts_and_the_own_origin_pass(server, headers):
    port = port_of(server)
    headers = {k: v.format(port=port) for k, v in headers.items()}
    if "localhost" in headers.get("Origin", ""):
        headers["Host"] = f"localhost:{port}"
    response = requests.post(server.url + "/_emulator/faults", data=json.dumps(PWN_RULE),
                             headers={**TEXT_PLAIN, **headers})
    assert response.status_code == 201


def test_reads_from_another_site_are_not_refused(server):
    """A cross-origin page cannot read a GET answer (no CORS): refusing it would only break links."""
    assert requests.get(server.url + "/_emulator/ui", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_an_origin_of_an_allowed_host_passes_behind_a_proxy(serve):
    server = serve(allowed_hosts=["emulator.example.com"])
    response = requests.post(server.url + "/_emulator/reset", headers={"Origin": "https://emulator.example.com"})
    assert response.status_code == 200
    star = serve(allowed_hosts=["*"])  # any Host, but never any Origin
    assert requests.post(star.url + "/_emulator/reset", headers={"Origin": "http://evil.example"}).status_code == 403


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_d_without_a_content_type_keeps_working(server):
    """The README's own examples: `curl -d '{...}'` sends application/x-www-form-urlencoded."""
    rule = json.dumps({"match": {"path": "/fake/echo"}, "action": {"kind": "status", "status": 503}})
    done = subprocess.run(["curl", "-sS", "-d", rule, server.url + "/_emulator/faults"],
                          capture_output=True, text=True, timeout=30)
    assert json.loads(done.stdout)["action"] == {"kind": "status", "status": 503}
    assert requests.get(server.url + "/fake/echo").status_code == 503


def test_collector_cors_stays_open_to_any_page(live_server_factory):
    server = live_server_factory(create_app("default"))
    preflight = requests.options(server.url + "/vod", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type", "Sec-Fetch-Site": "cross-site"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    beacon = requests.post(server.url + "/vod", data="{}", headers={
        "Origin": "https://shop.example", "Sec-Fetch-Site": "cross-site", "Host": "player.example"})
    assert beacon.status_code == 400 and beacon.headers["Access-Control-Allow-Origin"] == "https://shop.example"


# -- tenants: traffic without the token cannot evict tokened work ---------------------------------
TOKEN = {"Authorization": "Bearer s3cret"}


def tokened_app(max_tenants: int = 4):
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], control_token="s3cret", max_tenants=max_tenants)
    app.test_client().get("/fake/echo")  # the default tenant (never evicted) takes its slot
    return app


def test_anonymous_churn_does_not_evict_a_tokened_tenant():
    """The issue's reproducer: 300 GET /_tenant/churnN/... after a tokened client added a fault rule."""
    app = tokened_app()
    client = app.test_client()
    added = client.post("/_emulator/faults", json={"match": {"path": "/fake/echo"},
                                                   "action": {"kind": "status", "status": 503}},
                        headers={**TOKEN, "X-Emulator-Tenant": "work"})
    assert added.status_code == 201
    for n in range(300):
        assert client.get(f"/_tenant/churn{n}/fake/echo").status_code == 200
    assert client.get("/_tenant/work/fake/echo").status_code == 503  # the rule is still there
    listing = client.get("/_emulator/tenants", headers=TOKEN)
    names = [item["name"] for item in listing.get_json()["items"]]
    assert "work" in names and "default" in names and len(names) == 4
    assert listing.headers["X-Emulator-Tenants-Evicted"] == str(300 - 2)  # anonymous ones only


def test_anonymous_traffic_gets_a_clear_error_when_every_slot_is_pinned():
    client = tokened_app(max_tenants=3).test_client()
    for name in ("a", "b"):
        assert client.post("/_emulator/reset", headers={**TOKEN, "X-Emulator-Tenant": name}).status_code == 200
    response = client.get("/_tenant/stranger/fake/echo")
    assert response.status_code == 400
    assert "pinned" in response.get_json()["error"] and "DELETE /_emulator/tenant" in response.get_json()["error"]
    assert client.get("/_tenant/a/fake/echo").status_code == 200  # existing tenants still answer anyone
    client.delete("/_emulator/tenant", headers={**TOKEN, "X-Emulator-Tenant": "b"})  # dropping unpins
    assert client.get("/_tenant/stranger/fake/echo").status_code == 200


def test_a_tokened_request_evicts_the_least_recently_used_tenant_when_all_are_pinned():
    app = tokened_app(max_tenants=3)
    client = app.test_client()
    for name in ("a", "b", "c"):
        client.post("/_emulator/reset", headers={**TOKEN, "X-Emulator-Tenant": name})
    store = app.extensions["emulator"].store
    assert store.names() == ["default", "b", "c"] and store.evicted == 1


def test_a_vendor_request_into_a_pinned_tenant_keeps_it_pinned():
    app = tokened_app(max_tenants=3)
    client = app.test_client()
    client.get("/_emulator/ready", headers={**TOKEN, "X-Emulator-Tenant": "work"})
    client.post("/_tenant/work/fake/items/x")
    for n in range(5):
        client.get(f"/_tenant/anon{n}/fake/echo")
    store = app.extensions["emulator"].store
    assert store.is_pinned("work") and "work" in store.names()
    assert client.get("/_emulator/ready", headers={**TOKEN, "X-Emulator-Tenant": "work"}).get_json()["counts"] == \
        {"fake": {"items": 1}}


def test_without_a_token_the_store_is_a_plain_lru():
    app = create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR], max_tenants=2)
    client = app.test_client()
    client.get("/fake/echo")
    client.post("/_emulator/reset", headers={"X-Emulator-Tenant": "work"})
    client.get("/_tenant/other/fake/echo")
    store = app.extensions["emulator"].store
    assert store.names() == ["default", "other"] and not store.is_pinned("other")
