"""The four analytics extraction methods (analytics-extract-*.md): parameters and answers.

Pure functions over the site, the recorded reports and the emulator's today, so the routes stay
HTTP only. Every bad parameter raises ``InvalidInput`` naming it; values are never echoed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from ..clock import format_instant
from .backend import Record
from .errors import InsufficientLevel, InvalidInput, NoSuchPhoto
from .models import Site, Sites
from .oauth import Principal
from .totals import Fact, Hourly, Totals, facts

Params = Mapping[str, str]
DEFAULT_DAYS = 30               # date_start defaults to date_end - 29 days
MAX_RANGE_DAYS = 3660           # date_start at most this many days before date_end
DEFAULT_SIZE, MAX_SIZE = 20, 100  # index.md, "Pagination"
MAX_PAGE = 1_000_000
MAX_IDS = 1000
ORDERBY = ("downloads", "playthrough_average", "engagement", "embeds")
REQUIRED_LEVEL = "read"
_ID = re.compile(r"[0-9]{1,20}")
_INT = re.compile(r"[0-9]{1,9}")
_SINCE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T]([0-9]{2}:[0-9]{2}:[0-9]{2}))?")


def _text(params: Params, name: str) -> str:
    return params.get(name, "").strip()


def parse_day(params: Params, name: str) -> date | None:
    """A UTC day ``YYYY-MM-DD`` (absent or blank: None)."""
    value = _text(params, name)
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.malformed(name, "a UTC date such as 2024-03-01 (YYYY-MM-DD)") from None


def parse_range(params: Params, today: date) -> tuple[date, date]:
    """(date_start, date_end), inclusive UTC days; defaults: the 30 days ending today (emulator clock)."""
    last = parse_day(params, "date_end") or today
    first = parse_day(params, "date_start") or (last - timedelta(days=DEFAULT_DAYS - 1))
    if last < first:
        raise InvalidInput.malformed("date_end", "on or after date_start")
    if (last - first).days > MAX_RANGE_DAYS:
        raise InvalidInput.malformed("date_start", f"at most {MAX_RANGE_DAYS} days before date_end")
    return first, last


def parse_ids(params: Params, name: str) -> list[str] | None:
    """A comma-separated list of numeric ids (blanks around items allowed); None when absent."""
    value = _text(params, name)
    if not value:
        return None
    items = [item.strip() for item in value.split(",")]
    if len(items) > MAX_IDS:
        raise InvalidInput.malformed(name, f"a list of at most {MAX_IDS} ids")
    for position, item in enumerate(items, start=1):
        if not _ID.fullmatch(item):
            raise InvalidInput.malformed(
                name, f"a comma-separated list of numeric ids such as 1001,1002 (item {position} is not)")
    return list(dict.fromkeys(items))


def parse_photos(params: Params, site: Site) -> frozenset[str] | None:
    """``photo_id``: the photos to include; no_such_photo for one outside a closed catalogue."""
    ids = parse_ids(params, "photo_id")
    if ids is None:
        return None
    if any(not site.has_photo(photo_id) for photo_id in ids):
        raise NoSuchPhoto()
    return frozenset(ids)


def parse_int(params: Params, name: str, default: int, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` (blank: ``default``)."""
    value = _text(params, name)
    if not value:
        return default
    if not _INT.fullmatch(value) or not low <= int(value) <= high:
        raise InvalidInput.malformed(name, f"an integer from {low} to {high}")
    return int(value)


def parse_choice(params: Params, name: str, choices: Sequence[str], default: str) -> str:
    """One of ``choices`` (case-insensitive; blank: ``default``)."""
    value = _text(params, name).lower() or default
    if value not in choices:
        raise InvalidInput.malformed(name, f"one of {', '.join(choices)}")
    return value


def parse_page(params: Params) -> tuple[int, int]:
    """(p, size): page from 1, size 1-100 (default 20)."""
    return parse_int(params, "p", 1, 1, MAX_PAGE), parse_int(params, "size", DEFAULT_SIZE, 1, MAX_SIZE)


