"""The 23 Video envelopes: XML (default), ``var visual = {...}``, raw JSON and JSONP.

The envelope is chosen once per request from its parameters (``choose_envelope``); successes and
errors then go through the same serializer (``serialize``), so the formats cannot drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from werkzeug.wrappers import Response

from ..exchange import Reply, to_flask
from .errors import ApiError, InvalidInput

XML_TYPE = "text/xml; charset=utf-8"
JAVASCRIPT_TYPE = "text/javascript; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"

MAX_JS_NAME = 128
_JS_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
# Words that are not identifiers in JavaScript: `new.x({...})` or `delete({...})` is not a call.
_RESERVED = frozenset((
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else",
    "enum", "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof",
    "new", "null", "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void",
    "while", "with", "yield", "let", "static", "implements", "interface", "package", "private",
    "protected", "public", "await",
))
# Characters XML 1.0 cannot carry at all, even escaped: replaced by U+FFFD.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Envelope:
    """How the answer is wrapped: ``xml``, ``var`` (``var NAME = {...}``), ``raw`` or ``jsonp``."""

    kind: str
    name: str | None = None


XML = Envelope("xml")
RAW = Envelope("raw")


@dataclass(frozen=True)
class Answer:
    """One answer of the API, success or error, before it is wrapped in an envelope."""

    status: str
    message: str
    endpoint: str
    permission_level: str = "anonymous"
    code: str | None = None
    site: Mapping[str, str] | None = None
    report: Mapping[str, Any] = field(default_factory=dict)
    size: str = "1"
    xml_attributes: tuple[tuple[str, str], ...] = ()
    xml_children: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    http_status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    payload: Mapping[str, Any] | None = None

    @classmethod
    def data(cls, payload: Mapping[str, Any], endpoint: str) -> Answer:
        """A success whose JSON is ``payload`` as given (the extract methods: real numbers, no message)."""
        return cls(status="ok", message="", endpoint=endpoint, permission_level=payload["permission_level"],
                   payload=payload)

    @classmethod
    def ok(cls, message: str, endpoint: str, site: Mapping[str, str], **extra: Any) -> Answer:
        """A success answer for a report method."""
        return cls(status="ok", message=message, endpoint=endpoint, site=site, **extra)

    @classmethod
    def from_error(cls, error: ApiError, endpoint: str, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
        """The answer for a raised vendor error."""
        return cls(status="error", message=error.message, endpoint=endpoint, code=error.error_code,
                   permission_level=error.permission_level, http_status=error.http_status, headers=headers)

    def to_json(self) -> dict[str, Any]:
        """The JSON object, keys in the vendor's order (legacy numbers are strings)."""
        if self.status != "ok":
            return {"status": self.status, "message": self.message, "code": self.code,
                    "permission_level": self.permission_level, "endpoint": self.endpoint}
        if self.payload is not None:
            return dict(self.payload)
        return {"status": self.status, "message": self.message, "permission_level": self.permission_level,
                "cached": "0", "report": dict(self.report), "p": "1", "size": self.size,
                "site": dict(self.site or {}), "endpoint": self.endpoint}

    def to_xml(self) -> str:
        """The single ``<response/>`` element, attributes in the vendor's order."""
        if self.status != "ok":
            attributes = [("status", self.status), ("permission_level", self.permission_level),
                          ("code", self.code or "error"), ("message", self.message)]
        else:
            attributes = [("status", self.status), ("permission_level", self.permission_level),
                          ("message", self.message), ("cached", "0"), *self.xml_attributes]
        head = "<response " + " ".join(f'{name}="{xml_escape(value)}"' for name, value in attributes)
        if not self.xml_children:
            return head + "/>"
        children = "".join(
            "\n  <" + tag + "".join(f' {name}="{xml_escape(value)}"' for name, value in attrs) + "/>"
            for tag, attrs in self.xml_children
        )
        return head + ">" + children + "\n</response>"


# A memo of a pure function (bounded, nothing a request can observe): most attribute values are the
# same few words (status, level, message), escaped once instead of on every answer.
@lru_cache(maxsize=512)
def xml_escape(value: object) -> str:
    """Escape a value for a double-quoted XML attribute; characters XML cannot carry become U+FFFD."""
    text = _NOT_XML.sub("\ufffd", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;"))


def is_js_name(name: str, *, dotted: bool) -> bool:
    """True for a plain JavaScript identifier (``dotted``: or a dotted path such as ``window.ignore``)."""
    if not name or len(name) > MAX_JS_NAME:
        return False
    parts = name.split(".") if dotted else [name]
    return all(_JS_NAME.fullmatch(part) and part not in _RESERVED for part in parts)


def choose_envelope(params: Mapping[str, str]) -> tuple[Envelope, InvalidInput | None]:
    """Pick the envelope from ``format``, ``callback``, ``raw`` and ``varname``.

    Returns (envelope, None), or (RAW, error) when a name that would be reflected into
    JavaScript is not a plain identifier: such a name is never echoed back.
    """
    fmt = params.get("format", "").strip().lower()
    callback = params.get("callback", "")
    wants_js = fmt == "json" or (not fmt and bool(callback or "raw" in params))
    if fmt == "xml" or not wants_js:
        return XML, None
    if callback:
        if not is_js_name(callback, dotted=True):
            return RAW, InvalidInput.malformed(
                "callback", "a JavaScript function name such as updateTags or window.ignore")
        return Envelope("jsonp", callback), None
    if "raw" in params:
        return RAW, None
    varname = params.get("varname", "") or "visual"
    if not is_js_name(varname, dotted=False):
        return RAW, InvalidInput.malformed("varname", "a JavaScript variable name such as visual")
    return Envelope("var", varname), None


def serialize(answer: Answer, envelope: Envelope) -> tuple[str, str]:
    """The body text and its content type for ``answer`` in ``envelope``."""
    if envelope.kind == "xml":
        return answer.to_xml(), XML_TYPE
    # ensure_ascii keeps U+2028/9 and lone surrogates out of the JavaScript source.
    text = json.dumps(answer.to_json(), ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    if envelope.kind == "jsonp":
        return f"{envelope.name}({text});", JAVASCRIPT_TYPE
    if envelope.kind == "var":
        return f"var {envelope.name} = {text}", JAVASCRIPT_TYPE
    return text, JSON_TYPE


def reply(answer: Answer, envelope: Envelope) -> Reply:
    """The answer on the wire: body, content type, HTTP status and extra headers."""
    body, content_type = serialize(answer, envelope)
    headers = answer.headers if envelope.kind == "xml" else (("X-Content-Type-Options", "nosniff"), *answer.headers)
    return Reply.of(answer.http_status, content_type, body, headers)


def make_response(answer: Answer, envelope: Envelope) -> Response:
    """The Flask response of :func:`reply`."""
    return to_flask(reply(answer, envelope))
