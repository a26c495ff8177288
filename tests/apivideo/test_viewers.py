"""What a beacon's request says about the viewer: referrer split, platform from the User-Agent, location."""
from __future__ import annotations

import pytest

from emulator.apivideo.referrers import split_referrer
from emulator.apivideo.viewers import platform, read_locations, viewer_address

from .support import CHROME_WINDOWS, SAFARI_IPHONE

U = "unknown"


@pytest.mark.parametrize("referrer, medium, source, term", [
    ("https://www.google.com/search?q=video+hosting", "organic", "https://www.google.com", "video hosting"),
    ("https://www.google.co.uk/", "organic", "https://www.google.co.uk", U),
    ("https://www.google.com/aclk?gclid=x&q=shoes", "paid", "https://www.google.com", "shoes"),
    ("https://www.bing.com/search?q=a%20b", "organic", "https://www.bing.com", "a b"),
    ("https://duckduckgo.com/", "organic", "https://duckduckgo.com", U),
    ("https://search.yahoo.com/search?p=cats", "organic", "https://search.yahoo.com", "cats"),
    ("https://yandex.ru/search/?text=kot", "organic", "https://yandex.ru", "kot"),
    ("https://t.co/abc", "social", "https://t.co", U),
    ("https://m.facebook.com/story", "social", "https://m.facebook.com", U),
    ("https://www.linkedin.com/feed/", "social", "https://www.linkedin.com", U),
    ("https://x.example.com/page", "referral", "https://x.example.com", U),
    ("https://blog.example.org:8443/p?q=not-a-search", "referral", "https://blog.example.org:8443", U),
    ("HTTPS://Example.ORG/", "referral", "https://example.org", U),
])
def test_referrers(referrer, medium, source, term):
    assert split_referrer(referrer, live=False) == {"url": referrer, "medium": medium, "source": source,
                                                    "searchTerm": term}


@pytest.mark.parametrize("referrer", ["", "   ", "android-app://com.google.android.gm/", "http://[::1", "about:blank"])
def test_no_web_referrer(referrer):
    for live in (False, True):
        got = split_referrer(referrer, live)
        assert got["medium"] == got["source"] == got["searchTerm"] == U
        if referrer.strip():
            assert got["url"] == referrer
        else:
            assert got["url"] == (U if live else None)


@pytest.mark.parametrize("agent, device, os, client", [
    (CHROME_WINDOWS, ("desktop", U, U), ("Microsoft Windows", "W10", "Windows10"), ("browser", "Chrome", "120.0.0.0")),
    (SAFARI_IPHONE, ("smartphone", "Apple", "iPhone"), ("iOS", "IOS", "17.2"), ("browser", "Mobile Safari", "17.2")),
    ("Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile "
     "Safari/537.36", ("smartphone", "Samsung", "Galaxy S23"), ("Android", "AND", "14"),
     ("browser", "Chrome Mobile", "120.0.0.0")),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; rv:121.0) Gecko/20100101 Firefox/121.0",
     ("desktop", "Apple", U), ("Mac", "MAC", "10.15.7"), ("browser", "Firefox", "121.0")),
    ("Mozilla/5.0 (Windows NT 6.3; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
     ("desktop", U, U), ("Microsoft Windows", "W81", "Windows8.1"), ("browser", "Firefox", "115.0")),
    ("", (U, U, U), (U, U, U), (U, U, U)),
    ("\x00\x01 gibberish zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", (U, U, U), (U, U, U), (U, U, U)),
])
def test_platforms(agent, device, os, client):
    found = platform(agent)
    assert (found.device, found.os, found.client) == (device, os, client)


def test_locations_first_match_then_default():
    table = read_locations({"default": {"country": "France", "city": None},
                            "networks": [{"network": "10.0.0.0/8", "country": "A", "city": "a"},
                                         {"network": "10.1.0.0/16", "country": "B"},
                                         {"network": "fe80::/10", "country": "C", "city": "c"}]})
    assert table.lookup("10.1.2.3") == ("A", "a")
    assert table.lookup("fe80::1%eth0") == ("C", "c")
    assert table.lookup("192.0.2.1") == ("France", None)
    assert table.lookup(None) == ("France", None)
    assert table.lookup("garbage") == ("France", None)
    assert read_locations(None).lookup("10.0.0.1") == (U, None)


def test_viewer_address():
    assert viewer_address("203.0.113.1, 10.0.0.1", "127.0.0.1") == "203.0.113.1"
    assert viewer_address(" ", "127.0.0.1") == "127.0.0.1"
    assert viewer_address(None, None) is None
