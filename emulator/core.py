"""The contract between the core and the vendor packages, and request-scoped accessors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint, current_app, request

if TYPE_CHECKING:
    from .pipeline import Reply, VendorRequest
    from .runtime import Emulator
    from .store import Tenant

TENANT_HEADER = "X-Emulator-Tenant"
#: environ key set on requests that carried the control token: they pin their tenant (store.TenantStore)
TRUSTED_KEY = "emulator.trusted"


@dataclass(frozen=True)
class HotRoutes:
    """Routes a vendor serves without Flask's per-request machinery (emulator.pipeline.HotPaths).

    ``handlers`` maps an exact path to a function of the request value; ``error`` and ``fault``
    render the vendor's HTTP-level errors and fault kinds from the same value (the Flask side's
    ``Vendor.error_response`` / ``fault_response`` are adapters over them). Any other method goes to
    Flask, which answers OPTIONS and 405 as for every route.
    """

    handlers: Mapping[str, Callable[[VendorRequest], Reply]]
    error: Callable[[VendorRequest, int, str | None], Reply]
    fault: Callable[[VendorRequest, dict], Reply | None]
    methods: frozenset[str] = frozenset({"GET", "HEAD", "POST"})


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
    #: (path in the section, records) per part of a valid section that generates data (the scenario budget)
    generated_size: Callable[[dict], list] | None = None
    extra_blueprints: tuple = ()
    hot_routes: HotRoutes | None = None
    #: absolute path of the vendor's dashboard panel (an ES module; docs/dashboard.md), None = no panel
    dashboard_panel: str | None = None


def current_emulator() -> Emulator:
    """The Emulator of the app serving this request."""
    return current_app.extensions["emulator"]


def current_tenant() -> Tenant:
    """The tenant of this request (``X-Emulator-Tenant``; absent = default), created on first use."""
    from .pipeline import tenant_of  # the pipeline's one look-up (it imports this module)

    return tenant_of(current_emulator(), request.environ)  # per request: ``g`` may outlive it (pytest-flask)
