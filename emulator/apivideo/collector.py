"""The collector: ``POST /vod`` and ``POST /live``, where the player analytics module sends beacons.

Its own blueprint, so that the CORS headers a browser page needs are on these two routes only
(never on /auth or /analytics, which the vendor serves to servers). A preflight ``OPTIONS``
answers 204 with the allowed method and headers. Every answer, errors included, carries
``Access-Control-Allow-Origin`` (the caller's ``Origin``, else ``*``) so the page can read it.

The reply is ``{"session": "<id>"}``: the module keeps the id and sends it in later beacons.
Module 1.0.0-1.0.6 posted ``Content-Type: application/json`` from any page, so browsers preflight;
since 1.0.7 the module posts with no Content-Type header (``text/plain;charset=UTF-8``, no preflight),
and any content type is read as JSON.
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..core import current_emulator, current_tenant
from .backend import NAME, Backend
from .beacons import ID_FIELD, LIVE, VIDEO, load_body, parse_beacon
from .problems import AttributeInvalid, Problem, dumps, render
from .referrers import split_referrer
from .timefmt import to_ms
from .useragents import warm_up_in_background
from .viewers import platform, profile, viewer_address

COLLECTOR_PATHS = {"/vod": VIDEO, "/live": LIVE}
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "86400"

bp = Blueprint("apivideo_collector", __name__)
# an app that serves the collector compiles the user-agent rules at once, in the background
bp.record_once(lambda _state: warm_up_in_background())


def is_collector_path(path: str) -> bool:
    """``/vod`` and ``/live`` (and anything under them, answered 404 in the vendor's format)."""
    return any(path == p or path.startswith(p + "/") for p in COLLECTOR_PATHS)


def with_cors(response: Response) -> Response:
    """Let a page of any origin read the answer (no credentials are involved)."""
    origin = request.headers.get("Origin")
    response.headers["Access-Control-Allow-Origin"] = origin or "*"
    if origin:
        response.vary.add("Origin")
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    return with_cors(response)


@bp.errorhandler(Problem)
def _problem(problem: Problem) -> Response:
    return render(problem)


def _preflight() -> Response:
    """The CORS preflight: POST with the headers the page asked for (the module asks Content-Type)."""
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body
    response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = (
        request.headers.get("Access-Control-Request-Headers") or ALLOWED_HEADERS)
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def _collect(kind: str) -> Response:
    """Check the beacon in full, derive the viewer, then record it under the tenant's lock."""
    if request.method == "OPTIONS":
        return _preflight()
    beacon = parse_beacon(load_body(request.get_data(cache=True), current_emulator().settings.max_nesting_depth), kind)
    tenant = current_tenant()
    backend: Backend = tenant.backend(NAME)
    settings = backend.prepared.collector
    if not settings.open_catalogue and backend.prepared.source(kind, beacon.source_id) is None:
        field = "session." + ID_FIELD[kind]
        raise AttributeInvalid(field, detail=f"{field}: {beacon.source_id!r} is not a "
                               f"{'video' if kind == VIDEO else 'live stream'} of the scenario "
                               "(its catalogue is closed)")
    live = kind == LIVE
    address = viewer_address(request.headers.get("X-Forwarded-For"), request.remote_addr)
    country, city = settings.locations.lookup(address)
    viewer = profile(live, country, city, platform(request.headers.get("User-Agent", "")),
                     split_referrer(beacon.referrer, live))
    with tenant.lock:
        session_id = backend.ingest.record(beacon, viewer, to_ms(tenant.now()))
    return Response(dumps({"session": session_id}), mimetype="application/json")


@bp.route("/vod", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def collect_vod() -> Response:
    """POST /vod: a beacon of a video session."""
    return _collect(VIDEO)


@bp.route("/live", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def collect_live() -> Response:
    """POST /live: a beacon of a live-stream session."""
    return _collect(LIVE)
