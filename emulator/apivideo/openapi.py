"""The api.video routes in /_emulator/openapi.json: the pinned contract, made self-contained.

The core merges every vendor's component schemas into one namespace, so ours are prefixed
``apivideo-``; shared parameters are inlined (the core merges only schemas), and the error
answers the vendor never specified (problem+json 400/401/429) are added. The collector's two
routes (``/vod``, ``/live``) have no vendor contract: they are described from the player
module's beacon format.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .contracts import CONTRACT, DATA_CONTRACT
from .schema import EVENT_TYPES

PREFIX = "apivideo-"
#: the /data/* contract's components (some names, like ``pagination``, differ from the legacy ones)
DATA_PREFIX = "apivideo-data-"
_PROBLEM = "apivideo-problem"
_SCHEMA_REF = "#/components/schemas/"


def _rewrite(node: Any, contract: Mapping[str, Any] = CONTRACT, prefix: str = PREFIX) -> Any:
    """Prefix schema references; inline parameter references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            return {"$ref": _SCHEMA_REF + prefix + ref[len(_SCHEMA_REF):]}
        if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
            parameter = copy.deepcopy(contract["components"]["parameters"][ref.rsplit("/", 1)[1]])
            return _rewrite(parameter, contract, prefix)
        if node.get("format") == "uri":  # the links are relative, as in every vendor example
            node = dict(node, format="uri-reference")
        return {k: _rewrite(v, contract, prefix) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, contract, prefix) for v in node]
    return node


def _data_paths() -> dict:
    """The three /data/* operations of the pinned contract, errors as problem+json, plus 401."""
    paths = _rewrite(DATA_CONTRACT["paths"], DATA_CONTRACT, DATA_PREFIX)
    for item in paths.values():
        for op in item.values():
            op.pop("security", None)
            op["description"] = (op.get("description", "") + " Credentials as on /analytics/*; computed from "
                                 "the same sessions (scenario, /vod, /live and /watch beacons).").strip()
            for status, response in op["responses"].items():
                if status != "200":
                    content = next(iter(response["content"].values()))
                    response["content"] = {"application/problem+json": content}
            op["responses"].setdefault("401", _problem("Missing or invalid credentials"))
    return paths


def _watch_operation() -> dict:
    return {"post": {
        "tags": ["Player analytics collector"],
        "summary": "Send a batch of v2 player events",
        "description": ("What api.video's player analytics 2.x posts to `collector.api.video/watch` (as "
                        "text/plain, no preflight). One playback (`sid` + `pid`) is one session of the legacy "
                        "listings; events map to v1 types (docs/apivideo-analytics.md). CORS-enabled."),
        "operationId": "POST_collector-watch",
        "requestBody": {"required": True, "content": {"text/plain": {
            "schema": {"$ref": _SCHEMA_REF + PREFIX + "watch-batch"}}}},
        "responses": {
            "200": {"description": "Recorded", "content": {"application/json": {
                "schema": {"$ref": _SCHEMA_REF + PREFIX + "beacon-reply"}}}},
            "400": _problem("Bad batch: `name` is the field (e.g. `eve[2].typ`), `detail` says why"),
        }}}


_WATCH_SCHEMA = {
    "title": "WatchBatch", "type": "object", "required": ["sat", "sid", "mid", "pid"],
    "properties": {
        "sat": {"type": "integer", "description": "sent at, ms since the epoch"},
        "sid": {"type": "string", "description": "the tab's session (sessionStorage av_databus_sid)"},
        "mid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "video or live stream id"},
        "pid": {"type": "string", "description": "playback id, new for each media observed"},
        "ref": {"type": "string"}, "ver": {"type": "string"},
        "eve": {"type": "array", "maxItems": 1000, "items": {
            "type": "object", "required": ["eat", "typ"],
            "properties": {"eat": {"type": "integer"}, "typ": {"type": "integer", "minimum": 1, "maximum": 8,
                                                               "description": "1 loadeddata, 2 play, 3 pause, "
                                                               "4 timeupdate, 5 error, 6 ended, 7 seeking, 8 src"},
                           "vti": {"type": "number", "minimum": 0}, "vwi": {"type": "integer"},
                           "vhe": {"type": "integer"}, "pau": {"type": "boolean"},
                           "eco": {"type": "integer", "minimum": 0, "maximum": 4}}}},
    },
}


