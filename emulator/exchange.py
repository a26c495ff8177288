"""The values a vendor request and its answer travel in: VendorRequest in, Reply out.

Both ways in (Flask's view and the pipeline's hot path) build the same VendorRequest and send the
same Reply, so a vendor handler is a plain function of one value (emulator.pipeline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.http import parse_cookie, parse_options_header
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from .store import Tenant

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# On an answer made from a fault rule's own ``body``: whatever text a rule carries, a browser that
# opens it runs no script and guesses no type (the rule's author is not the page's author).
FAULT_BODY_HEADERS = (("Content-Security-Policy", "sandbox"), ("X-Content-Type-Options", "nosniff"))
_NO_COOKIES: ImmutableMultiDict = ImmutableMultiDict()  # immutable: shared by every request without a Cookie


class Reading(Protocol):
    """What a request value takes from the pipeline's state: the tenant and the one clock reading."""

    tenant: Tenant | None
    now: datetime | None
    stamp: str | None


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer as a value: status, headers in order (``Content-Length`` included), body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @classmethod
    def of(cls, status: int, content_type: str, body: bytes | str,
           headers: Iterable[tuple[str, str]] = ()) -> Reply:
        """An answer with its Content-Type and Content-Length first, then ``headers`` (each one set)."""
        data = body.encode() if isinstance(body, str) else body
        return cls(status, set_headers((("Content-Type", content_type), ("Content-Length", str(len(data)))),
                                       headers), data)


@dataclass(frozen=True, slots=True)
class VendorRequest:
    """What a vendor handler reads of one request; made once, the same on both ways in.

    ``form`` is the parsed body of a POST (None otherwise, or when an error is being rendered for a
    body that cannot be read); ``params`` is what the vendor reads: the form on a POST, else the query.
    ``environ`` is there for the rare reader (a signature's base URI, the Authorization header).
    """

    method: str
    path: str
    query: MultiDict
    form: MultiDict | None
    cookies: Mapping[str, str]
    host: str | None
    remote_addr: str | None
    mimetype: str
    now: datetime | None
    stamp: str | None  # ``now`` formatted, the text the journal entry carries
    tenant: Tenant | None
    environ: dict

    @property
    def params(self) -> MultiDict:
        return self.form if self.form is not None else self.query

    @property
    def authorization(self) -> str | None:
        return self.environ.get("HTTP_AUTHORIZATION")

    def served_tenant(self) -> Tenant:
        """The tenant a handler serves; the pipeline looks it up before any handler runs."""
        if self.tenant is None:
            raise RuntimeError(f"{self.method} {self.path}: a vendor handler ran without the pipeline's tenant")
        return self.tenant

    def served_at(self) -> datetime:
        """The pipeline's one clock reading, taken before any handler runs (the journal entry's instant)."""
        if self.now is None:
            raise RuntimeError(f"{self.method} {self.path}: a vendor handler ran without the pipeline's clock reading")
        return self.now

    @classmethod
    def of(cls, request: WerkzeugRequest, reading: Reading | None = None, *, for_error: bool = False,
           tenant: Tenant | None = None) -> VendorRequest:
        """The value of ``request`` with the pipeline's tenant and clock reading (its RequestState).

        A body over the limits raises 413 (RequestEntityTooLarge), unless ``for_error``: an error
        being rendered falls back to the query string, the only hint left about the format. The
        body is read and kept before the form is parsed, so the journal holds what was sent.
        ``tenant`` stands in when the pipeline stopped before it looked the tenant up.
        """
        environ = request.environ
        method = environ["REQUEST_METHOD"]
        form = None
        if method == "POST":
            try:
                request.get_data(cache=True, parse_form_data=False)
                form = request.form
            except Exception:  # too large or cut short
                if not for_error:
                    raise
        # what Request.cookies and .mimetype parse, straight from the environ (no scan of the headers)
        cookie = environ.get("HTTP_COOKIE")
        cookies = parse_cookie(cookie, cls=request.dict_storage_class) if cookie else _NO_COOKIES
        content_type = environ.get("CONTENT_TYPE")
        mimetype = parse_options_header(content_type)[0].lower() if content_type else ""
        return cls(method, request.path, request.args, form, cookies, environ.get("HTTP_HOST"),
                   environ.get("REMOTE_ADDR"), mimetype, reading.now if reading else None,
                   reading.stamp if reading else None, (reading.tenant if reading else None) or tenant, environ)


def set_headers(headers: Iterable[tuple[str, str]], updates: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``headers`` with each of ``updates`` set as Werkzeug's ``Headers.set`` would (first kept in place)."""
    out = list(headers)
    for name, value in updates:
        lower = name.lower()
        places = [i for i, (key, _) in enumerate(out) if key.lower() == lower]
        if places:
            out[places[0]] = (name, value)
            for index in reversed(places[1:]):
                del out[index]
        else:
            out.append((name, value))
    return tuple(out)


def to_flask(reply: Reply) -> Response:
    """The Flask (Werkzeug) response of a reply, for the Flask way in."""
    return Response(reply.body, status=reply.status, headers=list(reply.headers))


def control_reply(status: int, message: str) -> Reply:
    """The control API's error shape, byte for byte what ``jsonify(error=message)`` sends."""
    return Reply.of(status, "application/json", json.dumps({"error": message}, separators=(",", ":")) + "\n")
