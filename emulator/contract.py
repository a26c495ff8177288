"""The contract between the shared machinery and a vendor package: what a vendor declares.

A vendor package exports one ``VENDOR = Vendor(...)``; the app registers it (emulator/vendors.py)
and the shared code learns everything vendor-specific from it (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Blueprint

if TYPE_CHECKING:
    from .exchange import Reply, VendorRequest


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
