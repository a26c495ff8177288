"""OpenAPI 3.0 description of the 23 Video report and extract routes and of their control listing.

Every answer, success or vendor error, is HTTP 200 in the envelope the request chose
(render.choose_envelope): ``text/xml`` by default, ``text/javascript`` (``var NAME = {...}`` with
format=json, ``CALLBACK({...});`` with callback), ``application/json`` with format=json&raw or for a
callback/varname that is not a JavaScript name. HTTP-level errors (405, 413, 429 and ``status``
faults) use the same envelopes. The ``text/xml`` schemas follow OpenAPI's XML object: one
``<response>`` element whose attributes are the ``xml.attribute`` properties and whose children
(batch ``<failure/>``) are unwrapped arrays. The ``text/javascript`` schemas describe the JSON
object inside the wrapper.
"""

from __future__ import annotations

from typing import Any

TAG = "23 Video"
_REF = "#/components/schemas/"
_STR = {"type": "string"}
_NUMBER = {"type": "number", "minimum": 0}
_DIGITS = {"type": "string", "pattern": "^[0-9]+$"}
LEVELS = ["none", "anonymous", "read", "write", "admin", "super"]


def _ref(name: str) -> dict:
    return {"$ref": _REF + name}


def _obj(properties: dict, required: list[str] | None = None, **extra: Any) -> dict:
    """A closed object schema; ``required`` defaults to every property."""
    return {"type": "object", "required": list(properties) if required is None else required,
            "properties": properties, "additionalProperties": False, **extra}


def _param(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or _STR, "description": description}


_ENVELOPE_PARAMS = [
    _param("format", "xml (default) or json (then `var visual = {...}`); any case",
           {"type": "string", "enum": ["xml", "json"]}),
    _param("callback", "JSONP function name (a dotted JavaScript identifier); wins over raw. Not a JavaScript "
                       "name: an invalid_input error in plain JSON, the name never echoed",
           {"type": "string", "maxLength": 128}),
    _param("raw", "Present with any value: plain JSON", {"type": "string"}),
    _param("varname", "Variable name of the `var NAME = {...}` envelope (default visual)",
           {"type": "string", "maxLength": 128}),
]
_PLAYER_PARAMS = [
    _param("user_player_type", "flash, html5..."),
    _param("user_player_version", "Player version"),
    _param("user_player_resolution", "Screen resolution, WxH"),
]
_PHOTO_ID = {"type": "string", "pattern": "^[0-9]{1,20}$"}
_PLAY_SUMMARY = ("Report a playback (clip: timeStart..., live: type=stream (the HTML5 player) or live, "
                 "& play_timestamp; "
                 "with bytes_total: the download contract)")

_METHODS: dict[str, tuple[str, list[dict]]] = {
    "play": (_PLAY_SUMMARY, [
                 _param("photo_id", "The ID of the playing video (required)", _PHOTO_ID),
                 _param("timeStart", "Start of the played range, seconds (required for clips)", _NUMBER),
                 _param("timeEnd", "End of the played range, seconds", _NUMBER),
                 _param("timeTotal", "Duration of the video, seconds", _NUMBER),
                 _param("type", "clip (default); stream (what the HTML5 player sends) or live select the "
                        "live form, in any case", {"type": "string", "enum": ["clip", "stream", "live"]}),
                 _param("play_timestamp", "Live: programme time, Unix seconds (required for live)", _NUMBER),
                 _param("live_id", "Live: the live stream's id (the player sends it beside photo_id)", _PHOTO_ID),
                 _param("bytes_total", "Makes this a stream report (download contract)",
                        {"type": "integer", "minimum": 0}),
                 _param("referer", "Page the player is embedded on (embed-details groups by its domain)"),
             ]),
    "download": ("Report a download or stream (whitelisted servers only)", [
        _param("photo_id", "The ID of the video (required)", _PHOTO_ID),
        _param("session_id", "Session; else read from the site's session cookies", {"type": "string",
                                                                                   "maxLength": 256}),
        _param("bytes_total", "Bytes transferred (required)", {"type": "integer", "minimum": 0}),
        _param("skip", "1 if the session results from scrubbing", {"type": "integer", "enum": [0, 1]}),
        _param("referer", "Page the player is embedded on"),
    ]),
    "event": ("Report a player event", [
        _param("photo_id", "The ID of the playing video (required)", _PHOTO_ID),
        _param("event", "load, fullscreen, preRollClose, preRollClick, postRollClose, postRollClick, "
                        "callToActionClick, embedEngaged, shareEngaged (others are recorded, flagged)",
               {"type": "string", "minLength": 1, "maxLength": 256}),
        _param("source", "admin, site, share, embed, podcast, download, search, facebook or custom"),
        _param("referer", "Page the player is embedded on"),
    ]),
    "batch": ("Report many at once (the HTML5 player's batch mode; undocumented by the vendor)", [
        {**_param("data", "JSON array of at most 500 report objects, each with reportType play, download or "
                          "event and that report's parameters; each is validated as if sent alone"),
         "example": '[{"reportType":"event","photo_id":"1001","event":"load"},'
                    '{"reportType":"play","photo_id":"1001","timeStart":0,"timeEnd":12.5,"timeTotal":60}]'},
    ]),
}