def parse_since(params: Params) -> str | None:
    """photo-totals' ``since`` ("%Y-%m-%d %H:%M:%S" UTC, or a day) as a report time for comparisons."""
    value = _text(params, "since")
    if not value:
        return None
    match = _SINCE.fullmatch(value)
    try:
        if not match:
            raise ValueError(value)
        moment = datetime.combine(date.fromisoformat(match.group(1)),
                                  time.fromisoformat(match.group(2) or "00:00:00"), tzinfo=timezone.utc)
    except ValueError:
        raise InvalidInput.malformed("since", "a UTC timestamp such as 2024-03-01 12:00:00") from None
    return format_instant(moment)


def epoch_ms(day: date) -> int:
    """Midnight UTC of ``day`` in milliseconds since the epoch (play-totals' ``daily[].date``)."""
    return int(datetime.combine(day, time(0), tzinfo=timezone.utc).timestamp()) * 1000


# -- answers ------------------------------------------------------------------------------------------
def play_totals(sites: Sequence[Site], records: Iterable[Record], photos: frozenset[str] | None,
                first: date, last: date) -> dict[str, Any]:
    """``analytics`` of play-totals: one entry per day of the range (zeros included) and the absolute view."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    daily = {day.isoformat(): Totals() for day in days}
    absolute, hourly = Totals(), Hourly()
    for fact in facts(sites, records, photos=photos, first=first.isoformat(), last=last.isoformat()):
        daily[fact.day].add(fact)
        absolute.add(fact)
        hourly.add(fact)
    return {
        "daily": [{"date": epoch_ms(day), "totals": daily[day.isoformat()].as_daily()} for day in days],
        "absolute": {"hourly": hourly.as_json(), "playthrough": absolute.curve(), "totals": absolute.as_daily()},
    }


_SORT_KEYS: dict[str, Callable[[Totals], float]] = {
    "downloads": lambda t: t.downloads,
    "playthrough_average": lambda t: t.playthrough_average,
    "engagement": lambda t: t.engagement,
    "embeds": lambda t: len(t.referers),
}


def _ordered(groups: Mapping[str, Totals], orderby: str, order: str, tie: Callable[[str], Any]) -> list[str]:
    """Group names by ``orderby`` (``order``), ties always by ``tie`` ascending (stable pages)."""
    key = _SORT_KEYS[orderby]
    sign = -1 if order == "desc" else 1
    return sorted(groups, key=lambda name: (sign * key(groups[name]), tie(name)))


def _page(names: list[str], p: int, size: int) -> list[str]:
    return names[(p - 1) * size:p * size]


def _photo_order(photo_id: str) -> tuple[int, str]:
    return (int(photo_id), photo_id)


def play_details(sites: Sequence[Site], records: Iterable[Record], photos: frozenset[str] | None,
                 first: date, last: date, orderby: str, order: str, p: int, size: int) -> tuple[dict, int]:
    """(``analytics`` of play-details, total_count): the given photos, else the catalogue and every photo seen."""
    groups: dict[str, Totals] = defaultdict(Totals)
    listed = photos if photos is not None else {pid for site in sites for pid in site.photos or ()}
    for photo_id in listed:
        groups[photo_id] = Totals()
    for fact in facts(sites, records, photos=photos, first=first.isoformat(), last=last.isoformat()):
        groups[fact.photo_id].add(fact)
    names = _ordered(groups, orderby, order, _photo_order)
    page = [{"photoId": pid, "totals": groups[pid].as_photo()} for pid in _page(names, p, size)]
    return {"photos": page}, len(names)


def photo_totals(sites: Sequence[Site], records: Iterable[Record], since: str | None) -> dict:
    """``analytics`` of photo-totals: all-time totals of every photo with activity at or after ``since``."""
    groups: dict[str, Totals] = defaultdict(Totals)
    updated: set[str] = set()
    for fact in facts(sites, records):
        groups[fact.photo_id].add(fact)
        if since is None or fact.time >= since:
            updated.add(fact.photo_id)
    return {"photos": [{"photoId": pid, **groups[pid].as_photo()} for pid in sorted(updated, key=_photo_order)]}


def _referer(fact: Fact) -> tuple[str, str] | None:
    """(domain, url) of the page the player was embedded on, from the report's ``referer``."""
    if not fact.referer:
        return None
    try:
        host = urlsplit(fact.referer).hostname
    except ValueError:
        return None
    return (host, fact.referer.split("#", 1)[0]) if host else None


