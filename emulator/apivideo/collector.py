"""The collector: ``POST /vod`` and ``POST /live`` (player analytics v1) and ``POST /watch`` (v2).

Its own blueprint, so that the CORS headers a browser page needs are on these routes only
(never on /auth or /analytics, which the vendor serves to servers). A preflight ``OPTIONS``
answers 204 with the allowed method and headers. Every answer, errors included, carries
``Access-Control-Allow-Origin`` (the caller's ``Origin``, else ``*``) so the page can read it.

The reply is ``{"session": "<id>"}``: the v1 module keeps the id and sends it in later beacons.
Module 1.0.0-1.0.6 posted ``Content-Type: application/json`` from any page, so browsers preflight;
since 1.0.7 the module posts with no Content-Type header (``text/plain;charset=UTF-8``, no preflight),
and any content type is read as JSON. The v2 module posts ``text/plain`` (no preflight) and never
reads the answer; its playbacks land in the same store (watch.py), so both generations show in the
listings and in /data/*.
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from ..context import current_emulator, current_tenant
from .backend import Backend
from .beacons import ID_FIELD, Beacon, load_body, parse_beacon
from .constants import LIVE, NAME, VIDEO
from .errors import AttributeInvalid, Problem, render
from .referrers import split_referrer
from .render import to_json
from .timefmt import to_ms
from .viewers import platform, profile, viewer_address
from .watch import media_kind, parse_watch, playback_session_id, to_v1

COLLECTOR_PATHS = {"/vod": VIDEO, "/live": LIVE, "/watch": None}
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE = "86400"

bp = Blueprint("apivideo_collector", __name__)


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


def _body() -> dict:
    """The request body as a JSON object, nested no deeper than the emulator's limit."""
    return load_body(request.get_data(cache=True), current_emulator().settings.max_nesting_depth)


def _viewer(settings, live: bool, referrer: str) -> dict:
    address = viewer_address(request.headers.get("X-Forwarded-For"), request.remote_addr)
    country, city = settings.locations.lookup(address)
    return profile(live, country, city, platform(request.headers.get("User-Agent", "")),
                   split_referrer(referrer, live))


def _closed(backend: Backend, kind: str, source_id: str, field: str) -> None:
    if not backend.prepared.collector.open_catalogue and backend.prepared.source(kind, source_id) is None:
        raise AttributeInvalid(field, detail=f"{field}: {source_id!r} is not a "
                               f"{'video' if kind == VIDEO else 'live stream'} of the scenario "
                               "(its catalogue is closed)")


def _collect(kind: str) -> Response:
    """Check the beacon in full, derive the viewer, then record it under the tenant's lock."""
    if request.method == "OPTIONS":
        return _preflight()
    beacon = parse_beacon(_body(), kind)
    tenant = current_tenant()
    backend: Backend = tenant.backend(NAME)
    _closed(backend, kind, beacon.source_id, "session." + ID_FIELD[kind])
    viewer = _viewer(backend.prepared.collector, kind == LIVE, beacon.referrer)
    with tenant.lock:
        session_id = backend.ingest.record(beacon, viewer, to_ms(tenant.now()))
    return Response(to_json({"session": session_id}), mimetype="application/json")


@bp.route("/vod", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def collect_vod() -> Response:
    """POST /vod: a beacon of a video session."""
    return _collect(VIDEO)


@bp.route("/live", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def collect_live() -> Response:
    """POST /live: a beacon of a live-stream session."""
    return _collect(LIVE)


@bp.route("/watch", methods=["POST", "OPTIONS"], provide_automatic_options=False)
def collect_watch() -> Response:
    """POST /watch: a batch of v2 events of one playback (``sid`` + ``pid``) of a media (``mid``)."""
    if request.method == "OPTIONS":
        return _preflight()
    batch = parse_watch(_body())
    tenant = current_tenant()
    backend: Backend = tenant.backend(NAME)
    prepared = backend.prepared
    kind = media_kind(batch.mid, prepared.source(VIDEO, batch.mid) is not None,
                      prepared.source(LIVE, batch.mid) is not None)
    _closed(backend, kind, batch.mid, "mid")
    viewer = _viewer(prepared.collector, kind == LIVE, batch.referrer)
    session_id = playback_session_id(prepared.seed, batch)
    with tenant.lock:
        known = backend.ingest.sessions.get(session_id)
        recorded = [a.event for a in known.arrivals] if known else []
        loaded = known.loaded_ms if known else min([batch.sent_ms, *(e.emitted_ms for e in batch.events)])
        beacon = Beacon(kind, batch.mid, session_id, batch.sent_ms, loaded, batch.referrer, (),
                        tuple(to_v1(batch.events, recorded)))
        backend.ingest.record(beacon, viewer, to_ms(tenant.now()))
    return Response(to_json({"session": session_id}), mimetype="application/json")
