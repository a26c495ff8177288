"""GET /_emulator/twentythree/reports: what the code under test reported, for assertions.

A control route of the vendor (``Vendor.control_routes``): the control plane mounts it, checks
the control token and renders a refusal (ControlRequestError) in the control API's format.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from ..contract import ControlAnswer, ControlRequestError, ControlRoute
from ..store import Tenant
from .backend import KINDS, Backend, Query
from .constants import NAME

MAX_LIMIT = 1_000_000
FILTERS = ("kind", "photo_id", "domain", "session_id", "since", "limit")


def _count(args: MultiDict, name: str, what: str, maximum: int | None = None) -> int | None:
    raw = args.get(name)
    if not raw:
        return None
    if not raw.isdigit() or (maximum is not None and int(raw) > maximum):
        raise ControlRequestError(f"{name}: expected {what}, got {raw[:80]!r}")
    return int(raw)


def parse_query(args: MultiDict) -> Query:
    """The filters of the request; ControlRequestError names a bad one."""
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        raise ControlRequestError(f"{unknown[0][:80]}: unknown filter (filters: {', '.join(FILTERS)})")
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise ControlRequestError(f"kind: expected one of {', '.join(KINDS)}, got {kind[:80]!r}")
    limit = _count(args, "limit", f"an integer from 0 to {MAX_LIMIT}", MAX_LIMIT)
    since_id = _count(args, "since", "a report id")
    domain = args.get("domain") or None
    return Query(kind=kind, photo_id=args.get("photo_id") or None, domain=domain.lower() if domain else None,
                 session_id=args.get("session_id") or None, since_id=since_id, limit=limit)


def reports(tenant: Tenant, args: MultiDict) -> ControlAnswer:
    """The tenant's recorded reports, filtered, newest last: {"total", "items"}."""
    query = parse_query(args)
    backend: Backend = tenant.backend(NAME)
    total, items = backend.query(query)
    return {"total": total, "items": items}, {"X-Emulator-Reports-Dropped": str(backend.dropped)}


CONTROL_ROUTES = (ControlRoute("/reports", reports),)
