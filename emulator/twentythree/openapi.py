"""OpenAPI 3.0 description of the 23 Video report and extract routes and of their control listing."""

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


_DATE = {"type": "string", "format": "date"}
_RANGE = [_param("date_start", "First UTC day, YYYY-MM-DD (default: date_end - 29 days)", _DATE),
          _param("date_end", "Last UTC day, YYYY-MM-DD (default: today on the emulator clock)", _DATE),
          _param("photo_id", "Comma-separated photo ids (default: the whole site)")]
_LISTING = [_param("exclude_deleted_p", "0 (default) or 1; nothing is deleted in the emulator",
                   {"type": "integer", "enum": [0, 1]}),
            _param("orderby", "downloads (default), playthrough_average, engagement or embeds",
                   {"type": "string", "enum": ["downloads", "playthrough_average", "engagement", "embeds"]}),
            _param("order", "desc (default) or asc", {"type": "string", "enum": ["desc", "asc"]}),
            _param("p", "Page, from 1", {"type": "integer", "minimum": 1}),
            _param("size", "Items per page, 1-100 (default 20)", {"type": "integer", "minimum": 1, "maximum": 100})]
_OAUTH = ("Needs permission level read: sign with OAuth 1.0a HMAC-SHA1 (Authorization header, query string "
          "of a GET or form body of a POST) using credentials of the site's `oauth:` entries. JSON only: "
          "without format=json the answer is an XML invalid_input error.")
_EXTRACT: dict[str, tuple[str, list[dict]]] = {
    "play-totals": ("Daily, hourly and absolute totals of the site or of some photos", _RANGE),
    "play-details": ("Totals per photo, ordered and paginated", _RANGE + _LISTING),
    "photo-totals": ("All-time totals of the photos updated since a moment", [
        _param("site_id", "Comma-separated site ids (default: the site of the Host)"),
        _param("since", "UTC \"%Y-%m-%d %H:%M:%S\": only photos with activity from then on"),
    ]),
    "embed-details": ("Totals per embedding domain and page (from the reports' referer)", _RANGE + _LISTING + [
        _param("url_limit", "At most this many URLs per domain", {"type": "integer", "minimum": 0}),
    ]),
}


def _extract_operation(method: str, http: str) -> dict[str, Any]:
    summary, params = _EXTRACT[method]
    form = params + [p for p in _ENVELOPE_PARAMS if p["name"] != "format"] + [
        _param("format", "Must be json (XML is not supported by extraction endpoints)",
               {"type": "string", "enum": ["json"]})]
    op: dict[str, Any] = {"summary": summary, "description": _OAUTH, "tags": [TAG],
                          "operationId": f"twentythree_extract_{method.replace('-', '_')}_{http}",
                          "responses": {"200": {
                              "description": "Success or vendor error (HTTP 200): JavaScript for format=json, "
                                             "JSON with raw",
                              "content": {"text/javascript": {"schema": {"type": "string"}},
                                          "application/json": {"schema": {"oneOf": [
                                              {"$ref": "#/components/schemas/TwentyThreeExtract"},
                                              {"$ref": "#/components/schemas/TwentyThreeEnvelope"}]}},
                                          "text/xml": {"schema": {"type": "string"}}}}}}
    if http == "get":
        op["parameters"] = form
    else:
        properties = {p["name"]: {**p["schema"], "description": p["description"]} for p in form}
        op["requestBody"] = {"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": properties}}}}
    return op


def openapi_paths() -> dict[str, Any]:
    """The ``paths`` entries: four report and four extract methods (GET and POST), the control listing."""
    paths: dict[str, Any] = {
        f"/api/analytics/report/{method}": {"get": _operation(method, "get"), "post": _operation(method, "post")}
        for method in _METHODS
    }
    paths.update({
        f"/api/analytics/extract/{method}": {"get": _extract_operation(method, "get"),
                                             "post": _extract_operation(method, "post")}
        for method in _EXTRACT
    })
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
        "TwentyThreeExtract": {
            "type": "object",
            "required": ["status", "permission_level", "cached", "analytics", "p", "size", "total_count", "site",
                         "endpoint"],
            "properties": {"status": {"type": "string", "enum": ["ok"]}, "permission_level": _STR, "cached": _STR,
                           "analytics": {"type": "object"}, "p": {"type": "integer"}, "size": {"type": "integer"},
                           "total_count": {"type": "integer"},
                           "site": {"type": "object", "additionalProperties": _STR}, "endpoint": _STR},
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
