"""The contract between the core and the vendor packages, and request-scoped accessors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, request

if TYPE_CHECKING:
    from .runtime import Emulator
    from .store import Tenant

TENANT_HEADER = "X-Emulator-Tenant"
#: environ key set on requests that carried the control token: they pin their tenant (store.TenantStore)
TRUSTED_KEY = "emulator.trusted"


@dataclass(frozen=True)
class Vendor:
    """Everything the core needs to know about one emulated vendor (see docs/ARCHITECTURE.md)."""

    name: str
    blueprint: Blueprint
    owns_path: Callable[[str], bool]
    scenario_schema: dict
    prepare: Callable[[Any, Any], Any]
    new_backend: Callable[[Any, Any], Any]
    error_response: Callable[[int, str | None], Any]
    fault_response: Callable[[dict], Any]
    openapi_paths: dict = field(default_factory=dict)
    openapi_components: dict = field(default_factory=dict)
    check_scenario: Callable[[dict], list] | None = None
    extra_blueprints: tuple = ()


def current_emulator() -> Emulator:
    """The Emulator of the app serving this request."""
    return current_app.extensions["emulator"]


def current_tenant() -> Tenant:
    """The tenant of this request (``X-Emulator-Tenant``; absent = default), created on first use."""
    environ = request.environ  # per request; ``g`` may outlive it (pytest-flask keeps an app context)
    tenant = environ.get("emulator.tenant")
    if tenant is None:
        tenant = current_emulator().store.get(environ.get("HTTP_X_EMULATOR_TENANT") or None,
                                              trusted=environ.get(TRUSTED_KEY, False))
        environ["emulator.tenant"] = tenant
    return tenant
