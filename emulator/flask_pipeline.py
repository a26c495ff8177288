"""The Flask side of the request pipeline (emulator.pipeline): tenant, faults, journal, error rendering.

Every route Flask serves goes through here; the vendors' hot routes take the same steps in
``pipeline.HotPaths`` without Flask. Both call the same functions of ``emulator.pipeline``.
"""

from __future__ import annotations

import hmac
import logging

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.wrappers import Response

from . import pipeline
from .context import current_emulator
from .exchange import control_reply, to_flask
from .pipeline import STATE_KEY, RequestState

__all__ = ["CONTROL_PREFIX", "control_error", "init_app", "is_control", "request_state", "require_control_token"]

CONTROL_PREFIX = "/_emulator"
log = logging.getLogger("emulator")


def is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def control_error(status: int, message: str) -> Response:
    """The control API's error shape: 4xx {"error": "..."}."""
    return to_flask(control_reply(status, message))


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


def request_state() -> RequestState | None:
    """This request's state (None on control routes before the hook ran)."""
    return request.environ.get(STATE_KEY)


def _before() -> Response | None:
    emulator = current_emulator()
    path = request.path
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if is_control(path):
        pipeline.check_length(request.environ, limit)
        return None
    vendor = emulator.vendor_for(path)
    state = pipeline.open_state(request.environ, vendor)
    pipeline.check_length(request.environ, limit)
    if request.mimetype in pipeline.FORM_TYPES:
        request.get_data(cache=True, parse_form_data=False)  # the form parser reads this copy; the journal keeps it
    early = pipeline.begin(emulator, state, request)
    if early is None:
        return None
    if isinstance(early, pipeline.Reply):
        return to_flask(early)
    if vendor is None:  # begin() answers for a path no vendor owns with a Reply
        raise RuntimeError(f"{path}: the pipeline asked a vendor's answer of a path no vendor owns")
    if isinstance(early, pipeline.VendorError):
        response = vendor.error_response(early.status, early.detail)
        response.headers.update(early.headers)
        return response
    answer = vendor.fault_response(early.action)
    return to_flask(pipeline.inapplicable(state)) if answer is None else answer


def _after(response: Response) -> Response:
    state: RequestState | None = request.environ.get(STATE_KEY)
    if state is None or state.api is None:
        return response
    emulator = current_emulator()
    pipeline.journal(emulator, state, request, response.status_code)
    if state.action is not None and state.action.kind == "slow_body":
        slow = pipeline.in_process_body(emulator, state, request.environ, response.get_data())
        if slow is not None:
            response.response = slow
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
    return _http_error(InternalServerError(pipeline.SERVER_ERROR))


def init_app(app: Flask) -> None:
    """Register the hooks on the app."""
    app.before_request(_before)
    app.after_request(_after)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)
