"""The 23 Video (TwentyThree) analytics API: /api/analytics/report/{play,download,event,batch} and,
behind OAuth 1.0a read permission, /api/analytics/extract/{play-totals,play-details,photo-totals,
embed-details} computed from the recorded reports and the scenario's seeded history.

Exports ``VENDOR`` for the app (docs/ARCHITECTURE.md); its control route
``/_emulator/twentythree/reports`` lists the recorded reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..clock import Clock
from ..contract import Vendor
from ..faults import RATE_LIMIT, FaultKind
from ..store import Tenant
from .backend import Backend
from .constants import NAME
from .control import CONTROL_ROUTES
from .history import history_size
from .models import Sites, build_sites, check_section
from .openapi import openapi_components, openapi_paths
from .routes import HOT_ROUTES, bp, error_response, fault_response
from .schema import SECTION_SCHEMA

__all__ = ["VENDOR"]


def owns_path(path: str) -> bool:
    """Every path under /api/ is 23 Video's (api.video lives under /auth and /analytics)."""
    return path == "/api" or path.startswith("/api/")


def prepare(section: dict | None, scenario: Any) -> Sites:
    """Build the scenario's sites once (immutable, shared by every tenant), history from its seed.

    ``history.generate.days`` counts back from the scenario clock's day at load (today if real).
    """
    today = Clock.from_scenario(getattr(scenario, "clock", None)).now().date()
    return build_sites(section, seed=int(getattr(scenario, "seed", 0) or 0), today=today)


def generated_size(section: dict) -> list[tuple[tuple, int]]:
    """History entries each site builds at load, for the scenario budget."""
    return [(("sites", i, "history"), history_size(site)) for i, site in enumerate(section.get("sites") or ())]


def new_backend(prepared: Sites, tenant: Tenant) -> Backend:
    """A tenant's empty report store, guarded by the tenant's lock and bounded like its journal."""
    return Backend(prepared, tenant.lock, tenant.journal.cap)


VENDOR = Vendor(
    name=NAME,
    blueprint=bp,
    owns_path=owns_path,
    scenario_schema=SECTION_SCHEMA,
    prepare=prepare,
    new_backend=new_backend,
    error_response=error_response,
    fault_response=fault_response,
    openapi_paths=openapi_paths(),
    openapi_components=openapi_components(),
    openapi_description=("23 Video report and extract routes answer HTTP 200 for vendor errors too, in the envelope "
                         "the request asked for: XML by default, JavaScript `var NAME = {...}` with format=json, "
                         "plain JSON with format=json&raw, JSONP `CALLBACK({...});` with callback."),
    check_scenario=check_section,
    generated_size=generated_size,
    control_routes=CONTROL_ROUTES,
    hot_routes=HOT_ROUTES,
    # "error": the HTTP 200 error envelope with the rule's code and message (fault_answer in routes.py)
    fault_kinds={"error": FaultKind({"code": {"type": "string", "minLength": 1}, "message": {"type": "string"}},
                                    ("code",)),
                 "rate_limit": RATE_LIMIT},
    dashboard_panel=str(Path(__file__).with_name("dashboard") / "panel.js"),
)