def _content(xml: str, js: str) -> dict:
    """The three envelopes of one answer: XML schema ``xml``, JSON / JavaScript schema ``js``."""
    return {"text/xml": {"schema": _ref(xml)}, "text/javascript": {"schema": _ref(js)},
            "application/json": {"schema": _ref(js)}}


def _responses(xml: str, js: str, description: str) -> dict:
    return {
        "200": {"description": description, "content": _content(xml, js)},
        "4XX": {"description": "HTTP-level error (405 wrong method, 413 body too large (envelope chosen from "
                               "the query string), 429 from a rate_limit fault): a vendor error envelope",
                "content": _content("TwentyThreeXmlError", "TwentyThreeError")},
    }


_REPORT_DESCRIPTION = ("Success or vendor error, both HTTP 200: text/xml by default, text/javascript for "
                       "format=json (`var NAME = {...}`) or callback (`CALLBACK({...});`: the schema is the "
                       "object inside), application/json for format=json&raw or a callback/varname that is "
                       "not a JavaScript name")


def _form_operation(op: dict[str, Any], http: str, form: list[dict]) -> dict[str, Any]:
    if http == "get":
        op["parameters"] = form
    else:
        properties = {p["name"]: {**p["schema"], "description": p["description"]} for p in form}
        op["requestBody"] = {"content": {"application/x-www-form-urlencoded": {
            "schema": {"type": "object", "properties": properties}}}}
        op["description"] = (op.get("description", "") + " POST reads the form body only (the query string "
                             "is ignored, except for choosing the envelope of an HTTP-level error).").strip()
    return op


def _operation(method: str, http: str) -> dict[str, Any]:
    summary, params = _METHODS[method]
    answer = "TwentyThreeBatch" if method == "batch" else "TwentyThreeReport"
    op: dict[str, Any] = {"summary": summary, "tags": [TAG], "operationId": f"twentythree_report_{method}_{http}",
                          "responses": _responses(f"{answer}Xml", f"{answer}Answer", _REPORT_DESCRIPTION)}
    form = params + (_PLAYER_PARAMS if method != "batch" else []) + _ENVELOPE_PARAMS
    return _form_operation(op, http, form)


_DATE = {"type": "string", "format": "date"}
_RANGE = [_param("date_start", "First UTC day, YYYY-MM-DD (default: date_end - 29 days)", _DATE),
          _param("date_end", "Last UTC day, YYYY-MM-DD (default: today on the emulator clock); at most 3660 days "
                             "after date_start", _DATE),
          _param("photo_id", "Comma-separated photo ids, at most 1000 (default: the whole site)",
                 {"type": "string", "pattern": "^[0-9]{1,20}(,[0-9]{1,20})*$"})]
