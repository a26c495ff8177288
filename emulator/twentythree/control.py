"""GET /_emulator/twentythree/reports: what the code under test reported, for assertions."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..context import current_tenant
from ..hooks import require_control_token
from ..store import TenantError
from .backend import KINDS, Backend, Query

control_bp = Blueprint("twentythree_control", __name__, url_prefix="/_emulator/twentythree")
MAX_LIMIT = 1_000_000
FILTERS = ("kind", "photo_id", "domain", "session_id", "since", "limit")


class BadQuery(ValueError):
    """A listing filter that cannot be used; answered 400 {"error": ...}."""


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


@control_bp.errorhandler(BadQuery)
@control_bp.errorhandler(TenantError)
def _bad_request(exc: Exception) -> Response:
    return _error(400, str(exc))


@control_bp.before_request
def _authorize() -> Response | None:
    """Same rule as the rest of the control API: with a control token, require it."""
    return require_control_token()


def _query() -> Query:
    """The filters of the request; BadQuery names a bad one."""
    args = request.args
    unknown = sorted(set(args) - set(FILTERS))
    if unknown:
        raise BadQuery(f"{unknown[0][:80]}: unknown filter (filters: {', '.join(FILTERS)})")
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadQuery(f"kind: expected one of {', '.join(KINDS)}, got {kind[:80]!r}")
    limit = None
    if args.get("limit"):
        raw = args["limit"]
        if not raw.isdigit() or int(raw) > MAX_LIMIT:
            raise BadQuery(f"limit: expected an integer from 0 to {MAX_LIMIT}, got {raw[:80]!r}")
        limit = int(raw)
    since_id = None
    if args.get("since"):
        if not args["since"].isdigit():
            raise BadQuery(f"since: expected a report id, got {args['since'][:80]!r}")
        since_id = int(args["since"])
    domain = args.get("domain") or None
    return Query(kind=kind, photo_id=args.get("photo_id") or None, domain=domain.lower() if domain else None,
                 session_id=args.get("session_id") or None, since_id=since_id, limit=limit)


@control_bp.get("/reports")
def reports() -> Response:
    """The tenant's recorded reports, filtered, newest last: {"total", "items"}."""
    query = _query()
    backend: Backend = current_tenant().backend("twentythree")
    total, items = backend.query(query)
    response = jsonify(total=total, items=items)
    response.headers["X-Emulator-Reports-Dropped"] = str(backend.dropped)
    return response
