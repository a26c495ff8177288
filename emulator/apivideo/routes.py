"""HTTP only: parse the request, ask the prepared data / backend, render the vendor's JSON.

The listings merge the tenant's ingested sessions (collector.py) with the scenario's.

Handlers are named after the vendor's operations (``x-client-action`` in the pinned spec).
Errors are raised as :mod:`problems` classes and rendered by one handler; every analytics
response after authentication carries the X-RateLimit-* headers (added in ``after_request``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from ..context import current_emulator, current_tenant
from ..flask_pipeline import request_state
from ..jsonbody import JSONBodyError, loads
from .auth import authenticate as check_credentials
from .backend import Backend, RateState
from .collector import is_collector_path, with_cors
from .constants import LIVE, NAME, VIDEO
from .data_errors import UnrecognizedDataUrl
from .errors import (
    AttributeInvalid,
    AttributeRequired,
    InvalidCredentials,
    Problem,
    ResourceNotFound,
    TooManyRequests,
    problem_for_status,
    render,
)
from .models import ENVIRONMENT_LIMITS, ApiKey, ExplicitSession, Prepared, Source
from .pagination import PageRequest, page_bounds, pagination, parse_page_request
from .period import PeriodError, parse_period
from .render import to_json
from .timefmt import to_ms

bp = Blueprint(NAME, __name__)
#: per-request rate state; kept in the WSGI environ, not ``g`` (an app context can outlive a request)
RATE_KEY = "apivideo.rate"
_METADATA = re.compile(r"metadata\[([^\[\]]+)\]")
_PATH_SAFE = "/-._~!$&'()*+,;=:@"


def owns_path(path: str) -> bool:
    """api.video's paths: /auth/*, /analytics/*, /data/* and the collector's /vod, /live, /watch
    (23 Video: /api/)."""
    return (any(path == p or path.startswith(p + "/") for p in ("/auth", "/analytics", "/data"))
            or is_collector_path(path))


# --- plumbing ---------------------------------------------------------------------------------
@bp.errorhandler(Problem)
def _problem(problem: Problem) -> Response:
    return render(problem)


@bp.after_request
def _rate_headers(response: Response) -> Response:
    state: RateState | None = request.environ.get(RATE_KEY)
    if state is not None:
        response.headers.update(state.headers())
    return response


def json_response(payload: Any) -> Response:
    """The vendor's JSON answer (one serialisation: render.to_json)."""
    return Response(to_json(payload), mimetype="application/json")


def link_base() -> tuple[str, str]:
    """The request's path (quoted as the vendor's pagination links write it) and query string."""
    return quote(request.path, safe=_PATH_SAFE), request.query_string.decode("utf-8", "replace")


def backend_and_now() -> tuple[Backend, int]:
    """This tenant's api.video backend and the request's one clock reading (the pipeline's), in epoch ms."""
    tenant = current_tenant()
    state = request_state()
    now = state.now if state is not None and state.now is not None else tenant.now()
    return tenant.backend(NAME), to_ms(now)


@dataclass(frozen=True)
class Caller:
    """An authenticated caller whose read was counted: its key, the tenant's backend, the request's instant."""

    key: ApiKey
    backend: Backend
    now_ms: int


def _source(prepared: Prepared, kind: str, source_id: str) -> tuple[Source, list[ExplicitSession]]:
    """A video / live stream and its visible ingested sessions; 404 when neither knows the id."""
    backend, now = backend_and_now()
    with current_tenant().lock:
        ingested = backend.ingest.listing(kind, source_id, now)
        known = backend.ingest.knows(kind, source_id)
    source = prepared.source(kind, source_id)
    if source is None:
        if not known:
            raise ResourceNotFound("videoId" if kind == VIDEO else "liveStreamId")
        source = Source.empty(kind, source_id)
    return source, ingested


def authorize() -> Caller:
    """Check the credentials and count the read at the request's clock reading; raise 401 / 429 problems."""
    tenant = current_tenant()
    backend, now = backend_and_now()
    with tenant.lock:
        key = check_credentials(request.headers.get("Authorization"), backend, now)
        state = backend.hit(key, now)
    request.environ[RATE_KEY] = state
    if not state.allowed:
        raise TooManyRequests()
    return Caller(key, backend, now)


def _body_field(name: str) -> str:
    """A string attribute of the JSON object body of /auth/*; 400 when absent or not a string."""
    try:  # any Content-Type, as the vendor; a body that is not JSON lacks the attribute
        body = loads(request.get_data(cache=True), max_depth=current_emulator().settings.max_nesting_depth,
                     allow_constants=True)
    except JSONBodyError:
        body = None
    if not isinstance(body, dict) or body.get(name) is None:
        raise AttributeRequired(name)
    if not isinstance(body[name], str):
        raise AttributeInvalid(name)
    return body[name]


def _period() -> Any:
    raw = request.args.get("period")
    if raw is None or raw == "":
        raise AttributeRequired("period")
    try:
        return parse_period(raw)
    except PeriodError:
        raise AttributeInvalid("period") from None


