"""api.video errors: one exception class per vendor error type, one renderer.

The vendor answers every error as RFC 7807 ``application/problem+json`` with the keys in the
order ``type, title, name, status`` (then ``range`` and ``problems`` for range errors). Views
raise these classes; the blueprint's error handler renders them with :func:`render`.
"""
from __future__ import annotations

from typing import Any, ClassVar

from flask import Response

from .render import to_json

DOCS = "https://docs.api.video/docs/"
PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    """Base of every api.video error; subclasses fix status, type and title."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "attributeinvalid"
    title: ClassVar[str] = "This attribute is invalid."
    #: whether the body carries ``name`` (400 and 404 do, 401/405/429 do not)
    has_name: ClassVar[bool] = True
    type_base: ClassVar[str] = DOCS

    def __init__(self, name: str = "", *, title: str | None = None, detail: str | None = None) -> None:
        super().__init__(title or self.title)
        self.name = name
        self.instance_title = title or self.title
        #: RFC 7807 ``detail``: only the collector (an undocumented API) says what was wrong
        self.detail = detail

    @property
    def type(self) -> str:
        """The documentation link naming the error."""
        return self.type_base + self.slug

    #: the order of the body's keys (the legacy API's; /data/* has its own: data_errors.py)
    key_order: ClassVar[tuple[str, ...]] = ("type", "title", "name", "status", "detail")

    def body(self) -> dict[str, Any]:
        """The problem document, keys in vendor order (``name`` only where the type has one,
        ``detail`` only where given)."""
        fields: dict[str, Any] = {"type": self.type, "title": self.instance_title, "status": self.status}
        if self.has_name:
            fields["name"] = self.name
        if self.detail:
            fields["detail"] = self.detail
        return {key: fields[key] for key in self.key_order if key in fields}


# --- 400 ------------------------------------------------------------------------------------
class AttributeRequired(Problem):
    """A required parameter or body attribute is missing."""

    slug = "attributerequired"
    title = "This attribute is required."


class AttributeInvalid(Problem):
    """A parameter is malformed (period, non-integer page number, bad metadata syntax...)."""

    slug = "attributeinvalid"
    title = "This attribute is invalid."


class OutOfRange(Problem):
    """An integer parameter outside its allowed range (the vendor's "range" style)."""

    slug = "attributeinvalid"
    title = "This parameter is out of the allowed range of values."

    def __init__(self, name: str, minimum: int, maximum: int | None = None,
                 problems: list[Problem] | None = None) -> None:
        super().__init__(name)
        self.range: dict[str, int] = {"min": minimum}
        if maximum is not None:
            self.range["max"] = maximum
        self.problems = problems if problems is not None else [self]

    def body(self) -> dict[str, Any]:
        out = super().body()
        out["range"] = dict(self.range)
        out["problems"] = [Problem.body(p) for p in self.problems]
        return out


class InvalidCredentials(Problem):
    """``/auth/*`` with an unknown API key or refresh token."""

    slug = "authenticationinvalid_credentials"
    title = "The user credentials were incorrect."


# --- 401 ------------------------------------------------------------------------------------
class Unauthorized(Problem):
    """Base of the 401 answers; they carry no ``name``."""

    status = 401
    has_name = False


class MissingAuthorizationHeader(Unauthorized):
    slug = "authenticationmissing_authorization_header"
    title = 'The "Authorization" header is missing.'


class InvalidAuthorizationHeader(Unauthorized):
    slug = "authenticationinvalid_authorization_header"
    title = 'The "Authorization" header value is invalid.'


class InvalidAccessToken(Unauthorized):
    slug = "authenticationinvalid_access_token"
    title = "The access token is invalid or expired."


class InvalidApiKey(Unauthorized):
    slug = "authenticationinvalid_api_key"
    title = "The API key is invalid."


# --- 404 / 405 / 429 / other ----------------------------------------------------------------
class ResourceNotFound(Problem):
    """An unknown video, live stream or session; ``name`` is the path parameter."""

    status = 404
    slug = "resourcenot_found"
    title = "The requested resource was not found."


class UnrecognizedRequestUrl(Problem):
    """A path under the vendor's prefixes that no route matches."""

    status = 404
    slug = "resourcenot_found"
    title = "Unrecognized request URL."
    has_name = False


class MethodNotAllowed(Problem):
    status = 405
    slug = "methodnot_allowed"
    title = "Method is not allowed for this route."
    has_name = False


class TooManyRequests(Problem):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests."
    has_name = False
    type_base = "https://docs.api.video/reference/"


class GenericProblem(Problem):
    """Any other status (413, injected 5xx...): the same format, a title from the status."""

    has_name = False

    def __init__(self, status: int, title: str | None = None) -> None:
        super().__init__(title=title or default_title(status))
        self.generic_status = status

    @property
    def type(self) -> str:
        return DOCS + _SLUGS.get(self.generic_status, f"http{self.generic_status}")

    def body(self) -> dict[str, Any]:
        return {"type": self.type, "title": self.instance_title, "status": self.generic_status}


_SLUGS = {
    413: "payloadtoo_large",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}

_TITLES = {
    400: "This attribute is invalid.",
    401: 'The "Authorization" header is missing.',
    403: "You do not have access to this resource.",
    404: "Unrecognized request URL.",
    405: "Method is not allowed for this route.",
    413: "The request body is too large.",
    429: "Too many requests.",
    500: "An internal error occurred.",
    502: "Bad gateway.",
    503: "The service is temporarily unavailable.",
    504: "Gateway timeout.",
}


def default_title(status: int) -> str:
    """A human title for a status the vendor never documented."""
    return _TITLES.get(status, "An error occurred.")


def problem_for_status(status: int, detail: str | None = None) -> Problem:
    """The problem the vendor would answer for a bare HTTP status (routing, 413, faults)."""
    if status == 404:
        return UnrecognizedRequestUrl(title=detail)
    if status == 405:
        return MethodNotAllowed(title=detail)
    if status == 429:
        return TooManyRequests(title=detail)
    return GenericProblem(status, detail)


def render(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    """Render a problem as the vendor does: problem+json with the problem's status."""
    body = problem.body()
    return Response(to_json(body), status=body["status"], mimetype=PROBLEM_JSON, headers=headers)
