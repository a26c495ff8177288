"""OAuth 1.0a (HMAC-SHA1 only, oauth.md) verification of 23 Video calls, on the emulator clock.

The cryptography is oauthlib's (signature base string, HMAC-SHA1, constant-time comparison).
oauthlib's ResourceEndpoint is not used: it checks timestamps against the wall clock, refuses
the vendor's own key format (``571156-cuQla8tP5tzjf70znIwS`` has a dash) and only answers
True/False, while the vendor's error envelope has to say what is wrong. This module is pure
(no Flask): the routes read a :class:`SignedRequest` from the HTTP request and pass the clock and
the tenant's nonce book in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from .errors import InvalidSignature

LEVELS = ("none", "anonymous", "read", "write", "admin", "super")
TIMESTAMP_WINDOW = 600            # seconds either side of the emulator clock (oauthlib's default)
MAX_NONCE = 256
REQUIRED = ("oauth_consumer_key", "oauth_token", "oauth_signature_method", "oauth_signature",
            "oauth_timestamp", "oauth_nonce")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")

Pairs = tuple[tuple[str, str], ...]


def level_at_least(level: str, required: str) -> bool:
    """True if ``level`` includes ``required`` (index.md: the levels are in ascending order)."""
    return LEVELS.index(level) >= LEVELS.index(required)


@dataclass(frozen=True)
class Credential:
    """Consumer key/secret and access token/secret of one application, with the level it grants."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    permission_level: str = "read"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the level, and for a signed call the consumer key and access token.

    ``note`` explains an unsigned result that the caller probably did not intend (added to a
    ``permission_denied`` message).
    """

    level: str
    consumer_key: str | None = None
    access_token: str | None = None
    note: str = ""


ANONYMOUS = Principal("anonymous")


@dataclass(frozen=True)
class SignedRequest:
    """The parts of an HTTP request that OAuth 1.0a signs, already decoded.

    ``uris`` are the base string URIs to try, the one built from the Host header first;
    ``body`` is the form of an ``application/x-www-form-urlencoded`` POST (empty otherwise:
    multipart fields are not signed, oauth.md "Multipart forms").
    """

    method: str
    uris: tuple[str, ...]
    authorization: str | None = None
    query: Pairs = ()
    body: Pairs = ()


class NonceBook(Protocol):
    """Where used nonces are remembered (the tenant's backend, so a reset forgets them)."""

    def remember_nonce(self, key: tuple[str, str, int, str], timestamp: int, now: float) -> bool:
        """Remember ``key``; False if it was already there (a replay)."""


CredentialLookup = Callable[[str, str], "Credential | None"]
SecretLookup = Callable[[str], "str | None"]


def _oauth(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in pairs if k.startswith("oauth_")]


def _header_pairs(authorization: str | None) -> list[tuple[str, str]]:
    """Parameters of an ``Authorization: OAuth ...`` header (``realm`` excluded), via oauthlib."""
    if not authorization or authorization[:6].lower() != "oauth ":
        return []
    try:
        return signature.collect_parameters(headers={"Authorization": authorization},
                                            exclude_oauth_signature=False)
    except ValueError:
        raise InvalidSignature.because("the Authorization header is not a valid OAuth header") from None


def _sources(request: SignedRequest) -> tuple[str | None, list[tuple[str, str]], list[tuple[str, str]], str]:
    """(where the OAuth parameters are, those parameters, every signed parameter, a note).

    oauth.md: the parameters come from the Authorization header, the form body of a POST, or the
    query string of a GET; the vendor ignores the query string of a POST, so OAuth parameters
    found only there leave the call unsigned (``note`` says so).
    """
    header = _header_pairs(request.authorization)
    places = {"the Authorization header": _oauth(header), "the form body": _oauth(request.body)}
    note = ""
    if request.method == "POST":
        if _oauth(request.query):
            note = ("; OAuth parameters in the query string of a POST are ignored: sign in the Authorization "
                    "header or the form body")
    else:
        places["the query string"] = _oauth(request.query)
    found = {name: pairs for name, pairs in places.items() if pairs}
    if len(found) > 1:
        raise InvalidSignature.because(f"OAuth parameters must come from one place, found in {' and '.join(found)}")
    signed = [*request.query, *header, *request.body]
    if not found:
        return None, [], signed, note
    place, oauth_pairs = next(iter(found.items()))
    return place, oauth_pairs, signed, note


def _check_fields(oauth: Mapping[str, str]) -> None:
    """Presence and form of the protocol parameters (RFC 5849 3.2), each problem named."""
    for name in REQUIRED:
        if not oauth.get(name):
            hint = " (every 23 Video API call is signed with an access token)" if name == "oauth_token" else ""
            raise InvalidSignature.because(f"{name} is missing{hint}")
    if oauth["oauth_signature_method"] != "HMAC-SHA1":
        raise InvalidSignature.because("oauth_signature_method must be HMAC-SHA1, the only method 23 Video supports")
    if oauth.get("oauth_version", "1.0") != "1.0":
        raise InvalidSignature.because("oauth_version must be 1.0 when given")
    if not _TIMESTAMP.fullmatch(oauth["oauth_timestamp"]):
        raise InvalidSignature.because("oauth_timestamp must be a whole number of seconds since 1970-01-01 UTC")
    if len(oauth["oauth_nonce"]) > MAX_NONCE:
        raise InvalidSignature.because(f"oauth_nonce must be at most {MAX_NONCE} characters")


def _check_timestamp(timestamp: int, now: datetime) -> None:
    """Within TIMESTAMP_WINDOW seconds of the emulator clock, either side."""
    delta = timestamp - int(now.timestamp())
    if abs(delta) <= TIMESTAMP_WINDOW:
        return
    where = "behind" if delta < 0 else "ahead of"
    raise InvalidSignature.because(
        f"oauth_timestamp is {abs(delta)} seconds {where} the server clock "
        f"({now.strftime('%Y-%m-%dT%H:%M:%SZ')}); at most {TIMESTAMP_WINDOW} seconds are accepted "
        "(a stale or future timestamp)")


def signature_matches(request: SignedRequest, signed: Sequence[tuple[str, str]], oauth_signature: str,
                      consumer_secret: str, token_secret: str) -> bool:
    """True if ``oauth_signature`` is the HMAC-SHA1 of the request for one of its base string URIs."""
    params = [(k, v) for k, v in signed if k != "oauth_signature"]
    for uri in request.uris:
        candidate = OAuthRequest(uri, http_method=request.method)
        candidate.params, candidate.signature = params, oauth_signature
        try:
            if signature.verify_hmac_sha1(candidate, consumer_secret, token_secret):
                return True
        except ValueError:  # a URI oauthlib cannot use (no host...): try the next one
            continue
    return False


def authenticate(request: SignedRequest, *, domain: str, consumer_secret: SecretLookup,
                 credential: CredentialLookup, now: datetime, nonces: NonceBook | None) -> Principal:
    """The caller's Principal: anonymous when unsigned; raises InvalidSignature naming the problem.

    Checks, in order: one parameter source, no duplicates, required parameters, HMAC-SHA1,
    version, timestamp window (emulator clock), consumer key and access token known on the site,
    the signature itself, and last the nonce (only a verified request may use one up, so garbage
    cannot burn a client's nonces). ``nonces=None`` verifies without remembering (error pages).
    """
    place, oauth_pairs, signed, note = _sources(request)
    if place is None:
        return Principal("anonymous", note=note)
    oauth = dict(oauth_pairs)
    if len(oauth) != len(oauth_pairs):
        duplicate = next(k for k, _ in oauth_pairs if [p for p, _ in oauth_pairs].count(k) > 1)
        raise InvalidSignature.because(f"{duplicate} is given more than once in {place}")
    _check_fields(oauth)
    timestamp = int(oauth["oauth_timestamp"])
    _check_timestamp(timestamp, now)
    key, token = oauth["oauth_consumer_key"], oauth["oauth_token"]
    secret = consumer_secret(key)
    if secret is None:
        raise InvalidSignature.because(f"the consumer key is not known on {domain}")
    found = credential(key, token)
    if found is None:
        raise InvalidSignature.because(f"the access token is not valid for this consumer key on {domain}")
    if not signature_matches(request, signed, oauth["oauth_signature"], secret, found.access_token_secret):
        raise InvalidSignature.because(
            "oauth_signature does not match the request (HMAC-SHA1 of the signature base string for "
            f"{request.method} {' or '.join(request.uris)}, keyed with the consumer secret and the access "
            "token secret)")
    if nonces is not None and not nonces.remember_nonce((key, token, timestamp, oauth["oauth_nonce"]),
                                                        timestamp, now.timestamp()):
        raise InvalidSignature.because(
            "this oauth_nonce was already used with the same timestamp and credentials (a replayed request)")
    return Principal(found.permission_level, key, token)


def build_credentials(docs: Sequence[Mapping[str, Any]] | None) -> tuple[Credential, ...]:
    """Credentials of one site from its validated ``oauth:`` entries (level default ``read``)."""
    return tuple(Credential(consumer_key=str(d["consumer_key"]), consumer_secret=str(d["consumer_secret"]),
                            access_token=str(d["access_token"]), access_token_secret=str(d["access_token_secret"]),
                            permission_level=str(d.get("permission_level", "read")))
                 for d in docs or ())


def _where(path: tuple) -> str:
    """``("sites", 0, "oauth", 1)`` → ``sites[0].oauth[1]``, as scenario errors write paths."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def check_credentials(sites: Sequence[Mapping[str, Any]]) -> list[tuple[tuple, str]]:
    """A consumer key has one secret; an access token one secret and level; no token twice on a site."""
    problems: list[tuple[tuple, str]] = []
    secrets: dict[str, tuple[str, tuple]] = {}
    tokens: dict[tuple[str, str], tuple[tuple[str, str], tuple]] = {}
    for i, site in enumerate(sites):
        seen: dict[str, int] = {}
        for j, doc in enumerate(site.get("oauth") or ()):
            where = ("sites", i, "oauth", j)
            key, token = str(doc.get("consumer_key")), str(doc.get("access_token"))
            first = secrets.setdefault(key, (str(doc.get("consumer_secret")), where))
            if first[0] != str(doc.get("consumer_secret")):
                problems.append((where + ("consumer_secret",), "this consumer key has another consumer_secret at "
                                 + _where(first[1])))
            if token in seen:
                problems.append((where + ("access_token",), f"access token already declared by oauth[{seen[token]}]"))
            seen.setdefault(token, j)
            grant = (str(doc.get("access_token_secret")), str(doc.get("permission_level", "read")))
            earlier = tokens.setdefault((key, token), (grant, where))
            if earlier[0] != grant and earlier[1][1] != i:
                problems.append((where + ("access_token",), "these credentials are declared at "
                                 + _where(earlier[1]) + " with another secret or permission_level"))
    return problems