_LISTING = [_param("exclude_deleted_p", "0 (default) or 1; nothing is deleted in the emulator",
                   {"type": "integer", "enum": [0, 1]}),
            _param("orderby", "downloads (default), playthrough_average, engagement or embeds",
                   {"type": "string", "enum": ["downloads", "playthrough_average", "engagement", "embeds"]}),
            _param("order", "desc (default) or asc", {"type": "string", "enum": ["desc", "asc"]}),
            _param("p", "Page, from 1", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
            _param("size", "Items per page, 1-100 (default 20)", {"type": "integer", "minimum": 1, "maximum": 100})]
_OAUTH = ("Needs permission level read: sign with OAuth 1.0a HMAC-SHA1 (RFC 5849: the oauth_* protocol "
          "parameters in the Authorization header, the query string of a GET or the form body of a POST, one "
          "place only) using credentials of the site's `oauth:` entries. JSON only: without format=json the "
          "answer is an XML invalid_input error.")
_EXTRACT: dict[str, tuple[str, list[dict]]] = {
    "play-totals": ("Daily, hourly and absolute totals of the site or of some photos", _RANGE),
    "play-details": ("Totals per photo, ordered and paginated", _RANGE + _LISTING),
    "photo-totals": ("All-time totals of the photos updated since a moment", [
        _param("site_id", "Comma-separated site ids (default: the site of the Host)",
               {"type": "string", "pattern": "^[0-9]{1,20}(,[0-9]{1,20})*$"}),
        _param("since", "UTC \"%Y-%m-%d %H:%M:%S\" (or a day): only photos with activity from then on",
               {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2})?$"}),
    ]),
    "embed-details": ("Totals per embedding domain and page (from the reports' referer)", _RANGE + _LISTING + [
        _param("url_limit", "At most this many URLs per domain", {"type": "integer", "minimum": 0,
                                                                  "maximum": 1_000_000}),
    ]),
}


def _schema_name(method: str) -> str:
    return "TwentyThree" + "".join(part.title() for part in method.split("-"))


def _extract_operation(method: str, http: str) -> dict[str, Any]:
    summary, params = _EXTRACT[method]
    form = params + [p for p in _ENVELOPE_PARAMS if p["name"] != "format"] + [
        _param("format", "Must be json (XML is not supported by extraction endpoints)",
               {"type": "string", "enum": ["json"]})]
    op: dict[str, Any] = {"summary": summary, "description": _OAUTH, "tags": [TAG],
                          "operationId": f"twentythree_extract_{method.replace('-', '_')}_{http}",
                          "responses": _responses("TwentyThreeXmlError", f"{_schema_name(method)}Answer",
                                                  "Success or vendor error (HTTP 200): text/javascript for "
                                                  "format=json (the schema is the object inside the wrapper), "
                                                  "application/json with raw; text/xml only for the error "
                                                  "that XML is not supported")}
    return _form_operation(op, http, form)


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
            {"name": "X-Emulator-Tenant", "in": "header", "required": False,
             "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"}},
            _param("kind", "play, download or event", {"type": "string", "enum": ["play", "download", "event"]}),
            _param("photo_id", "Only this photo"),
            _param("domain", "Only this site domain (any case)"),
            _param("session_id", "Only this session (download reports)"),
            _param("since", "Only reports after this report id", {"type": "integer", "minimum": 0}),
            _param("limit", "At most this many, the newest", {"type": "integer", "minimum": 0,
                                                              "maximum": 1_000_000}),
        ],
        "responses": {
            "200": {"description": "OK", "headers": {"X-Emulator-Reports-Dropped": {
                        "description": "reports dropped past the cap (the journal's)", "required": True,
                        "schema": {"type": "integer", "minimum": 0}}},
                    "content": {"application/json": {"schema": _obj({
                        "total": {"type": "integer", "minimum": 0},
                        "items": {"type": "array", "items": _ref("TwentyThreeRecord")}})}}},
            "4XX": {"description": "Bad control request (an unknown filter is one)",
                    "content": {"application/json": {"schema": _ref("ControlError")}}},
        },
    }}
    return paths


# -- component schemas ------------------------------------------------------------------------------------
def _attr(schema: dict) -> dict:
    return {**schema, "xml": {"attribute": True}}


def _enum(*values: str) -> dict:
    return {"type": "string", "enum": list(values)}


_LEVEL = _enum(*LEVELS)
_SITE = _obj({name: _STR for name in ("setup_date", "license_id", "domain", "product_key", "site_id",
                                       "allow_signup_p", "secure_domain", "site_name", "site_key")})
_TOTAL_KEYS = ("downloadedBytes", "downloads", "finishes", "loads", "playEngagement", "plays", "playthroughAverage")
_TOTALS = _obj({**{key: _NUMBER for key in _TOTAL_KEYS},
                "playthroughAverage": {"type": "number", "minimum": 0, "maximum": 100},
                "events": {"type": "object", "additionalProperties": _NUMBER}})
_FAILURE = {"index": _DIGITS, "report_type": _STR, "code": _STR, "message": _STR}


def _extract_answer(analytics: dict) -> dict:
    return _obj({"status": _enum("ok"), "permission_level": _LEVEL, "cached": _enum("0"), "analytics": analytics,
                 "p": {"type": "integer", "minimum": 1}, "size": {"type": "integer", "minimum": 0},
                 "total_count": {"type": "integer", "minimum": 0}, "site": _ref("TwentyThreeSite"),
                 "endpoint": _STR})


def _one_of(*names: str) -> dict:
    return {"oneOf": [_ref(name) for name in names]}


