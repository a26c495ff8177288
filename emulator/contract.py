"""The contract between the shared machinery and a vendor package: what a vendor declares.

A vendor package exports one ``VENDOR = Vendor(...)``; the app registers it (emulator/vendors.py)
and the shared code learns everything vendor-specific from it (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from flask import Blueprint

from .faults import FaultKind

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict
    from werkzeug.wrappers import Response

    from .exchange import Reply, VendorRequest
    from .scenario import Scenario
    from .store import Tenant, VendorBackend


class Prepare(Protocol):
    """Once per scenario load: the vendor's immutable data from its section (generation, indexes)."""

    def __call__(self, section: dict | None, scenario: Scenario) -> Any: ...


class NewBackend(Protocol):
    """Per tenant and on every reset: its empty mutable state over the prepared data (cheap)."""

    def __call__(self, prepared: Any, tenant: Tenant) -> VendorBackend: ...


class ErrorResponse(Protocol):
    """The vendor's HTTP error format (routing 404/405, 413, ``status`` faults) for the Flask request."""

    def __call__(self, status: int, detail: str | None) -> Response: ...


class FaultResponse(Protocol):
    """The answer of one of the vendor's own fault kinds (``Vendor.fault_kinds``); None: not its kind."""

    def __call__(self, action: dict) -> Response | None: ...


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


class ControlRequestError(ValueError):
    """A vendor control route's refusal of a request (a bad filter): the control plane answers 400 {"error": ...}."""


#: what a vendor control view returns: the JSON body, or the body and extra response headers
ControlAnswer = Mapping[str, Any] | tuple[Mapping[str, Any], Mapping[str, str]]


@dataclass(frozen=True)
class ControlRoute:
    """A vendor's own control route, mounted by the control plane under ``/_emulator/<vendor name>``.

    The control plane owns the control token check, the Host and cross-site guard and the error
    format; ``view(tenant, args)`` only reads the tenant's backend. Its OpenAPI description stays
    in the vendor's ``openapi_paths``.
    """

    rule: str  # "/reports" -> /_emulator/<vendor name>/reports
    view: Callable[[Tenant, MultiDict], ControlAnswer]
    methods: tuple[str, ...] = ("GET",)


@dataclass(frozen=True)
class Vendor:
    """Everything the core needs to know about one emulated vendor (see docs/ARCHITECTURE.md)."""

    name: str
    blueprint: Blueprint
    owns_path: Callable[[str], bool]
    scenario_schema: dict
    prepare: Prepare
    new_backend: NewBackend
    error_response: ErrorResponse
    fault_response: FaultResponse
    openapi_paths: dict = field(default_factory=dict)
    openapi_components: dict = field(default_factory=dict)
    #: a paragraph for the OpenAPI document's description: what is particular to this vendor's answers
    openapi_description: str = ""
    #: semantic checks of the section jsonschema cannot express: (path in the section, message) per problem
    check_scenario: Callable[[dict], list[tuple[tuple, str]]] | None = None
    #: (path in the section, records) per part of a valid section that generates data (the scenario budget)
    generated_size: Callable[[dict], list[tuple[tuple, int]]] | None = None
    extra_blueprints: tuple[Blueprint, ...] = ()
    hot_routes: HotRoutes | None = None
    #: routes of the vendor under /_emulator/<name> (a listing of what was recorded), mounted by the control plane
    control_routes: tuple[ControlRoute, ...] = ()
    #: the fault kinds only this vendor answers (besides the shared ones), rendered by ``fault_response``
    fault_kinds: Mapping[str, FaultKind] = field(default_factory=dict)
    #: called when an app starts serving on a socket (EmulatorApp.serve, once the address is bound):
    #: warm what a first request would otherwise wait for; a process that never serves never pays it
    on_serve: Callable[[], object] | None = None
    #: absolute path of the vendor's dashboard panel (an ES module; docs/dashboard.md), None = no panel
    dashboard_panel: str | None = None
