"""Pagination exactly as the vendor renders it.

``currentPage`` >= 1 (default 1), ``pageSize`` 1-100 (default 25). Links come in the order self,
first, previous (page > 1), next (page < pagesTotal), last; each ``uri`` is the request path,
the other query parameters as sent (raw, same order), then ``currentPage=N&pageSize=M``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from .errors import AttributeInvalid, OutOfRange, Problem

DEFAULT_PAGE = 1
DEFAULT_SIZE = 25
MAX_SIZE = 100
#: DECISION: page numbers are int32 like in the vendor's typed clients; larger is "invalid"
MAX_PAGE = 2**31 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{1,64}")
_PAGING_KEYS = ("currentPage", "pageSize")


@dataclass(frozen=True)
class PageRequest:
    """A validated page: 1-based number and size."""

    page: int = DEFAULT_PAGE
    size: int = DEFAULT_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def _integer(name: str, raw: str) -> int:
    if not _INTEGER.fullmatch(raw):
        raise AttributeInvalid(name)
    return int(raw)


def parse_page_request(args: Any) -> PageRequest:
    """Read ``currentPage``/``pageSize`` from request args; raise the vendor's 400 problems.

    Non-integers are ``attributeinvalid``; integers outside the range get the range style, with
    every range problem of the request listed in ``problems``.
    """
    raw_page, raw_size = args.get("currentPage"), args.get("pageSize")
    page = DEFAULT_PAGE if raw_page in (None, "") else _integer("currentPage", raw_page)
    size = DEFAULT_SIZE if raw_size in (None, "") else _integer("pageSize", raw_size)
    problems: list[Problem] = []
    if page < 1:
        problems.append(OutOfRange("currentPage", 1))
    elif page > MAX_PAGE:
        problems.append(OutOfRange("currentPage", 1, MAX_PAGE))
    if not 1 <= size <= MAX_SIZE:
        problems.append(OutOfRange("pageSize", 1, MAX_SIZE))
    if problems:
        first = problems[0]
        assert isinstance(first, OutOfRange)
        first.problems = problems
        raise first
    return PageRequest(page, size)


def other_query_parts(raw_query: str) -> list[str]:
    """The raw ``key=value`` parts of a query string, paging parameters removed, order kept."""
    parts = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key = unquote_plus(part.split("=", 1)[0])
        if key not in _PAGING_KEYS:
            parts.append(part)
    return parts


def link(path: str, kept: list[str], page: int, size: int) -> str:
    """One relative link: path, kept parameters, then ``currentPage=N&pageSize=M``."""
    return path + "?" + "&".join([*kept, f"currentPage={page}", f"pageSize={size}"])


def pagination(req: PageRequest, total: int, items_on_page: int, path: str, raw_query: str) -> dict:
    """The ``pagination`` object, keys and links in vendor order."""
    pages_total = -(-total // req.size)
    kept = other_query_parts(raw_query)
    links = [
        {"rel": "self", "uri": link(path, kept, req.page, req.size)},
        {"rel": "first", "uri": link(path, kept, 1, req.size)},
    ]
    if req.page > 1:
        links.append({"rel": "previous", "uri": link(path, kept, req.page - 1, req.size)})
    if req.page < pages_total:
        links.append({"rel": "next", "uri": link(path, kept, req.page + 1, req.size)})
    links.append({"rel": "last", "uri": link(path, kept, max(pages_total, 1), req.size)})
    return {
        "currentPage": req.page,
        "currentPageItems": items_on_page,
        "pageSize": req.size,
        "pagesTotal": pages_total,
        "itemsTotal": total,
        "links": links,
    }


def page_bounds(req: PageRequest, total: int) -> tuple[int, int]:
    """``[start, stop)`` positions of the requested page within ``total`` items (may be empty)."""
    start = min(req.offset, total)
    return start, min(start + req.size, total)
