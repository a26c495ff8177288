"""HTTP for /api/analytics/report/* and /api/analytics/extract/*: read the request, authenticate the
caller (OAuth 1.0a), call the operations, render the answer.

Every method is a function of the request value (``emulator.pipeline.VendorRequest``) returning
the answer value (``Reply``), named after the vendor's method (analytics-report-play.md ->
``report_play``...). The four report methods are hot routes (``HOT_ROUTES``): the pipeline calls
them without Flask. The Flask views of every route are adapters over the same functions, so the
Flask test client runs the same code. Every vendor error is raised below a handler and rendered
once, in the envelope the request asked for, with the caller's level.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial

from flask import Blueprint, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import default_exceptions
from werkzeug.wrappers import Response

from ..context import current_tenant
from ..contract import HotRoutes
from ..exchange import Reply, VendorRequest, to_flask
from ..flask_pipeline import request_state
from ..store import TenantError
from . import extract
from .auth import authenticate_request, peek_principal
from .backend import Backend
from .constants import NAME
from .errors import ApiError, InsufficientLevel, InvalidInput, InvalidSignature, VendorError
from .models import Site
from .oauth import Principal, level_at_least
from .params import check_limits
from .render import Answer, Envelope, choose_envelope, reply
from .reports import Accepted, Caller, batch_answer, parse_batch, success, validate, validate_batch

PREFIX = "/api/analytics/report"
EXTRACT_PREFIX = "/api/analytics/extract"
NO_XML = ("Analytics extraction endpoints do not support XML output formatting: ask for format=json "
          "(add raw for plain JSON).")
UNSIGNED = ": the request is not signed (OAuth 1.0a, HMAC-SHA1, with credentials of this site)"
DEFAULT_RETRY_AFTER = 1

bp = Blueprint(NAME, __name__)

# HTTP-level errors (routing, body size, `status` faults): the vendor never documented them.
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_input", "Parameters are malformed."),
    401: ("permission_denied", "You don't have the necessary permissions to perform this action."),
    403: ("permission_denied", "You don't have the necessary permissions to perform this action."),
    404: ("no_such_method", "There is no API method at {path}."),
    405: ("method_not_allowed", "{method} is not allowed on {path}: use GET or POST."),
    413: ("invalid_input", "The request is too large."),
    429: ("rate_limited", "Too many requests: retry after {retry} seconds."),
    500: ("internal_error", "An internal error occurred."),
    503: ("service_unavailable", "The service is temporarily unavailable: retry later."),
}


def _envelope(params: Mapping[str, str]) -> Envelope:
    """The requested envelope; raises the callback/varname problem (rendered as raw JSON)."""
    envelope, problem = choose_envelope(params)
    if problem is not None:
        raise problem
    return envelope


def _render_error(request: VendorRequest, error: ApiError, params: MultiDict,
                  headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """``error`` in the request's envelope; a bad callback/varname wins and is answered as raw JSON.

    A signed caller's level replaces the error's default level (every answer states the caller's
    level); a signature that does not verify leaves the caller anonymous.
    """
    envelope, problem = choose_envelope(params)
    answer = Answer.from_error(problem or error, request.path, headers)
    if problem is not None:  # the bad callback is reported, but an HTTP-level error keeps its status
        answer = dataclasses.replace(answer, http_status=error.http_status)
    if not isinstance(error, InvalidSignature):
        principal = peek_principal(request)
        if principal.consumer_key is not None:
            answer = dataclasses.replace(answer, permission_level=principal.level)
    return reply(answer, envelope)


def _site_and_caller(request: VendorRequest, params: MultiDict) -> tuple[Backend, Site, Principal]:
    """Checks every call shares: parameter limits, then the site (Host) and the OAuth caller."""
    check_limits(params.items(multi=True))
    backend: Backend = request.served_tenant().backend(NAME)
    site = backend.sites.for_host(request.host)
    return backend, site, authenticate_request(request, site)


def report(request: VendorRequest, report_type: str) -> Reply:
    """Validate, record and answer one report request (``batch``: many reports); errors rendered."""
    try:
        return _report(request, report_type)
    except ApiError as error:
        return _render_error(request, error, request.params)


def _report(request: VendorRequest, report_type: str) -> Reply:
    params = request.params
    flat = params.to_dict(flat=True)  # first values, as MultiDict.get reads them, without its KeyErrors
    envelope = _envelope(flat)
    backend, site, principal = _site_and_caller(request, params)
    caller = Caller(ip=request.remote_addr, cookies=request.cookies)
    if report_type == "batch":
        items = parse_batch(flat)
        accepted, failures = validate_batch(items, site, caller)
        answer = dataclasses.replace(batch_answer(len(items), len(accepted), failures, request.path, site),
                                     permission_level=principal.level)
    else:
        report = validate(report_type, flat, site, caller)
        accepted, answer = [Accepted(report, flat)], success(report, request.path, site, principal.level)
    if request.method != "HEAD":  # HEAD asks what GET would answer; it reports nothing
        # the pipeline's one clock reading: the journal entry carries the same instant
        backend.record(accepted, when=request.served_at(), stamp=request.stamp, domain=site.domain,
                       site_id=site.site_id, endpoint=request.path, ip=request.remote_addr)
    return reply(answer, envelope)


report_play = partial(report, report_type="play")  # /api/analytics/report/play (clip, live, download contract)
report_download = partial(report, report_type="download")  # /api/analytics/report/download (whitelisted servers)
report_event = partial(report, report_type="event")  # /api/analytics/report/event
report_batch = partial(report, report_type="batch")  # /api/analytics/report/batch (the HTML5 player's batch mode)


def extract_method(request: VendorRequest, method: str) -> Reply:
    """Authorise (read level), refuse XML as documented, then sum the recorded reports and history."""
    try:
        return _extract(request, method)
    except ApiError as error:
        return _render_error(request, error, request.params)


def _extract(request: VendorRequest, method: str) -> Reply:
    params = request.params
    envelope = _envelope(params)
    backend, site, principal = _site_and_caller(request, params)
    if not level_at_least(principal.level, extract.REQUIRED_LEVEL):
        raise InsufficientLevel.required(extract.REQUIRED_LEVEL, principal.level, UNSIGNED + principal.note)
    if envelope.kind == "xml":
        raise InvalidInput(NO_XML)
    analytics, page, size, total = extract.compute(
        method, params.to_dict(flat=True), site=site, sites=backend.sites, records=backend.snapshot(),
        today=request.served_at().date(), principal=principal)
    payload = {"status": "ok", "permission_level": principal.level, "cached": "0", "analytics": analytics,
               "p": page, "size": size, "total_count": total, "site": site.site_object(), "endpoint": request.path}
    return reply(Answer.data(payload, request.path), envelope)


def error_answer(request: VendorRequest, status: int, detail: str | None) -> Reply:
    """An HTTP-level error (routing 404/405, 413, `status` faults) as a vendor error envelope."""
    code, template = _STATUS_ERRORS.get(status, ("internal_error" if status >= 500 else "invalid_input",
                                                 "The request failed (HTTP {status})."))
    default = default_exceptions.get(status)
    if not detail or (default is not None and detail == default.description):
        detail = template.format(path=request.path[:200], method=request.method, status=status,
                                 retry=DEFAULT_RETRY_AFTER)
    level = "none" if code == "permission_denied" else "anonymous"
    error = VendorError(detail, code=code, permission_level=level, http_status=status)
    headers: tuple[tuple[str, str], ...] = ()
    if status == 429:
        headers = (("Retry-After", str(DEFAULT_RETRY_AFTER)),)
    elif status == 405:
        headers = (("Allow", "GET, HEAD, OPTIONS, POST"),)
    return _render_error(request, error, request.query if status == 413 else request.params, headers)


def fault_answer(request: VendorRequest, action: dict) -> Reply | None:
    """Fault kinds of this vendor: ``error`` (HTTP 200 error envelope) and ``rate_limit`` (429)."""
    kind = action.get("kind")
    if kind == "error":
        code = action.get("code") or "error"
        error = VendorError(action.get("message") or f"An error occurred ({code}).", code=code)
        return _render_error(request, error, request.params)
    if kind == "rate_limit":
        retry = int(action.get("retry_after", DEFAULT_RETRY_AFTER))
        error = VendorError(f"Too many requests: retry after {retry} seconds.", code="rate_limited",
                            http_status=429)
        return _render_error(request, error, request.params, (("Retry-After", str(retry)),))
    return None


HOT_ROUTES = HotRoutes(
    handlers={f"{PREFIX}/play": report_play, f"{PREFIX}/download": report_download,
              f"{PREFIX}/event": report_event, f"{PREFIX}/batch": report_batch},
    error=error_answer,
    fault=fault_answer,
)


# -- the Flask side: adapters over the same functions ------------------------------------------------
def _value(*, for_error: bool = False) -> VendorRequest:
    """The Flask request as the handlers' value, with the pipeline's tenant and clock reading."""
    state = request_state()
    tenant = None
    if state is None or state.tenant is None:
        try:
            tenant = current_tenant()
        except TenantError:
            if not for_error:
                raise
    return VendorRequest.of(request, state, for_error=for_error, tenant=tenant)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    value = _value(for_error=True)
    return to_flask(_render_error(value, error, value.params))


@bp.route(f"{PREFIX}/play", methods=["GET", "POST"])
def report_play_view() -> Response:
    """/api/analytics/report/play."""
    return to_flask(report_play(_value()))


@bp.route(f"{PREFIX}/download", methods=["GET", "POST"])
def report_download_view() -> Response:
    """/api/analytics/report/download."""
    return to_flask(report_download(_value()))


@bp.route(f"{PREFIX}/event", methods=["GET", "POST"])
def report_event_view() -> Response:
    """/api/analytics/report/event."""
    return to_flask(report_event(_value()))


@bp.route(f"{PREFIX}/batch", methods=["GET", "POST"])
def report_batch_view() -> Response:
    """/api/analytics/report/batch."""
    return to_flask(report_batch(_value()))


@bp.route(f"{EXTRACT_PREFIX}/play-totals", methods=["GET", "POST"])
def extract_play_totals() -> Response:
    """/api/analytics/extract/play-totals: daily and absolute totals of a site or some photos."""
    return to_flask(extract_method(_value(), "play-totals"))


@bp.route(f"{EXTRACT_PREFIX}/play-details", methods=["GET", "POST"])
def extract_play_details() -> Response:
    """/api/analytics/extract/play-details: totals per photo, ordered and paginated."""
    return to_flask(extract_method(_value(), "play-details"))


@bp.route(f"{EXTRACT_PREFIX}/photo-totals", methods=["GET", "POST"])
def extract_photo_totals() -> Response:
    """/api/analytics/extract/photo-totals: all-time totals of photos updated since a moment."""
    return to_flask(extract_method(_value(), "photo-totals"))


@bp.route(f"{EXTRACT_PREFIX}/embed-details", methods=["GET", "POST"])
def extract_embed_details() -> Response:
    """/api/analytics/extract/embed-details: totals per embedding domain and page."""
    return to_flask(extract_method(_value(), "embed-details"))


def error_response(status: int, detail: str | None) -> Response:
    """Flask's side of :func:`error_answer` (the core's routing 404/405 and 413 on 23 Video paths)."""
    return to_flask(error_answer(_value(for_error=True), status, detail))


def fault_response(action: dict) -> Response | None:
    """Flask's side of :func:`fault_answer`."""
    answer = fault_answer(_value(for_error=True), action)
    return None if answer is None else to_flask(answer)