def embed_details(sites: Sequence[Site], records: Iterable[Record], photos: frozenset[str] | None,
                  first: date, last: date, orderby: str, order: str, p: int, size: int,
                  url_limit: int | None) -> tuple[dict, int]:
    """(``analytics`` of embed-details, total_count): recorded reports grouped by their referer's domain."""
    domains: dict[str, Totals] = defaultdict(Totals)
    urls: dict[str, dict[str, Totals]] = defaultdict(lambda: defaultdict(Totals))
    for fact in facts(sites, records, photos=photos, first=first.isoformat(), last=last.isoformat()):
        where = _referer(fact)
        if where is not None:
            domains[where[0]].add(fact)
            urls[where[0]][where[1]].add(fact)
    entries = []
    for domain in _page(_ordered(domains, orderby, order, str), p, size):
        by_url = sorted(urls[domain].items(), key=lambda item: (-item[1].loads, -item[1].plays, item[0]))
        shown = by_url if url_limit is None else by_url[:url_limit]
        entries.append({
            "domain": domain, "urlCount": len(by_url),
            "urls": [{"url": url, "loads": t.loads, "plays": t.plays, "downloads": t.downloads,
                      "finishes": t.finishes} for url, t in shown],
            "totals": domains[domain].as_photo(),
        })
    return {"domains": entries}, len(domains)


# -- dispatch -----------------------------------------------------------------------------------------
def _sites_for(params: Params, site: Site, sites: Sites, principal: Principal) -> list[Site]:
    """photo-totals' ``site_id`` list: the Host's site by default; others only where these credentials are declared."""
    ids = parse_ids(params, "site_id")
    if ids is None:
        return [site]
    chosen = []
    for position, site_id in enumerate(ids, start=1):
        other = sites.by_site_id(site_id)
        allowed = other is site or (other is not None and principal.consumer_key is not None
                                    and other.credential(principal.consumer_key, principal.access_token or "")
                                    is not None)
        if other is None or not allowed:
            raise InsufficientLevel.required(
                REQUIRED_LEVEL, principal.level,
                f": these credentials are not valid on the site of site_id item {position}")
        chosen.append(other)
    return chosen


def compute(method: str, params: Params, *, site: Site, sites: Sites, records: Sequence[Record], today: date,
            principal: Principal) -> tuple[dict[str, Any], int, int, int]:
    """(analytics, p, size, total_count) of one extract ``method`` for an authorised caller."""
    if method == "photo-totals":
        chosen = _sites_for(params, site, sites, principal)
        analytics = photo_totals(chosen, records, parse_since(params))
        count = len(analytics["photos"])
        return analytics, 1, count, count
    photos = parse_photos(params, site)
    first, last = parse_range(params, today)
    if method == "play-totals":
        return play_totals([site], records, photos, first, last), 1, 1, 1
    parse_choice(params, "exclude_deleted_p", ("0", "1"), "0")  # accepted; nothing is ever deleted here
    orderby = parse_choice(params, "orderby", ORDERBY, "downloads")
    order = parse_choice(params, "order", ("desc", "asc"), "desc")
    p, size = parse_page(params)
    if method == "play-details":
        analytics, total = play_details([site], records, photos, first, last, orderby, order, p, size)
    else:
        url_limit = parse_int(params, "url_limit", -1, 0, MAX_PAGE)
        analytics, total = embed_details([site], records, photos, first, last, orderby, order, p, size,
                                         None if url_limit < 0 else url_limit)
    return analytics, p, size, total