def _metadata_filter() -> dict[str, str] | None:
    """``metadata[key]=value`` pairs; None when one key asks for two values (nothing can match)."""
    wanted: dict[str, str] = {}
    for name, values in request.args.lists():
        if not name.startswith("metadata"):
            continue
        m = _METADATA.fullmatch(name)
        if m is None:
            raise AttributeInvalid("metadata")
        for value in values:
            if wanted.setdefault(m.group(1), value) != value:
                return None
    return wanted


def _page(items: Sequence[str], total: int, req: PageRequest) -> Response:
    """``{"data": [...], "pagination": {...}}`` from already serialised items."""
    path, query = link_base()
    body = f'{{"data":[{",".join(items)}],"pagination":{to_json(pagination(req, total, len(items), path, query))}}}'
    return Response(body, mimetype="application/json")


# --- operations -------------------------------------------------------------------------------
@bp.post("/auth/api-key")
def authenticate() -> Response:
    """POST /auth/api-key: an API key for access and refresh tokens."""
    api_key = _body_field("apiKey")
    backend, now = backend_and_now()
    with current_tenant().lock:
        tokens = backend.login(api_key, now)
    if tokens is None:
        raise InvalidCredentials()
    return json_response(tokens)


@bp.post("/auth/refresh")
def refresh() -> Response:
    """POST /auth/refresh: a refresh token (consumed) for new tokens."""
    token = _body_field("refreshToken")
    backend, now = backend_and_now()
    with current_tenant().lock:
        tokens = backend.use_refresh_token(token, now)
    if tokens is None:
        raise InvalidCredentials()
    return json_response(tokens)


@bp.get("/analytics/videos/<video_id>")
def list_video_sessions(video_id: str) -> Response:
    """GET /analytics/videos/{videoId}: sessions loaded in ``period``, filtered by metadata."""
    prepared = authorize().backend.prepared
    period = _period()
    req = parse_page_request(request.args)
    wanted = _metadata_filter()
    source, ingested = _source(prepared, VIDEO, video_id)
    if wanted is None:
        return _page([], 0, req)
    selection = source.select(period, wanted, prepared.memo, ingested)
    start, stop = page_bounds(req, len(selection))
    return _page(selection.page_json(start, stop), len(selection), req)


@bp.get("/analytics/live-streams/<live_stream_id>")
def list_live_stream_sessions(live_stream_id: str) -> Response:
    """GET /analytics/live-streams/{liveStreamId}: sessions loaded in ``period``."""
    prepared = authorize().backend.prepared
    period = _period()
    req = parse_page_request(request.args)
    source, ingested = _source(prepared, LIVE, live_stream_id)
    selection = source.select(period, {}, prepared.memo, ingested)
    start, stop = page_bounds(req, len(selection))
    return _page(selection.page_json(start, stop), len(selection), req)


@bp.get("/analytics/sessions/<session_id>/events")
def list_session_events(session_id: str) -> Response:
    """GET /analytics/sessions/{sessionId}/events: the session's events by ``emittedAt``."""
    prepared = authorize().backend.prepared
    req = parse_page_request(request.args)
    found = prepared.find_session(session_id)
    if found is not None:
        events = prepared.session_events(found)
    else:
        backend, now = backend_and_now()
        with current_tenant().lock:
            ingested = backend.ingest.find(session_id, now)
        if ingested is None:
            raise ResourceNotFound("sessionId")
        events = ingested.events
    start, stop = page_bounds(req, len(events))
    return _page([to_json(event) for event in events[start:stop]], len(events), req)


# --- for the core -----------------------------------------------------------------------------
def error_response(status: int, detail: str | None) -> Response:
    """Routing 404/405, 413 and ``status`` faults as problem+json.

    Werkzeug's own descriptions are English prose meant for HTML pages: the vendor's fixed titles
    are used instead, except for statuses the vendor has no title for.
    """
    if status in (404, 405, 429):
        detail = None
    data_404 = status == 404 and (request.path == "/data" or request.path.startswith("/data/"))
    response = render(UnrecognizedDataUrl() if data_404 else problem_for_status(status, detail))
    if status == 405:
        response.headers["Allow"] = ", ".join(sorted(_allowed_methods()))
    return with_cors(response) if is_collector_path(request.path) else response


def _allowed_methods() -> set[str]:
    """The methods the requested path answers to (RFC 9110 wants them in 405's Allow)."""
    try:
        return set(current_app.url_map.bind_to_environ(request.environ).allowed_methods())
    except Exception:  # noqa: BLE001 - a header is not worth a failure on an error path
        return set()


def _caller_limit() -> int:
    """The rate limit of the key the request speaks for, without counting it (default: sandbox)."""
    backend, now = backend_and_now()
    try:
        with current_tenant().lock:
            return check_credentials(request.headers.get("Authorization"), backend, now).limit
    except Problem:
        return ENVIRONMENT_LIMITS["sandbox"]


def fault_response(action: dict) -> Response | None:
    """``rate_limit`` faults: the vendor's 429 with its headers; other vendor kinds do not apply."""
    if action.get("kind") != "rate_limit":
        return None
    headers = {"X-RateLimit-Limit": str(_caller_limit()), "X-RateLimit-Remaining": "0",
               "X-RateLimit-Retry-After": str(int(action.get("retry_after", 60)))}
    response = render(TooManyRequests(), headers)
    return with_cors(response) if is_collector_path(request.path) else response
