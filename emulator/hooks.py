"""Per-request machinery around the vendors' views: tenant, faults, journal, error rendering."""

from __future__ import annotations

import hmac
import logging
import time

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, RequestEntityTooLarge

from .clock import format_instant
from .core import current_emulator, current_tenant
from .journal import RawEntry
from .store import TenantError

CONTROL_PREFIX = "/_emulator"
TRANSPORT_KEY = "emulator.transport"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
log = logging.getLogger("emulator")


def is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def control_error(status: int, message: str) -> Response:
    """The control API's error shape: 4xx {"error": "..."}."""
    response = jsonify(error=message)
    response.status_code = status
    return response


def require_control_token() -> Response | None:
    """With ``--control-token``, a control request without ``Authorization: Bearer T`` gets 401."""
    token = current_emulator().settings.control_token
    if not token:
        return None
    given = request.headers.get("Authorization", "")
    if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return None
    response = control_error(401, "the control API needs 'Authorization: Bearer <control token>'")
    response.headers["WWW-Authenticate"] = 'Bearer realm="analytics-emulator"'
    return response


def _before() -> Response | None:
    emulator = current_emulator()
    environ = request.environ  # per-request values live here, not in ``g`` (see core.current_tenant)
    control = is_control(request.path)
    if not control:
        environ["emulator.started"] = time.perf_counter()
        vendor = emulator.vendor_for(request.path)
        environ["emulator.api"] = vendor.name if vendor else "unknown"
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and (request.content_length or 0) > limit:
        raise RequestEntityTooLarge(f"The request body is over the {limit}-byte limit.")
    if control:
        return None
    if request.mimetype in FORM_TYPES:
        request.get_data(cache=True)  # the form parser then reads this copy, and the journal keeps the bytes
    try:
        tenant = current_tenant()
    except TenantError as exc:
        environ["emulator.api"] = None  # nothing to journal in: there is no valid tenant
        return control_error(400, str(exc))
    if not tenant.faults:
        return None
    params = dict(request.args.items())
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        params.update(request.form.items())
    api = environ["emulator.api"]
    rule = tenant.faults.select(tenant.now(), tenant.random("faults").random, api=api, method=request.method,
                                path=request.path, params=params, headers=request.headers)
    if rule is None:
        return None
    environ["emulator.fault"] = rule.id
    environ["emulator.fault_kind"] = rule.kind
    action = rule.action
    kind = action["kind"]
    if kind == "latency":
        delay = action["ms"] + tenant.random("latency").uniform(0, action.get("jitter_ms", 0))
        emulator.stopping.wait(delay / 1000.0)
        return None
    if kind == "status":
        if "body" in action or vendor is None:
            response = Response(action.get("body", ""), status=action["status"],
                                content_type=action.get("content_type", "text/plain; charset=utf-8"))
        else:
            response = vendor.error_response(action["status"], None)
        response.headers.update(action.get("headers", {}))
        return response
    if kind in ("error", "rate_limit"):
        response = vendor.fault_response(action) if vendor else None
        if response is None:
            return control_error(400, f"fault {rule.id!r}: kind {kind!r} does not apply to {api} routes")
        return response
    request.environ[TRANSPORT_KEY] = action
    if kind in ("reset", "empty", "hang"):
        return Response(b"", status=200)
    return None  # truncate, slow_body: the normal answer, delivered badly by the transport layer


def _after(response: Response) -> Response:
    environ = request.environ
    api = environ.get("emulator.api")
    if api is None:
        return response
    tenant = current_tenant()
    settings = current_emulator().settings
    try:
        body = request.get_data(cache=True)  # the journal cuts it to journal_body_bytes, marking the cut
    except HTTPException:  # over the size cap: the request is journaled without its body
        body = f"<body over the {settings.max_body_bytes}-byte limit, not kept>".encode()
    headers = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.append((key, environ[key]))
    kind = environ.get("emulator.fault_kind")
    tenant.journal.record(RawEntry(
        format_instant(tenant.now()), api, environ["REQUEST_METHOD"], request.path,
        environ.get("QUERY_STRING", ""), headers, body, environ.get("REMOTE_ADDR"),
        None if kind in ("reset", "empty", "hang") else response.status_code, environ.get("emulator.fault"), kind,
        (time.perf_counter() - environ["emulator.started"]) * 1000))
    return response


def _control_message(exc: HTTPException, allowed: list[str]) -> str:
    """Routing errors of the control API say what exists instead of Werkzeug's generic text."""
    if exc.code == 404:
        return (f"no control route {request.method} {request.path} "
                f"(the control routes are listed at {CONTROL_PREFIX}/openapi.json)")
    if exc.code == 405 and allowed:
        return f"{request.path} does not answer {request.method} (allowed: {', '.join(allowed)})"
    return exc.description or exc.name


def _http_error(exc: HTTPException) -> Response:
    """Routing 404/405, 413 and friends in the format of whoever owns the path."""
    if is_control(request.path):
        allowed = sorted(exc.valid_methods or ()) if isinstance(exc, MethodNotAllowed) else []
        response = control_error(exc.code or 500, _control_message(exc, allowed))
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response
    if request.path == "/":
        return control_error(404, "no emulated route at /: the dashboard is at /_emulator/ui, the routes of the "
                                  "control API and of both emulated APIs at /_emulator/openapi.json")
    vendor = current_emulator().vendor_for(request.path)
    if vendor is not None:
        return vendor.error_response(exc.code or 500, exc.description)
    return control_error(exc.code or 500, f"{exc.name}: no emulated route {request.method} {request.path}")


def _server_error(exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError("The emulator failed on this request; see its log."))


def init_app(app: Flask) -> None:
    """Register the hooks on the app."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