def openapi_components() -> dict[str, Any]:
    """Schemas referenced by :func:`openapi_paths`."""
    report_ok = {"status": _enum("ok"), "message": _STR, "permission_level": _LEVEL, "cached": _enum("0")}
    hourly = _obj({key: _NUMBER for key in ("downloadedBytes", "downloads", "finishes", "loads", "plays")})
    per_photo = _obj({"photoId": _STR, "totals": _ref("TwentyThreeTotals")})
    schemas: dict[str, Any] = {
        "TwentyThreeSite": _SITE,
        "TwentyThreeTotals": _TOTALS,
        "TwentyThreeError": _obj({"status": _enum("error"), "message": _STR, "code": _STR,
                                  "permission_level": _LEVEL, "endpoint": _STR}),
        "TwentyThreeReportOk": _obj({**report_ok, "report": {"type": "object", "maxProperties": 0},
                                     "p": _enum("1"), "size": _enum("1"), "site": _ref("TwentyThreeSite"),
                                     "endpoint": _STR}),
        "TwentyThreeBatchOk": _obj({**report_ok, "report": _obj({
                                        "recorded": _DIGITS, "failed": _DIGITS,
                                        "failures": {"type": "array", "items": _obj(_FAILURE)}}),
                                    "p": _enum("1"), "size": _DIGITS, "site": _ref("TwentyThreeSite"),
                                    "endpoint": _STR}),
        "TwentyThreeReportAnswer": _one_of("TwentyThreeReportOk", "TwentyThreeError"),
        "TwentyThreeBatchAnswer": _one_of("TwentyThreeBatchOk", "TwentyThreeError"),
        "TwentyThreeXmlError": _obj({"status": _attr(_enum("error")), "permission_level": _attr(_LEVEL),
                                     "code": _attr(_STR), "message": _attr(_STR)}, xml={"name": "response"}),
        "TwentyThreeXmlReportOk": _obj({name: _attr(schema) for name, schema in report_ok.items()},
                                       xml={"name": "response"}),
        "TwentyThreeXmlBatchOk": _obj({
            **{name: _attr(schema) for name, schema in report_ok.items()},
            "recorded": _attr(_DIGITS), "failed": _attr(_DIGITS),
            "failure": {"type": "array", "xml": {"wrapped": False},
                        "items": {**_obj({name: _attr(schema) for name, schema in _FAILURE.items()}),
                                  "xml": {"name": "failure"}}},
        }, [*report_ok, "recorded", "failed"], xml={"name": "response"}),
        "TwentyThreeReportXml": _one_of("TwentyThreeXmlReportOk", "TwentyThreeXmlError"),
        "TwentyThreeBatchXml": _one_of("TwentyThreeXmlBatchOk", "TwentyThreeXmlError"),
        "TwentyThreePlayTotals": _extract_answer(_obj({
            "daily": {"type": "array", "items": _obj({"date": {"type": "integer",
                                                               "description": "midnight UTC, ms since the epoch"},
                                                      "totals": _ref("TwentyThreeTotals")})},
            "absolute": _obj({"hourly": {"type": "array", "minItems": 24, "maxItems": 24, "items": hourly},
                              "playthrough": {"type": "array", "minItems": 101, "maxItems": 101,
                                              "items": {"type": "number", "minimum": 0, "maximum": 100}},
                              "totals": _ref("TwentyThreeTotals")})})),
        "TwentyThreePlayDetails": _extract_answer(_obj({"photos": {"type": "array", "items": per_photo}})),
        "TwentyThreePhotoTotals": _extract_answer(_obj({"photos": {"type": "array", "items": _obj({
            "photoId": _STR, **_TOTALS["properties"]})}})),
        "TwentyThreeEmbedDetails": _extract_answer(_obj({"domains": {"type": "array", "items": _obj({
            "domain": _STR, "urlCount": {"type": "integer", "minimum": 0},
            "urls": {"type": "array", "items": _obj({"url": _STR, **{key: _NUMBER for key in (
                "loads", "plays", "downloads", "finishes")}})},
            "totals": _ref("TwentyThreeTotals")})}})),
        "TwentyThreeRecord": {
            "type": "object",
            "required": ["id", "kind", "time", "domain", "site_id", "endpoint", "ip", "photo_id", "fields",
                         "params", "batch_index"],
            "additionalProperties": False,
            "properties": {"id": {"type": "integer", "minimum": 1}, "kind": _enum("play", "download", "event"),
                           "time": {"type": "string", "format": "date-time"}, "domain": _STR, "site_id": _STR,
                           "endpoint": _STR, "ip": {"type": "string", "nullable": True}, "photo_id": _STR,
                           "fields": {"type": "object", "description": "the normalised report"},
                           "params": {"type": "object", "description": "the parameters as sent"},
                           "batch_index": {"type": "integer", "minimum": 0, "nullable": True}},
        },
    }
    for method in _EXTRACT:
        name = _schema_name(method)
        schemas[f"{name}Answer"] = _one_of(name, "TwentyThreeError")
    # Kept for clients of earlier versions of this document.
    schemas["TwentyThreeEnvelope"] = _one_of("TwentyThreeReportOk", "TwentyThreeBatchOk", "TwentyThreeError")
    schemas["TwentyThreeReport"] = _ref("TwentyThreeRecord")
    schemas["TwentyThreeExtract"] = _one_of(*(_schema_name(m) for m in _EXTRACT))
    return {"schemas": schemas}
