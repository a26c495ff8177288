"""The problem documents of /data/*: the vendor's current style (``/reference/`` types, ``detail``).

Keys in the order of the pinned contract's examples: ``type, title, status, detail, name``.
"""
from __future__ import annotations

from .errors import Problem

REFERENCE = "https://docs.api.video/reference/"


class DataProblem(Problem):
    """Base of the /data/* 400 answers; ``name`` is the parameter, ``detail`` what is wrong."""

    type_base = REFERENCE
    key_order = ("type", "title", "status", "detail", "name")


class InvalidAttribute(DataProblem):
    """A path parameter (metric, aggregation, breakdown) the route cannot read."""

    slug = "invalid-attribute"
    title = "An attribute is invalid."


class InvalidQueryParameter(DataProblem):
    """A query parameter that is unknown here, not allowed with this metric, or has a bad value."""

    slug = "request-invalid-query-parameter"
    title = "A query parameter is invalid."


class UnrecognizedDataUrl(DataProblem):
    """A /data/* path that names no operation, or a metric with an aggregation it does not have."""

    status = 404
    slug = "unrecognized-request-url"
    title = "Unrecognized request URL."
    has_name = False


def not_expected(name: str) -> InvalidQueryParameter:
    return InvalidQueryParameter(name, detail="This field was not expected.")


def one_of(name: str, what: str, allowed: tuple[str, ...]) -> InvalidQueryParameter:
    """The vendor's wording for an enum (``This interval is invalid. Use one of "minute", ...``)."""
    listed = ", ".join(f'"{a}"' for a in allowed)
    return InvalidQueryParameter(name, detail=f"This {what} is invalid. Use one of {listed}.")
