"""The `twentythree:` scenario section: schema, semantic checks, bundled scenarios."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from emulator.app import create_app
from emulator.scenario import ScenarioError, bundled_names

from .support import DOWNLOAD, EVENT, make_app

DL = {"photo_id": "1", "session_id": "s", "bytes_total": "1"}


def code(response) -> str | None:
    return ET.fromstring(response.get_data()).get("code")


def test_whitelist_rejection_scenario_refuses_loopback():
    assert "twentythree-whitelist-rejection" in bundled_names()
    client = create_app("twentythree-whitelist-rejection").test_client()
    for ip in ("127.0.0.1", "::1"):
        assert code(client.get(DOWNLOAD, query_string=DL, environ_base={"REMOTE_ADDR": ip})) == "permission_denied"
    assert code(client.get(DOWNLOAD, query_string=DL, environ_base={"REMOTE_ADDR": "192.0.2.5"})) is None
    assert code(client.get(EVENT, query_string={"photo_id": "1", "event": "load"})) is None


def test_oauth_scenario_is_bundled_with_read_credentials_and_history():
    assert "twentythree-oauth" in bundled_names()
    site = create_app("twentythree-oauth").extensions["emulator"].store.base.prepared["twentythree"].sites[0]
    assert {c.permission_level for c in site.credentials} == {"read", "admin"}
    assert {d.photo_id for d in site.history} == {"1001", "1002", "1003"}


def test_default_scenario_is_open_on_localhost():
    client = create_app("default").test_client()
    for ip in ("127.0.0.1", "::1"):
        assert code(client.get(DOWNLOAD, query_string=DL, environ_base={"REMOTE_ADDR": ip})) is None
    assert code(client.get(EVENT, query_string={"photo_id": "987654", "event": "load"})) is None


def test_yaml_numbers_are_read_as_typed():
    app = make_app("""
name: typed
twentythree:
  sites:
    - domain: videos.example.com
      site_id: 0123
      photos: [1001, 1002]
""")
    client = app.test_client()
    data = client.get(EVENT, query_string={"photo_id": "1001", "event": "load", "raw": ""}).get_json()
    assert data["site"]["site_id"] == "0123"
    assert code(client.get(EVENT, query_string={"photo_id": "1003", "event": "load"})) == "no_such_photo"


def test_absent_section_serves_an_open_localhost_site():
    client = make_app({"name": "bare"}).test_client()
    assert code(client.get(DOWNLOAD, query_string=DL)) is None


@pytest.mark.parametrize(("yaml_section", "line", "words"), [
    ("    - domain: a.example.com\n      whitelist:\n        - server: 300.0.0.1/8\n", 7, "CIDR"),
    ("    - domain: a.example.com\n      whitelist:\n        - {server: 10.0.0.0/8, domain: [x]}\n", 7,
     "did you mean 'domains'"),
    ("    - domain: a.example.com\n      photos: [abc]\n", 6, "numeric id"),
    ("    - domain: a.example.com:8023\n", 5, "without scheme or port"),
    ("    - site_name: nameless\n", 5, "domain"),
    ("    - domain: a.example.com\n      session_cookies: ['bad cookie']\n", 6, "cookie name"),
    ("    - domain: a.example.com\n    - domain: A.example.com\n", 6, "already used"),
])
def test_section_errors_name_the_line(yaml_section, line, words):
    text = f"name: broken\nseed: 1\ntwentythree:\n  sites:\n{yaml_section}"
    with pytest.raises(ScenarioError) as info:
        make_app(text)
    message = str(info.value)
    assert f"<document>:{line}:" in message and words in message, message


def test_empty_sites_list_is_refused():
    with pytest.raises(ScenarioError, match="sites"):
        make_app({"name": "x", "twentythree": {"sites": []}})
