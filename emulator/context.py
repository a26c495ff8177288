"""Inside a Flask request: the app's Emulator and the request's tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, request

from .pipeline import tenant_of

if TYPE_CHECKING:
    from .instance import Emulator
    from .store import Tenant


def current_emulator() -> Emulator:
    """The Emulator of the app serving this request."""
    return current_app.extensions["emulator"]


def current_tenant() -> Tenant:
    """The tenant of this request (``X-Emulator-Tenant``; absent = default), created on first use."""
    return tenant_of(current_emulator(), request.environ)  # per request: ``g`` may outlive it (pytest-flask)
