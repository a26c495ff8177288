"""The report operations: validate one report against its site as the vendor would, and batches of them.

A batch item goes through exactly the same ``validate`` as a lone request; the answers
(success, batch summary) are built here so that routes.py stays HTTP only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, InvalidInput, NoSuchPhoto, PermissionDenied
from .models import Site
from .params import (
    Params,
    PlayReport,
    Report,
    check_limits,
    parse_download,
    parse_event,
    parse_play,
)
from .render import Answer

MAX_BATCH = 500
MESSAGES = {"play": "The play was reported", "download": "The download was reported",
            "event": "The event was reported", "batch": "The batch was reported"}
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Caller:
    """Who is calling: the calling IP (for the whitelist) and the cookies (for the session)."""

    ip: str | None
    cookies: Mapping[str, str]


@dataclass(frozen=True)
class Accepted:
    """A validated report and the raw parameters it came from (``index`` within a batch)."""

    report: Report
    params: Mapping[str, Any]
    index: int | None = None


@dataclass(frozen=True)
class Failure:
    """A batch item that was refused, and why."""

    index: int
    report_type: str
    error: ApiError


def validate(report_type: str, params: Params, site: Site, caller: Caller) -> Report:
    """The normalised report for ``report_type``; raises the vendor error the real API would answer.

    Order: whitelist (download contract only), then parameters, then the photo catalogue.
    A play carrying ``bytes_total`` follows the download contract (the seed documents).
    """
    if report_type == "play" and "bytes_total" in params:
        report_type = "download"
    report: Report
    if report_type == "download":
        if not site.allows_server(caller.ip):
            raise PermissionDenied(
                "You don't have the necessary permissions to perform this action (required level: "
                f"'whitelisted server'): {caller.ip or 'this server'} is not whitelisted for {site.domain}.")
        report = parse_download(params, caller.cookies, site.session_cookies)
    elif report_type == "play":
        report = parse_play(params)
    elif report_type == "event":
        report = parse_event(params)
    elif not report_type:
        raise InvalidInput.missing("reportType")
    else:
        raise InvalidInput.malformed("reportType", "play, download or event")
    live = isinstance(report, PlayReport) and report.type == "live"
    if not live and not site.has_photo(report.photo_id):
        raise NoSuchPhoto()
    return report


def success(report: Report, endpoint: str, site: Site, level: str = "anonymous") -> Answer:
    """The answer to an accepted lone report ("The play was reported"...), stating the caller's ``level``."""
    return Answer.ok(MESSAGES[report.kind], endpoint, site.site_object(), permission_level=level)


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def _as_param(name: str, value: Any) -> str | None:
    """A JSON value as the query-string text a lone request would carry (None = absent)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return value
    raise InvalidInput.malformed(name, "a string or a number, not a JSON array or object")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_batch(params: Params) -> list[Any]:
    """The ``data`` parameter: a non-empty JSON array (of report objects, checked item by item)."""
    text = params.get("data", "")
    if not text.strip():
        raise InvalidInput.missing("data")
    try:
        items = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise InvalidInput.malformed("data", "a JSON array of report objects") from None
    if not isinstance(items, list) or not items:
        raise InvalidInput.malformed("data", "a non-empty JSON array of report objects")
    if len(items) > MAX_BATCH:
        raise InvalidInput.malformed("data", f"an array of at most {MAX_BATCH} reports")
    return items


def _item_params(item: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """(parameters as a lone request would carry them, the raw object as recorded)."""
    if not isinstance(item, dict):
        raise InvalidInput("Parameters are malformed: each report in data must be a JSON object.")
    raw = {_clean(k): (_clean(v) if isinstance(v, str) else v) for k, v in item.items()}
    params: dict[str, str] = {}
    for name, value in raw.items():
        text = _as_param(name, value)
        if text is not None:
            params[name] = text
    check_limits(params.items())
    return params, raw


def validate_batch(items: list[Any], site: Site, caller: Caller) -> tuple[list[Accepted], list[Failure]]:
    """Validate every item as if sent alone; keep the accepted ones and why the others failed."""
    accepted: list[Accepted] = []
    failures: list[Failure] = []
    for index, item in enumerate(items):
        report_type = item.get("reportType") if isinstance(item, dict) else None
        report_type = _clean(report_type) if isinstance(report_type, str) else ""
        try:
            params, raw = _item_params(item)
            accepted.append(Accepted(validate(report_type, params, site, caller), raw, index))
        except ApiError as error:
            failures.append(Failure(index, report_type, error))
    return accepted, failures


def batch_answer(total: int, recorded: int, failures: list[Failure], endpoint: str, site: Site) -> Answer:
    """The batch summary: how many were recorded and which failed (JSON ``report``; XML attributes)."""
    failed = [{"index": str(f.index), "report_type": f.report_type, "code": f.error.error_code,
               "message": f.error.message} for f in failures]
    return Answer.ok(
        MESSAGES["batch"], endpoint, site.site_object(),
        report={"recorded": str(recorded), "failed": str(len(failed)), "failures": failed},
        size=str(total),
        xml_attributes=(("recorded", str(recorded)), ("failed", str(len(failed)))),
        xml_children=tuple(("failure", tuple(f.items())) for f in failed),
    )