def _problem(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": _SCHEMA_REF + _PROBLEM}}}}


def _collector_operation(kind: str) -> dict:
    id_field = "video_id" if kind == "vod" else "live_stream_id"
    what = "video" if kind == "vod" else "live-stream"
    return {
        "post": {
            "tags": ["Player analytics collector"],
            "summary": f"Send a {what} playback beacon",
            "description": (f"What the api.video player analytics module (v1) posts to `collector.api.video/{kind}`. "
                            f"The first beacon of a session (no `session.session_id`) opens a session; the reply's "
                            f"`session` goes in the later ones. Events already recorded are not counted twice. "
                            f"`session.{id_field}` names the {what}. CORS-enabled (preflight answered)."),
            "operationId": f"POST_collector-{kind}",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": _SCHEMA_REF + PREFIX + f"beacon-{kind}"}}}},
            "responses": {
                "200": {"description": "Recorded", "content": {"application/json": {
                    "schema": {"$ref": _SCHEMA_REF + PREFIX + "beacon-reply"}}}},
                "400": _problem("Bad beacon: `name` is the field (e.g. `events[2].at`), `detail` says why"),
            },
        },
        "options": {
            "tags": ["Player analytics collector"],
            "summary": "CORS preflight",
            "operationId": f"OPTIONS_collector-{kind}",
            "responses": {"204": {"description": "Access-Control-Allow-Methods: POST, OPTIONS"}},
        },
    }


def _beacon_schema(id_field: str) -> dict:
    position = {"type": "number", "minimum": 0}
    instant = {"type": "string", "format": "date-time"}
    return {
        "title": "Beacon",
        "type": "object",
        "required": ["emitted_at", "session", "events"],
        "properties": {
            "emitted_at": instant,
            "session": {"type": "object", "required": ["loaded_at", id_field], "properties": {
                "loaded_at": instant,
                "referrer": {"type": "string", "description": "document.referrer; empty for a direct visit"},
                "metadata": {"type": "array", "items": {"type": "object", "minProperties": 1, "maxProperties": 1,
                                                        "additionalProperties": {"type": "string"}}},
                "session_id": {"type": "string", "pattern": "^ps[0-9A-Za-z]{21}$"},
                id_field: {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            }},
            "events": {"type": "array", "maxItems": 1000, "items": {
                "type": "object", "required": ["type", "emitted_at"],
                "properties": {"type": {"type": "string", "enum": list(EVENT_TYPES)}, "emitted_at": instant,
                               "at": position, "from": position, "to": position},
                "description": "`at` for ready/play/pause/resume/end; `from` and `to` for seeks"}},
        },
    }


def openapi_paths() -> dict:
    """The five legacy operations and the three /data/* ones, with the emulator's problem answers
    added, and the collector's three (/vod, /live, /watch)."""
    paths = _rewrite(CONTRACT["paths"])
    for path, item in paths.items():
        for op in item.values():
            op.pop("security", None)  # the merged document declares no security schemes
            responses = op["responses"]
            if path.startswith("/analytics/"):
                op["description"] = (op.get("description", "") + " Credentials: `Authorization: Bearer "
                                     "<access_token>` from /auth/api-key, or HTTP Basic with the API key "
                                     "as user name.").strip()
                responses.setdefault("400", _problem("Bad Request (missing or invalid parameter)"))
                responses.setdefault("401", _problem("Missing or invalid credentials"))
                responses.setdefault("429", _problem("Too many requests (rate_limits.enforce)"))
                for content in responses["404"].get("content", {}).values():
                    responses["404"]["content"] = {"application/problem+json": content}
                    break
            else:
                for content in responses["400"].get("content", {}).values():
                    responses["400"]["content"] = {"application/problem+json": content}
                    break
    paths["/vod"] = _collector_operation("vod")
    paths["/live"] = _collector_operation("live")
    paths.update(_data_paths())
    paths["/watch"] = _watch_operation()
    return paths


def openapi_components() -> dict:
    """The pinned component schemas (prefixed) and the problem document the emulator answers."""
    schemas = {PREFIX + name: _rewrite(schema) for name, schema in CONTRACT["components"]["schemas"].items()}
    schemas[_PROBLEM] = {
        "title": "Problem",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "integer"},
            "range": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}},
            "problems": {"type": "array", "items": {"$ref": _SCHEMA_REF + PREFIX + "additional-bad-request-errors"}},
            "detail": {"type": "string"},
        },
    }
    schemas[PREFIX + "beacon-vod"] = _beacon_schema("video_id")
    schemas[PREFIX + "beacon-live"] = _beacon_schema("live_stream_id")
    schemas[PREFIX + "beacon-reply"] = {"title": "BeaconReply", "type": "object", "required": ["session"],
                                        "properties": {"session": {"type": "string", "example":
                                                                   "psEmFwGQUAXR2lFHj5nDOpy"}}}
    schemas[PREFIX + "watch-batch"] = _WATCH_SCHEMA
    schemas.update((DATA_PREFIX + name, _rewrite(schema, DATA_CONTRACT, DATA_PREFIX))
                   for name, schema in DATA_CONTRACT["components"]["schemas"].items())
    return {"schemas": schemas}
