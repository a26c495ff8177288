"""The tenant URL prefix (emulator/tenancy.py): ``/_tenant/NAME/rest`` is ``/rest`` for tenant NAME.

For code that cannot add a header: the prefix moves into ``SCRIPT_NAME`` so the links the emulator
builds keep it. First the middleware's rewriting on its own, then what a client sees over HTTP.
"""

from __future__ import annotations

import pytest

from emulator.app import create_app
from emulator.tenancy import TenantPrefix
from fakevendor import CORE_SCENARIO, FAKE_VENDOR


def rewrite(path: str, **environ: str) -> dict:
    """The environ the wrapped app receives for a request to ``path``."""
    seen: dict = {}

    def app(env, start_response):
        seen.update(env)
        start_response("204 No Content", [])
        return [b""]

    body = TenantPrefix(app)({"PATH_INFO": path, **environ}, lambda status, headers: None)
    assert list(body) == [b""]
    return seen


def test_the_prefix_becomes_the_tenant_header_and_moves_into_script_name():
    env = rewrite("/_tenant/acme/fake/items/x")
    assert env["HTTP_X_EMULATOR_TENANT"] == "acme"
    assert env["SCRIPT_NAME"] == "/_tenant/acme"
    assert env["PATH_INFO"] == "/fake/items/x"


def test_a_mount_point_already_in_script_name_stays_in_front():
    env = rewrite("/_tenant/acme/fake/echo", SCRIPT_NAME="/mounted")
    assert env["SCRIPT_NAME"] == "/mounted/_tenant/acme"
    assert env["PATH_INFO"] == "/fake/echo"


def test_the_prefix_alone_is_the_root_of_the_tenant():
    env = rewrite("/_tenant/acme")
    assert (env["HTTP_X_EMULATOR_TENANT"], env["PATH_INFO"]) == ("acme", "/")


def test_the_prefix_wins_over_a_tenant_header_sent_as_well():
    assert rewrite("/_tenant/acme/x", HTTP_X_EMULATOR_TENANT="other")["HTTP_X_EMULATOR_TENANT"] == "acme"


@pytest.mark.parametrize("path", ["/fake/echo", "/_tenants/acme/x", "/x/_tenant/acme/y", ""])
def test_other_paths_pass_untouched(path):
    env = rewrite(path)
    assert env["PATH_INFO"] == path
    assert "HTTP_X_EMULATOR_TENANT" not in env and "SCRIPT_NAME" not in env


@pytest.fixture
def client():
    return create_app(CORE_SCENARIO, vendors=[FAKE_VENDOR]).test_client()


def test_over_http_the_prefixed_url_and_the_header_reach_the_same_tenant(client):
    assert client.post("/_tenant/acme/fake/items/a").get_json() == {"items": ["a"]}
    assert client.post("/fake/items/b", headers={"X-Emulator-Tenant": "acme"}).get_json() == {"items": ["a", "b"]}
    assert client.post("/fake/items/c").get_json() == {"items": ["c"]}  # the default tenant is apart
    journal = client.get("/_tenant/acme/_emulator/requests").get_json()["items"]
    assert [entry["path"] for entry in journal] == ["/fake/items/a", "/fake/items/b"]


def test_over_http_a_bad_name_in_the_prefix_is_refused_in_the_control_format(client):
    answer = client.get("/_tenant/bad%20name/_emulator/requests")
    assert answer.status_code == 400
    assert "X-Emulator-Tenant must be 1-64 characters" in answer.get_json()["error"]
