"""OpenAPI 3.0 description of the 23 Video report routes and of their control listing."""

from __future__ import annotations

from typing import Any

TAG = "23 Video"
_STR = {"type": "string"}


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or _STR, "description": description}


_ENVELOPE_PARAMS = [
    _param("format", "xml (default) or json (then `var visual = {...}`)", {"type": "string", "enum": ["xml", "json"]}),
    _param("callback", "JSONP function name (a dotted JavaScript identifier); wins over raw"),
    _param("raw", "Present with any value: plain JSON"),
    _param("varname", "Variable name of the `var NAME = {...}` envelope (default visual)"),
]
_PLAYER_PARAMS = [
    _param("user_player_type", "flash, html5..."),
    _param("user_player_version", "Player version"),
    _param("user_player_resolution", "Screen resolution, WxH"),
]
_NUMBER = {"type": "number", "minimum": 0}
_PLAY_SUMMARY = ("Report a playback (clip: timeStart..., live: type=live & play_timestamp; "
                 "with bytes_total: the download contract)")

_METHODS: dict[str, tuple[str, list[dict]]] = {
    "play": (_PLAY_SUMMARY, [
                 _param("photo_id", "The ID of the playing video (required)"),
                 _param("timeStart", "Start of the played range, seconds (required for clips)", _NUMBER),
                 _param("timeEnd", "End of the played range, seconds", _NUMBER),
                 _param("timeTotal", "Duration of the video, seconds", _NUMBER),
                 _param("type", "clip (default) or live", {"type": "string", "enum": ["clip", "live"]}),
                 _param("play_timestamp", "Live: programme time, Unix seconds (required for live)", _NUMBER),
                 _param("bytes_total", "Makes this a stream report (download contract)",
                        {"type": "integer", "minimum": 0}),
             ]),
    "download": ("Report a download or stream (whitelisted servers only)", [
        _param("photo_id", "The ID of the video (required)"),
        _param("session_id", "Session; else read from the site's session cookies"),
        _param("bytes_total", "Bytes transferred (required)", {"type": "integer", "minimum": 0}),
        _param("skip", "1 if the session results from scrubbing", {"type": "integer", "enum": [0, 1]}),
    ]),
    "event": ("Report a player event", [
        _param("photo_id", "The ID of the playing video (required)"),
        _param("event", "load, fullscreen, preRollClose, preRollClick, postRollClose, postRollClick, "
                        "callToActionClick, embedEngaged, shareEngaged (others are recorded, flagged)"),
        _param("source", "admin, site, share, embed, podcast, download, search, facebook or custom"),
    ]),
    "batch": ("Report many at once (the HTML5 player's batch mode; undocumented by the vendor)", [
        _param("data", "JSON array of report objects, each with reportType play, download or event"),
    ]),
}

_RESPONSES = {
    "200": {
        "description": "Success or vendor error (both HTTP 200): XML by default, JavaScript for "
                       "format=json / callback, JSON for raw",
        "content": {
            "text/xml": {"schema": {"type": "string"}},
            "text/javascript": {"schema": {"type": "string"}},
            "application/json": {"schema": {"$ref": "#/components/schemas/TwentyThreeEnvelope"}},
        },
    },
}


def _operation(method: str, http: str) -> dict[str, Any]:
    summary, params = _METHODS[method]
    op: dict[str, Any] = {"summary": summary, "tags": [TAG], "operationId": f"twentythree_report_{method}_{http}",
                          "responses": _RESPONSES}
    form = params + (_PLAYER_PARAMS if method != "batch" else []) + _ENVELOPE_PARAMS
    if http == "get":
        op["parameters"] = form
    else:
        properties = {p["name"]: {**p["schema"], "description": p["description"]} for p in form}
        op["requestBody"] = {"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": properties}}}}
    return op


def openapi_paths() -> dict[str, Any]:
    """The ``paths`` entries: four report methods (GET and POST) and the control listing."""
    paths: dict[str, Any] = {
        f"/api/analytics/report/{method}": {"get": _operation(method, "get"), "post": _operation(method, "post")}
        for method in _METHODS
    }
    paths["/_emulator/twentythree/reports"] = {"get": {
        "summary": "Recorded 23 Video reports (newest last)",
        "tags": ["control"],
        "operationId": "twentythree_reports",
        "parameters": [
            {"name": "X-Emulator-Tenant", "in": "header", "required": False, "schema": _STR},
            _param("kind", "play, download or event", {"type": "string", "enum": ["play", "download", "event"]}),
            _param("photo_id", "Only this photo"),
            _param("domain", "Only this site domain"),
            _param("session_id", "Only this session (download reports)"),
            _param("limit", "At most this many, the newest", {"type": "integer", "minimum": 0}),
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "required": ["total", "items"],
                "properties": {"total": {"type": "integer", "minimum": 0},
                               "items": {"type": "array",
                                         "items": {"$ref": "#/components/schemas/TwentyThreeReport"}}}}}}},
            "4XX": {"description": "Bad control request", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"error": _STR}}}}},
        },
    }}
    return paths


def openapi_components() -> dict[str, Any]:
    """Schemas referenced by :func:`openapi_paths`."""
    return {"schemas": {
        "TwentyThreeEnvelope": {
            "type": "object", "required": ["status", "message", "permission_level", "endpoint"],
            "properties": {"status": {"type": "string", "enum": ["ok", "error"]}, "message": _STR,
                           "code": _STR, "permission_level": _STR, "cached": _STR, "report": {"type": "object"},
                           "p": _STR, "size": _STR, "site": {"type": "object", "additionalProperties": _STR},
                           "endpoint": _STR},
        },
        "TwentyThreeReport": {
            "type": "object",
            "required": ["id", "kind", "time", "domain", "site_id", "endpoint", "ip", "photo_id", "fields",
                         "params"],
            "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "enum": ["play", "download", "event"]},
                           "time": _STR, "domain": _STR, "site_id": _STR, "endpoint": _STR,
                           "ip": {"type": "string", "nullable": True}, "photo_id": _STR,
                           "fields": {"type": "object"}, "params": {"type": "object"},
                           "batch_index": {"type": "integer", "nullable": True}},
        },
    }}
