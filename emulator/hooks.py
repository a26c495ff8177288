"""Per-request machinery around the vendors' views: tenant, faults, journal, error rendering."""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, RequestEntityTooLarge

from . import transport
from .clock import format_instant
from .core import Vendor, current_emulator, current_tenant
from .faults import FaultRule
from .httpserver import CONNECTION_KEY, TransportAction
from .journal import RawEntry
from .store import Tenant, TenantError

CONTROL_PREFIX = "/_emulator"
STATE_KEY = "emulator.state"
# On an answer made from a fault rule's own ``body``: whatever text a rule carries, a browser that
# opens it runs no script and guesses no type (the rule's author is not the page's author).
FAULT_BODY_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
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


@dataclass
class RequestState:
    """One request's way through the pipeline: tenant, vendor, clock reading, fault, transport action.

    Made once in the before-request hook (``environ["emulator.state"]``, the only key of the app's
    own); the vendor handler and the journal read it instead of deciding again.
    """

    tenant: Tenant | None
    vendor: Vendor | None
    api: str | None  # what the journal files it under; None: not journaled (control, bad tenant)
    started: float
    now: datetime | None = None
    rule: FaultRule | None = None
    action: TransportAction | None = None


def request_state() -> RequestState | None:
    """This request's state (None on control routes before the hook ran)."""
    return request.environ.get(STATE_KEY)


def _before() -> Response | None:
    emulator = current_emulator()
    environ = request.environ
    path = request.path
    if is_control(path):
        _check_length()
        return None
    vendor = emulator.vendor_for(path)
    state = RequestState(None, vendor, vendor.name if vendor else "unknown", time.perf_counter())
    environ[STATE_KEY] = state
    _check_length()
    try:
        state.tenant = tenant = current_tenant()
    except TenantError as exc:
        state.api = None  # nothing to journal in: there is no valid tenant
        return control_error(400, str(exc))
    state.now = tenant.now()
    if not tenant.faults:
        return None
    params = dict(request.args.items())
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        params.update(request.form.items())
    rule = tenant.faults.select(state.now, tenant.random("faults").random, api=state.api, method=request.method,
                                path=path, params=params, headers=request.headers)
    if rule is None:
        return None
    state.rule = rule
    action = rule.action
    kind = action["kind"]
    if kind == "status":
        if "body" in action or vendor is None:
            response = Response(action.get("body", ""), status=action["status"],
                                content_type=action.get("content_type", "text/plain; charset=utf-8"))
            response.headers.update(action.get("headers", {}))
            response.headers.update(FAULT_BODY_HEADERS)  # a rule's own text is never active content
            return response
        response = vendor.error_response(action["status"], None)
        response.headers.update(action.get("headers", {}))
        return response
    if kind in ("error", "rate_limit"):
        response = vendor.fault_response(action) if vendor else None
        if response is None:
            return control_error(400, f"fault {rule.id!r}: kind {kind!r} does not apply to {state.api} routes")
        return response
    max_ms = emulator.settings.hang_max_ms
    state.action = decision = transport.decide(action, tenant.random("latency"), max_ms)
    if not transport.hand_over(environ, decision):  # in-process: no socket to act on
        if kind == "latency":
            emulator.stopping.wait(decision.delay_ms / 1000.0)
        elif kind in transport.NEEDS_SOCKET:
            status, headers, body = transport.needs_socket_error(kind)
            return Response(body, status=status, headers=headers)
        return None
    if kind in transport.NO_ANSWER:
        return Response(b"", status=200)  # never sent: the server resets, closes or hangs instead
    return None  # latency, truncate, slow_body: the normal answer, delivered late or badly by the server


def _check_length() -> None:
    """413 from the declared length (the server has not read a body past the limit either)."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    declared = request.environ.get("CONTENT_LENGTH")  # straight from the environ: Headers cost 18 %
    if limit is not None and declared and declared.isdigit() and int(declared) > limit:
        raise RequestEntityTooLarge(f"The request body is over the {limit}-byte limit.")


def _after(response: Response) -> Response:
    environ = request.environ
    state: RequestState | None = environ.get(STATE_KEY)
    if state is None or state.api is None:
        return response
    tenant = state.tenant or current_tenant()
    settings = current_emulator().settings
    try:
        body = request.get_data(cache=True)[: settings.journal_body_bytes]
    except HTTPException:  # over the size cap: the request is journaled without its body
        body = f"<body over the {settings.max_body_bytes}-byte limit, not kept>".encode()
    headers = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.append((key, environ[key]))
    rule, action = state.rule, state.action
    kind = rule.kind if rule is not None else None
    duration = (time.perf_counter() - state.started) * 1000
    if action is not None and action.kind == "latency":
        duration += action.delay_ms  # the server holds the answer that long after this point
    tenant.journal.record(RawEntry(
        format_instant(state.now or tenant.now()), state.api, environ["REQUEST_METHOD"], request.path,
        environ.get("QUERY_STRING", ""), headers, body, environ.get("REMOTE_ADDR"),
        None if kind in transport.NO_ANSWER else response.status_code, rule.id if rule else None, kind, duration))
    if action is not None and action.kind == "slow_body" and CONNECTION_KEY not in environ:
        max_ms = current_emulator().settings.hang_max_ms
        response.response = transport.dribble(response.get_data(), action.bytes_per_second, max_ms,
                                              current_emulator().stopping)
    return response


def _http_error(exc: HTTPException) -> Response:
    """Routing 404/405, 413 and friends in the format of whoever owns the path."""
    if is_control(request.path):
        response = control_error(exc.code or 500, exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response
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
