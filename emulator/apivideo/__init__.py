"""The api.video raw-statistics API (/auth/api-key, /auth/refresh, three /analytics listings) and
the player analytics collector (POST /vod, /live) whose sessions those listings show.

Exports ``VENDOR`` for the core (docs/ARCHITECTURE.md). Vendor facts and decisions:
README.md, "Fidelity notes".
"""
from __future__ import annotations

from pathlib import Path

from ..contract import Vendor
from ..faults import RATE_LIMIT
from ..store import Tenant
from . import data_routes  # noqa: F401 - registers /data/* on the blueprint of routes.py
from .backend import Backend
from .collector import bp as collector_bp
from .constants import NAME
from .models import Prepared, prepare
from .openapi import openapi_components, openapi_paths
from .routes import bp, error_response, fault_response, owns_path
from .schema import SECTION_SCHEMA, check_section, generated_size
from .useragents import warm_up_in_background

__all__ = ["VENDOR"]


def new_backend(prepared: Prepared, tenant: Tenant) -> Backend:
    """A tenant's empty token store, rate windows and ingested sessions (cheap: nothing copied)."""
    return Backend(prepared, tenant.name, tenant.settings.max_tokens, tenant.quotas)


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
    check_scenario=check_section,
    generated_size=generated_size,
    extra_blueprints=(collector_bp,),
    # a served app compiles the user-agent rules at once, in the background: the real player module
    # sends its next pings without a session id while the first beacon's answer is pending
    on_serve=warm_up_in_background,
    fault_kinds={"rate_limit": RATE_LIMIT},  # the vendor's 429 with its X-RateLimit-* headers
    dashboard_panel=str(Path(__file__).with_name("dashboard") / "panel.js"),
)
