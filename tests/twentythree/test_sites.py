"""Sites: defaults, Host selection, catalogue and whitelist matching (emulator/twentythree/models.py)."""

from __future__ import annotations

import json

import pytest

from emulator.twentythree.models import build_site, build_sites, check_section, host_name, parse_ip

from .support import SCENARIO, fixture_json

SITES = build_sites(SCENARIO["twentythree"])


@pytest.mark.parametrize(("header", "name"), [
    ("localhost", "localhost"),
    ("localhost:8023", "localhost"),
    ("Videos.Example.COM", "videos.example.com"),
    ("videos.example.com.", "videos.example.com"),
    ("videos.example.com:443", "videos.example.com"),
    ("[::1]:8023", "::1"),
    ("[::1]", "::1"),
    ("127.0.0.1:80", "127.0.0.1"),
    ("", ""),
    (None, ""),
])
def test_host_name(header, name):
    assert host_name(header) == name


@pytest.mark.parametrize(("header", "domain"), [
    ("localhost:8023", "localhost"),
    ("videos.example.com", "videos.example.com"),
    ("VIDEOS.example.com:8023", "videos.example.com"),
    ("secure.example.com", "videos.example.com"),
    ("unknown.example.org", "localhost"),
    (None, "localhost"),
])
def test_site_for_host(header, domain):
    assert SITES.for_host(header).domain == domain


def test_site_object_in_capture_order_with_scenario_values():
    site = SITES.for_host("videos.example.com").site_object()
    assert list(site) == list(fixture_json("site-capture.json"))
    assert site["site_id"] == "654321" and site["site_name"] == "Closed Catalogue"
    assert site["secure_domain"] == "secure.example.com" and site["product_key"] == "tube"
    assert all(isinstance(v, str) for v in site.values())


def test_defaults_are_deterministic_strings():
    a, b = build_site({"domain": "a.example.com"}), build_site({"domain": "a.example.com"})
    assert a == b
    assert a.site_id.isdigit() and a.site_name == "a.example.com" and a.secure_domain == "a.example.com"
    assert a.session_cookies == ("session_id", "ad_session_id")
    assert a.photos is None and a.whitelist == ()
    json.dumps(a.site_object())


def test_catalogue():
    open_site, closed = SITES.sites
    assert open_site.has_photo("999999")
    assert closed.has_photo("1001") and not closed.has_photo("1003")


@pytest.mark.parametrize(("ip", "allowed"), [
    ("127.0.0.1", True),
    ("127.0.0.2", False),
    ("10.20.0.1", True),
    ("10.20.255.254", True),
    ("10.21.0.1", False),
    ("::1", True),
    ("2001:db8::1", True),
    ("2001:db8:ffff::42", True),
    ("2001:db9::1", False),
    ("::ffff:127.0.0.1", True),   # IPv4-mapped IPv6 is the IPv4 address
    ("::ffff:10.20.1.1", True),
    ("fe80::1%eth0", False),
    ("not-an-ip", False),
    ("", False),
    (None, False),
])
def test_whitelist_on_open_site(ip, allowed):
    assert SITES.for_host("localhost").allows_server(ip) is allowed


def test_whitelist_is_per_domain():
    closed = SITES.for_host("videos.example.com")
    assert closed.allows_server("127.0.0.1")
    assert not closed.allows_server("10.20.0.1")   # that entry lists only localhost
    assert not closed.allows_server("::1")


def test_entry_without_domains_means_the_sites_own_domain_and_star_means_any():
    own = build_site({"domain": "a.example.com", "whitelist": [{"server": "192.0.2.0/24"}]})
    assert own.allows_server("192.0.2.7")
    other = build_site({"domain": "b.example.com", "whitelist": [{"server": "192.0.2.0/24", "domains": ["x.org"]}]})
    assert not other.allows_server("192.0.2.7")
    star = build_site({"domain": "b.example.com", "whitelist": [{"server": "192.0.2.0/24", "domains": ["*"]}]})
    assert star.allows_server("192.0.2.7")


def test_host_bits_in_a_cidr_are_accepted():
    site = build_site({"domain": "a.example.com", "whitelist": [{"server": "10.0.0.5/24"}]})
    assert site.allows_server("10.0.0.200")


def test_no_whitelist_allows_nobody():
    assert not build_site({"domain": "a.example.com"}).allows_server("127.0.0.1")


def test_parse_ip():
    assert str(parse_ip("::ffff:192.0.2.1")) == "192.0.2.1"
    assert parse_ip("bogus") is None


def test_absent_section_gives_an_open_localhost_site():
    site = build_sites(None).for_host("anything")
    assert site.domain == "localhost" and site.photos is None
    assert site.allows_server("127.0.0.1") and site.allows_server("::1")


def test_check_section_finds_bad_servers_and_duplicate_domains():
    problems = check_section({"sites": [
        {"domain": "a.example.com", "whitelist": [{"server": "300.1.1.1"}, {"server": "10.0.0.0/8"}]},
        {"domain": "A.example.com"},
    ]})
    assert [path for path, _ in problems] == [("sites", 0, "whitelist", 0, "server"), ("sites", 1, "domain")]
    assert "300.1.1.1" in problems[0][1]
