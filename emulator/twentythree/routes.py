"""HTTP for /api/analytics/report/* and /api/analytics/extract/*: read the request, authenticate the
caller (OAuth 1.0a), call the operations, render the answer.

Views are named after the vendor's methods (analytics-report-play.md → ``report_play``,
analytics-extract-play-totals.md → ``extract_play_totals``). Every vendor error is raised and
rendered by one handler in the envelope the request asked for, with the caller's level.
"""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import default_exceptions

from ..core import current_tenant
from . import extract
from .auth import authenticate_request, peek_principal
from .backend import Backend
from .errors import ApiError, InsufficientLevel, InvalidInput, InvalidSignature, VendorError
from .oauth import Principal, level_at_least
from .params import check_limits
from .render import Answer, Envelope, choose_envelope, make_response
from .reports import Accepted, Caller, batch_answer, parse_batch, success, validate, validate_batch
from .sites import Site

NAME = "twentythree"
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


def _params(*, for_error: bool = False) -> MultiDict:
    """The request's parameters: form fields on POST (the query string is ignored), else the query.

    A view lets an unreadable body raise (the core answers 413); an error being rendered
    (``for_error``) falls back to the query string, the only hint left about the format.
    """
    if request.method != "POST":
        return request.args
    if not for_error:
        return request.form
    try:
        return request.form
    except Exception:  # noqa: BLE001 - too large or cut short: render the error anyway
        return request.args


def _envelope(params: MultiDict) -> Envelope:
    """The requested envelope; raises the callback/varname problem (rendered as raw JSON)."""
    envelope, problem = choose_envelope(params)
    if problem is not None:
        raise problem
    return envelope


def _render_error(error: ApiError, params: MultiDict, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """``error`` in the request's envelope; a bad callback/varname wins and is answered as raw JSON.

    A signed caller's level replaces the error's default level (every answer states the caller's
    level); a signature that does not verify leaves the caller anonymous.
    """
    envelope, problem = choose_envelope(params)
    answer = Answer.from_error(problem or error, request.path, headers)
    if problem is not None:  # the bad callback is reported, but an HTTP-level error keeps its status
        answer = dataclasses.replace(answer, http_status=error.http_status)
    if not isinstance(error, InvalidSignature):
        principal = peek_principal()
        if principal.consumer_key is not None:
            answer = dataclasses.replace(answer, permission_level=principal.level)
    return make_response(answer, envelope)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _render_error(error, _params(for_error=True))


def _site_and_caller(params: MultiDict) -> tuple[Backend, Site, Principal]:
    """Checks every call shares: parameter limits, then the site (Host) and the OAuth caller."""
    check_limits(params.items(multi=True))
    backend: Backend = current_tenant().backend(NAME)
    site = backend.sites.for_host(request.environ.get("HTTP_HOST"))
    return backend, site, authenticate_request(site)


def _report(report_type: str) -> Response:
    """Validate, record and answer one report request (``batch``: many reports)."""
    params = _params()
    envelope = _envelope(params)
    backend, site, principal = _site_and_caller(params)
    flat = params.to_dict(flat=True)
    tenant = current_tenant()
    caller = Caller(ip=request.remote_addr, cookies=request.cookies)
    if report_type == "batch":
        items = parse_batch(flat)
        accepted, failures = validate_batch(items, site, caller)
        answer = batch_answer(len(items), len(accepted), failures, request.path, site)
    else:
        report = validate(report_type, flat, site, caller)
        accepted, answer = [Accepted(report, flat)], success(report, request.path, site)
    if request.method != "HEAD":  # HEAD asks what GET would answer; it reports nothing
        backend.record(accepted, when=tenant.now(), domain=site.domain, site_id=site.site_id,
                       endpoint=request.path, ip=request.remote_addr)
    return make_response(dataclasses.replace(answer, permission_level=principal.level), envelope)


@bp.route(f"{PREFIX}/play", methods=["GET", "POST"])
def report_play() -> Response:
    """/api/analytics/report/play (clip, live, or with bytes_total the download contract)."""
    return _report("play")


@bp.route(f"{PREFIX}/download", methods=["GET", "POST"])
def report_download() -> Response:
    """/api/analytics/report/download (whitelisted servers only)."""
    return _report("download")


@bp.route(f"{PREFIX}/event", methods=["GET", "POST"])
def report_event() -> Response:
    """/api/analytics/report/event."""
    return _report("event")


@bp.route(f"{PREFIX}/batch", methods=["GET", "POST"])
def report_batch() -> Response:
    """/api/analytics/report/batch (the HTML5 player's batch mode)."""
    return _report("batch")


def _extract(method: str) -> Response:
    """Authorise (read level), refuse XML as documented, then sum the recorded reports and history."""
    params = _params()
    envelope = _envelope(params)
    backend, site, principal = _site_and_caller(params)
    if not level_at_least(principal.level, extract.REQUIRED_LEVEL):
        raise InsufficientLevel.required(extract.REQUIRED_LEVEL, principal.level, UNSIGNED + principal.note)
    if envelope.kind == "xml":
        raise InvalidInput(NO_XML)
    analytics, page, size, total = extract.run(
        method, params.to_dict(flat=True), site=site, sites=backend.sites, records=backend.snapshot(),
        today=current_tenant().now().date(), principal=principal)
    payload = {"status": "ok", "permission_level": principal.level, "cached": "0", "analytics": analytics,
               "p": page, "size": size, "total_count": total, "site": site.site_object(), "endpoint": request.path}
    return make_response(Answer.data(payload, request.path), envelope)


@bp.route(f"{EXTRACT_PREFIX}/play-totals", methods=["GET", "POST"])
def extract_play_totals() -> Response:
    """/api/analytics/extract/play-totals: daily and absolute totals of a site or some photos."""
    return _extract("play-totals")


@bp.route(f"{EXTRACT_PREFIX}/play-details", methods=["GET", "POST"])
def extract_play_details() -> Response:
    """/api/analytics/extract/play-details: totals per photo, ordered and paginated."""
    return _extract("play-details")


@bp.route(f"{EXTRACT_PREFIX}/photo-totals", methods=["GET", "POST"])
def extract_photo_totals() -> Response:
    """/api/analytics/extract/photo-totals: all-time totals of photos updated since a moment."""
    return _extract("photo-totals")


@bp.route(f"{EXTRACT_PREFIX}/embed-details", methods=["GET", "POST"])
def extract_embed_details() -> Response:
    """/api/analytics/extract/embed-details: totals per embedding domain and page."""
    return _extract("embed-details")


def error_response(status: int, detail: str | None) -> Response:
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
    return _render_error(error, request.args if status == 413 else _params(for_error=True), headers)


def fault_response(action: dict) -> Response | None:
    """Fault kinds of this vendor: ``error`` (HTTP 200 error envelope) and ``rate_limit`` (429)."""
    kind = action.get("kind")
    if kind == "error":
        code = action.get("code") or "error"
        error = VendorError(action.get("message") or f"An error occurred ({code}).", code=code)
        return _render_error(error, _params(for_error=True))
    if kind == "rate_limit":
        retry = int(action.get("retry_after", DEFAULT_RETRY_AFTER))
        error = VendorError(f"Too many requests: retry after {retry} seconds.", code="rate_limited",
                            http_status=429)
        return _render_error(error, _params(for_error=True), (("Retry-After", str(retry)),))
    return None
