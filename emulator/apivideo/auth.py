"""Credentials of the analytics routes: ``Bearer <access token>`` or HTTP Basic with the API key.

Each failure raises the vendor's 401 problem with the title the vendor uses for that case.
"""
from __future__ import annotations

import base64
import binascii

from .backend import Backend
from .errors import (
    InvalidAccessToken,
    InvalidApiKey,
    InvalidAuthorizationHeader,
    MissingAuthorizationHeader,
)
from .models import ApiKey

MAX_HEADER = 8192


def _basic_user(value: str) -> str:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise InvalidAuthorizationHeader() from None
    user, colon, _password = decoded.partition(":")
    if not colon:
        raise InvalidAuthorizationHeader()
    return user


def authenticate(header: str | None, backend: Backend, now_ms: int) -> ApiKey:
    """The API key the request speaks for; raise a 401 problem otherwise.

    DECISION: Basic ignores the password (the vendor asks for an empty one); a Basic user name
    that is not a scenario key answers "The API key is invalid.".
    """
    if header is None or not header.strip():
        raise MissingAuthorizationHeader()
    if len(header) > MAX_HEADER:
        raise InvalidAuthorizationHeader()
    scheme, _, value = header.strip().partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        token = value.strip()
        if not token:
            raise InvalidAuthorizationHeader()
        key = backend.key_for_token(token, now_ms)
        if key is None:
            raise InvalidAccessToken()
        return key
    if scheme == "basic":
        key = backend.prepared.api_keys.get(_basic_user(value))
        if key is None:
            raise InvalidApiKey()
        return key
    raise InvalidAuthorizationHeader()
