"""One request pipeline: tenant -> fault decision -> vendor handler -> journal.

Both ways a vendor request is served go through the functions here, so each step exists once:

* Flask (every route): ``emulator.flask_pipeline`` calls :func:`begin` before the view and :func:`journal`
  after it.
* The hot paths (routes a vendor declares in ``Vendor.hot_routes``): :class:`HotPaths`, the WSGI
  layer ``create_app`` puts in front of Flask's ``wsgi_app``, recognises the path and method and
  runs the same steps around the vendor's handler without Flask's request context, URL adapter,
  hooks or response machinery (about 45 % of a report's CPU).

A vendor handler is a function of a :class:`VendorRequest` returning a :class:`Reply`; the Flask
view of the same route is a thin adapter (``VendorRequest.of`` in, :func:`to_flask` out), so no
vendor behaviour exists twice. This module names no vendor.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request as WerkzeugRequest

from . import transport
from .clock import format_instant
from .exchange import FAULT_BODY_HEADERS, FORM_TYPES, Reply, VendorRequest, control_reply, set_headers, to_flask
from .httpserver import TransportAction
from .journal import RawEntry
from .store import TenantError
from .tenancy import TENANT_ENVIRON, TRUSTED_KEY

if TYPE_CHECKING:
    from .contract import HotRoutes, Vendor
    from .faults import FaultRule
    from .instance import Emulator
    from .store import Tenant

STATE_KEY = "emulator.state"
#: the journal's ``api`` for a request on no vendor's path
UNKNOWN_API = "unknown"
TENANT_KEY = "emulator.tenant"
SERVER_ERROR = "The emulator failed on this request; see its log."
# Statuses whose headers Werkzeug adjusts (no body, no length): their answers go through a Response.
_UNUSUAL_STATUS = frozenset((204, 304, 412)) | frozenset(range(100, 200))
log = logging.getLogger("emulator")


@dataclass
class RequestState:
    """One request's way through the pipeline: tenant, vendor, clock reading, fault, transport action.

    Made once by :func:`begin` (``environ["emulator.state"]``, the only key of the app's own); the
    vendor handler and the journal read it instead of deciding again.
    """

    tenant: Tenant | None
    vendor: Vendor | None
    api: str | None  # what the journal files it under; None: not journaled (control, bad tenant)
    started: float
    now: datetime | None = None
    stamp: str | None = None  # ``now`` as the journal and the vendor's records write it
    rule: FaultRule | None = None
    action: TransportAction | None = None

    @property
    def fault_kind(self) -> str | None:
        """The kind of the rule that fired (None: no fault)."""
        return self.rule.kind if self.rule is not None else None

    def answered(self, status: int) -> int | None:
        """The status the client saw: None when a transport fault sent it no answer."""
        return None if self.fault_kind in transport.NO_ANSWER else status

    def duration_ms(self, since: float | None = None) -> float:
        """Milliseconds since ``since`` (default: the request began), plus what a latency fault holds
        the answer after now (the server's delay)."""
        duration = (time.perf_counter() - (self.started if since is None else since)) * 1000
        if self.action is not None and self.action.kind == "latency":
            duration += self.action.delay_ms
        return duration


# -- the steps -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VendorError:
    """Decided before the handler: answer the vendor's HTTP-level error (413, a ``status`` fault)."""

    status: int
    detail: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class VendorFault:
    """Decided before the handler: answer the vendor's own fault kind (``error``, ``rate_limit``)."""

    action: dict


Early = Reply | VendorError | VendorFault


def inapplicable(state: RequestState) -> Reply:
    """The answer when the fault that fired is a kind this route's vendor does not render (never for
    a rule RuleSchema accepted: it keeps a vendor's kind to that vendor's routes)."""
    rule = state.rule
    kind = rule.kind if rule else "?"
    return control_reply(400, f"fault {rule.id if rule else '?'!r}: kind {kind!r} does not apply to {state.api} routes")


def open_state(environ: dict, vendor: Vendor | None) -> RequestState:
    """The state of a request on a vendor (or unknown) path, left in the environ."""
    state = RequestState(None, vendor, vendor.name if vendor else UNKNOWN_API, time.perf_counter())
    environ[STATE_KEY] = state
    return state


def check_length(environ: dict, limit: int | None) -> None:
    """413 from the declared length (the server has not read a body past the limit either)."""
    declared = environ.get("CONTENT_LENGTH")  # straight from the environ: Headers cost 18 %
    if limit is not None and declared and declared.isdigit() and int(declared) > limit:
        raise RequestEntityTooLarge(f"The request body is over the {limit}-byte limit.")


def tenant_of(emulator: Emulator, environ: dict) -> Tenant:
    """The request's tenant (``X-Emulator-Tenant``; absent = default), looked up once; TenantError."""
    tenant = environ.get(TENANT_KEY)
    if tenant is None:
        tenant = emulator.store.get(environ.get(TENANT_ENVIRON) or None,
                                    trusted=environ.get(TRUSTED_KEY, False))
        environ[TENANT_KEY] = tenant
    return tenant


def begin(emulator: Emulator, state: RequestState, request: WerkzeugRequest) -> Early | None:
    """Tenant, the clock reading and the fault decision; what to answer instead of the handler, or None.

    Runs after :func:`check_length`. A transport decision is handed to the server (or, in-process,
    carried out here for ``latency``).
    """
    environ = request.environ
    try:
        state.tenant = tenant = tenant_of(emulator, environ)
    except TenantError as exc:
        state.api = None  # nothing to journal in: there is no valid tenant
        return control_reply(400, str(exc))
    state.now = tenant.now()
    state.stamp = format_instant(state.now)
    if not tenant.faults:
        return None
    method = environ["REQUEST_METHOD"]
    params = dict(request.args.items())
    if method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_TYPES:
        request.get_data(cache=True, parse_form_data=False)  # kept for the journal: the form parser consumes it
        params.update(request.form.items())
    rule = tenant.faults.select(state.now, tenant.random("faults").random, api=state.api, method=method,
                                path=request.path, params=params, headers=request.headers)
    if rule is None:
        return None
    state.rule = rule
    action = rule.action
    kind = action["kind"]
    vendor = state.vendor
    if kind == "status":
        extra = tuple(action.get("headers", {}).items())
        if "body" in action or vendor is None:
            return Reply.of(action["status"], action.get("content_type", "text/plain; charset=utf-8"),
                            action.get("body", ""), extra + FAULT_BODY_HEADERS)
        return VendorError(action["status"], None, extra)
    if kind in emulator.rules.owners:  # a vendor's own kind: the vendor renders it
        return VendorFault(action) if vendor is not None else inapplicable(state)

    state.action = decision = transport.decide(action, tenant.random("latency"), emulator.settings.hang_max_ms)
    if not transport.hand_over(environ, decision):  # in-process: no socket to act on
        if kind == "latency":
            emulator.stopping.wait(decision.delay_ms / 1000.0)
        elif kind in transport.NEEDS_SOCKET:
            status, headers, body = transport.needs_socket_error(kind)
            return Reply.of(status, headers["Content-Type"], body, headers.items())
        return None
    if kind in transport.NO_ANSWER:
        return Reply(200, (("Content-Length", "0"),), b"")  # never sent: the server resets, closes or hangs
    return None  # latency, truncate, slow_body: the normal answer, delivered late or badly by the server


def journal(emulator: Emulator, state: RequestState, request: WerkzeugRequest, status: int) -> None:
    """The request's journal entry, at the clock reading the pipeline took (or now, if it took none)."""
    if state.api is None:
        return
    environ = request.environ
    tenant = state.tenant or tenant_of(emulator, environ)
    settings = emulator.settings
    length = environ.get("CONTENT_LENGTH")
    try:
        if (not length or length == "0") and "HTTP_TRANSFER_ENCODING" not in environ:
            body = b""  # HTTP framing: no length and no transfer coding is no body (and no stream to set up)
        else:
            body = request.get_data(cache=True)  # the journal cuts it to journal_body_bytes, marking the cut
    except HTTPException:  # over the size cap: the request is journaled without its body
        body = f"<body over the {settings.max_body_bytes}-byte limit, not kept>".encode()
    headers = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers.append((key, environ[key]))
    rule = state.rule
    tenant.journal.record(RawEntry(
        state.stamp or format_instant(tenant.now()), state.api, environ["REQUEST_METHOD"], request.path,
        environ.get("QUERY_STRING", ""), headers, body, environ.get("REMOTE_ADDR"),
        state.answered(status), rule.id if rule else None, state.fault_kind, state.duration_ms()))


def in_process_body(emulator: Emulator, state: RequestState, environ: dict, body: bytes) -> Iterable[bytes] | None:
    """In-process ``slow_body`` (no server to dribble it): the body as a slow iterator, else None."""
    action = state.action
    if action is None or action.kind != "slow_body" or transport.CONNECTION_KEY in environ:
        return None
    return transport.dribble(body, action.bytes_per_second, emulator.settings.hang_max_ms, emulator.stopping)


# -- the hot paths ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Route:
    vendor: Vendor
    hot: HotRoutes
    handler: Callable[[VendorRequest], Reply]


class HotPaths:
    """WSGI layer in front of Flask: the vendors' hot routes run the pipeline here, the rest go to Flask.

    The request is a plain Werkzeug request (the same parsing, limits and errors Flask's would
    have); the answer is written from the handler's :class:`Reply`.
    """

    def __init__(self, wsgi_app: Callable, emulator: Emulator, config: Mapping[str, Any]) -> None:
        self.wsgi_app = wsgi_app
        self.emulator = emulator
        self.config = config  # the Flask app's: its body and form limits, read per request as Flask does
        self.routes: dict[str, _Route] = {}
        for vendor in emulator.vendors.values():
            hot = vendor.hot_routes
            if hot is None:
                continue
            for path, handler in hot.handlers.items():
                if emulator.vendor_for(path) is vendor:  # a path another vendor claims first stays with Flask
                    self.routes[path] = _Route(vendor, hot, handler)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        if route is None or environ.get("REQUEST_METHOD") not in route.hot.methods:
            return self.wsgi_app(environ, start_response)  # OPTIONS and 405 too: Flask's routing says them
        return self.serve(route, environ, start_response)

    def request(self, environ: dict) -> WerkzeugRequest:
        """A plain Werkzeug request with the limits Flask's request would have."""
        request = WerkzeugRequest(environ)
        config = self.config
        request.max_content_length = config.get("MAX_CONTENT_LENGTH")
        request.max_form_memory_size = config.get("MAX_FORM_MEMORY_SIZE")
        # Werkzeug leaves this class attribute unannotated (so: int); its form parser takes None (no
        # limit), as Flask's Request.max_form_parts, typed ``int | None``, passes it on
        request.max_form_parts = config.get("MAX_FORM_PARTS")  # type: ignore[assignment]
        return request

    def serve(self, route: _Route, environ: dict, start_response: Callable) -> Iterable[bytes]:
        emulator = self.emulator
        request = self.request(environ)
        state = open_state(environ, route.vendor)
        reply = self._answer(route, state, request)
        if state.api is not None:
            try:
                journal(emulator, state, request, reply.status)
            except Exception:  # noqa: BLE001 - as Flask would: the failure is logged, the client gets a 500
                log.exception("unhandled error on %s %s", environ["REQUEST_METHOD"], request.path)
                reply = self._error(route, state, request, InternalServerError(SERVER_ERROR))
        body: Iterable[bytes] = [reply.body]
        slow = in_process_body(emulator, state, environ, reply.body)
        if slow is not None:
            body = slow
        if reply.status in _UNUSUAL_STATUS:
            response = to_flask(reply)
            if slow is not None:
                response.response = slow
            return response(environ, start_response)
        phrase = HTTP_STATUS_CODES.get(reply.status)
        start_response(f"{reply.status} {phrase.upper() if phrase else 'UNKNOWN'}", list(reply.headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else body

    def _answer(self, route: _Route, state: RequestState, request: WerkzeugRequest) -> Reply:
        """The handler's reply, or the pipeline's own; every error rendered as Flask's handlers would."""
        try:
            check_length(request.environ, request.max_content_length)
            early = begin(self.emulator, state, request)
            if early is None:
                return route.handler(VendorRequest.of(request, state))
            if isinstance(early, Reply):
                return early
            value = VendorRequest.of(request, state, for_error=True)
            if isinstance(early, VendorError):
                reply = route.hot.error(value, early.status, early.detail)
                return Reply(reply.status, set_headers(reply.headers, early.headers), reply.body)
            return route.hot.fault(value, early.action) or inapplicable(state)
        except HTTPException as exc:
            return self._error(route, state, request, exc)
        except Exception:  # noqa: BLE001 - logged; the client gets the vendor's 500
            log.exception("unhandled error on %s %s", request.environ["REQUEST_METHOD"], request.path)
            return self._error(route, state, request, InternalServerError(SERVER_ERROR))

    def _error(self, route: _Route, state: RequestState, request: WerkzeugRequest, exc: HTTPException) -> Reply:
        tenant = state.tenant
        if tenant is None:
            try:
                tenant = tenant_of(self.emulator, request.environ)
            except TenantError:
                tenant = None
        value = VendorRequest.of(request, state, for_error=True, tenant=tenant)
        return route.hot.error(value, exc.code or 500, exc.description)

