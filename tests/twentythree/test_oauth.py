"""OAuth 1.0a verification (emulator/twentythree/oauth.py): the vendor's example, and each refusal named."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from emulator.twentythree.backend import Backend
from emulator.twentythree.errors import InvalidSignature
from emulator.twentythree.models import build_sites
from emulator.twentythree.oauth import (
    TIMESTAMP_WINDOW,
    Credential,
    SignedRequest,
    authenticate,
    level_at_least,
)

from .support import fixture_text

# oauth.md, "Step 4: Talk to the 23 API": consumer secret from step 1, access token secret from step 3.
VENDOR = Credential("571156-cuQla8tP5tzjf70znIwS", "u5pHMUpV8wB7LxwieAnrexE8CkzoZTVs6G626KKqfPVqFp0TxT",
                    "3-gnS3NKP74AzcJsvbFi3Z", "83x7n5rR2eT1IV0zLNptvxxy1R3WFptGozka38tDtLZmSDYboW", "admin")
VENDOR_TIME = datetime.fromtimestamp(1267547771, tz=timezone.utc)


def vendor_request(**changes) -> SignedRequest:
    """The vendor's step-4 request, read from fixtures/twentythree/oauth-photo-list.txt."""
    lines = fixture_text("oauth-photo-list.txt").splitlines()
    header = lines[1].split(": ", 1)[1]
    fields = {"method": "POST", "uris": ("http://v.23video.com/api/photo/list",), "authorization": header,
              "body": (("format", "xml"),)}
    fields.update(changes)
    return SignedRequest(**fields)


def check(request: SignedRequest, *, now: datetime = VENDOR_TIME, nonces=None, credentials=(VENDOR,)):
    by_key = {c.consumer_key: c.consumer_secret for c in credentials}
    return authenticate(request, domain="v.23video.com", consumer_secret=by_key.get,
                        credential=lambda k, t: next((c for c in credentials
                                                      if (c.consumer_key, c.access_token) == (k, t)), None),
                        now=now, nonces=nonces)


def refusal(request: SignedRequest, **options) -> str:
    with pytest.raises(InvalidSignature) as info:
        check(request, **options)
    assert info.value.error_code == "invalid_signature"
    assert info.value.message.startswith("The given signature was invalid: ")
    return info.value.message


def test_the_vendor_example_verifies_and_grants_its_level():
    principal = check(vendor_request())
    assert (principal.level, principal.consumer_key, principal.access_token) == (
        "admin", VENDOR.consumer_key, VENDOR.access_token)


def test_port_and_scheme_are_part_of_the_signature():
    assert "does not match" in refusal(vendor_request(uris=("http://v.23video.com:8023/api/photo/list",)))
    assert "does not match" in refusal(vendor_request(uris=("https://v.23video.com/api/photo/list",)))
    # the default port is dropped, the host's case ignored (RFC 5849 3.4.1.2, done by oauthlib)
    assert check(vendor_request(uris=("http://V.23video.com:80/api/photo/list",))).level == "admin"


def test_a_second_base_uri_is_tried():
    request = vendor_request(uris=("http://127.0.0.1:8023/api/photo/list", "http://v.23video.com/api/photo/list"))
    assert check(request).level == "admin"


def test_changed_parameters_break_the_signature():
    message = refusal(vendor_request(body=(("format", "json"),)))
    assert "oauth_signature does not match" in message and "POST http://v.23video.com/api/photo/list" in message
    assert VENDOR.consumer_secret not in message and VENDOR.access_token_secret not in message


def test_wrong_secrets_break_the_signature():
    other = Credential(VENDOR.consumer_key, "x" + VENDOR.consumer_secret, VENDOR.access_token,
                       VENDOR.access_token_secret)
    assert "does not match" in refusal(vendor_request(), credentials=(other,))


def test_unsigned_is_anonymous():
    principal = check(vendor_request(authorization=None))
    assert (principal.level, principal.consumer_key) == ("anonymous", None)
    assert check(vendor_request(authorization="Bearer abc")).level == "anonymous"


def test_oauth_parameters_in_a_post_query_are_ignored_with_a_note():
    query = (("oauth_consumer_key", "k"), ("oauth_token", "t"))
    principal = check(vendor_request(authorization=None, query=query))
    assert principal.level == "anonymous" and "query string of a POST are ignored" in principal.note


def test_oauth_parameters_from_two_places_are_refused():
    message = refusal(vendor_request(body=(("format", "xml"), ("oauth_nonce", "x"))))
    assert "one place" in message and "Authorization header" in message and "form body" in message


@pytest.mark.parametrize(("old", "new", "words"), [
    ('oauth_token="3-gnS3NKP74AzcJsvbFi3Z", ', "", "oauth_token is missing"),
    ('oauth_nonce="a666b90c2339a866c8ed405e3e2821c3", ', "", "oauth_nonce is missing"),
    ('oauth_signature_method="HMAC-SHA1"', 'oauth_signature_method="PLAINTEXT"', "must be HMAC-SHA1"),
    ('oauth_signature_method="HMAC-SHA1"', 'oauth_signature_method="HMAC-SHA256"', "must be HMAC-SHA1"),
    ('oauth_version="1.0"', 'oauth_version="2.0"', "oauth_version must be 1.0"),
    ('oauth_timestamp="1267547771"', 'oauth_timestamp="12675x7771"', "whole number of seconds"),
    ('oauth_consumer_key="571156-cuQla8tP5tzjf70znIwS"', 'oauth_consumer_key="nobody"',
     "consumer key is not known on v.23video.com"),
    ('oauth_token="3-gnS3NKP74AzcJsvbFi3Z"', 'oauth_token="3-other"', "access token is not valid"),
])
def test_each_problem_is_named(old, new, words):
    header = vendor_request().authorization
    assert old in header
    assert words in refusal(vendor_request(authorization=header.replace(old, new)))


def test_a_malformed_header_is_named():
    assert "not a valid OAuth header" in refusal(vendor_request(authorization='OAuth oauth_nonce="x", junk'))


@pytest.mark.parametrize(("shift", "words"), [
    (TIMESTAMP_WINDOW + 1, "601 seconds behind the server clock"),
    (-(TIMESTAMP_WINDOW + 1), "601 seconds ahead of the server clock"),
])
def test_timestamps_are_checked_on_the_emulator_clock(shift, words):
    later = datetime.fromtimestamp(VENDOR_TIME.timestamp() + shift, tz=timezone.utc)
    message = refusal(vendor_request(), now=later)
    assert words in message and f"at most {TIMESTAMP_WINDOW} seconds" in message
    edge = datetime.fromtimestamp(VENDOR_TIME.timestamp() + (shift - 1 if shift > 0 else shift + 1), tz=timezone.utc)
    assert check(vendor_request(), now=edge).level == "admin"


def test_a_nonce_is_used_once_and_only_after_the_signature_verified():
    book = Backend(build_sites(None))
    assert "does not match" in refusal(vendor_request(body=(("format", "json"),)), nonces=book)
    assert check(vendor_request(), nonces=book).level == "admin"
    assert "already used" in refusal(vendor_request(), nonces=book)
    assert "already used" in refusal(vendor_request(), nonces=book)


def test_the_nonce_book_forgets_what_left_the_window_and_is_bounded():
    book = Backend(build_sites(None), cap=5000)
    for n in range(3000):
        assert book.remember_nonce(("k", "t", 1000, f"n{n}"), 1000, 1000.0 + TIMESTAMP_WINDOW + 1)
    assert len(book.export()["nonces"]) < 3000
    small = Backend(build_sites(None), cap=10)
    for n in range(20):
        small.remember_nonce(("k", "t", 5, f"n{n}"), 5, 5.0)
    assert len(small.export()["nonces"]) == 10


def test_nonces_survive_state_export_and_import():
    book = Backend(build_sites(None))
    book.remember_nonce(("k", "t", 7, "n"), 7, 7.0)
    copy = Backend(build_sites(None))
    copy.load(book.export())
    assert copy.remember_nonce(("k", "t", 7, "n"), 7, 7.0) is False


def test_levels_are_ordered():
    assert level_at_least("super", "read") and level_at_least("read", "read")
    assert not level_at_least("anonymous", "read") and not level_at_least("none", "anonymous")
