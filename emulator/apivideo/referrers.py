"""The listing's ``referrer`` block from the one URL a beacon carries (``document.referrer``).

The vendor shows ``{url, medium, source, searchTerm}`` (example: ``https://api.video``,
``organic``, ``https://google.com``, ``video encoding hosting online``). The player module only
sends the referring page's URL, so the other three are derived from it. DECISION: ``medium`` is
``organic`` for a search engine (``paid`` when the URL carries an ad click id), ``social`` for a
social network, ``referral`` for any other web page, ``unknown`` when there is no referrer (a
direct visit: ``url`` null on videos, "unknown" on live streams) or it is not a web URL;
``source`` is the referring origin; ``searchTerm`` is the search engine's query parameter, else
"unknown" (engines mostly hide it nowadays).
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .constants import UNKNOWN

#: registrable-name fragments of search engines -> their query parameters, first found wins
SEARCH_ENGINES = {
    "google": ("q",), "bing": ("q",), "duckduckgo": ("q",), "yahoo": ("p", "q"), "ecosia": ("q",),
    "qwant": ("q",), "startpage": ("query", "q"), "yandex": ("text",), "baidu": ("wd", "word"),
    "search.brave": ("q",), "search.yahoo": ("p", "q"), "ask": ("q",),
}
SOCIAL_NETWORKS = ("facebook.com", "fb.com", "t.co", "twitter.com", "x.com", "linkedin.com", "lnkd.in",
                   "reddit.com", "youtube.com", "youtu.be", "instagram.com", "pinterest.com", "tiktok.com",
                   "threads.net", "bsky.app", "vk.com", "mastodon.social")
AD_CLICK_IDS = ("gclid", "gbraid", "wbraid", "msclkid", "dclid")


def _labels(host: str) -> list[str]:
    """The host's labels without a leading ``www.``/``m.``/``l.`` (``m.facebook.com`` -> facebook.com)."""
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in ("www", "m", "l", "lm", "mobile"):
        labels = labels[1:]
    return labels


def _search_engine(labels: list[str]) -> tuple[str, ...] | None:
    joined = ".".join(labels)
    for name, params in SEARCH_ENGINES.items():
        if "." in name and joined.startswith(name + "."):
            return params
        if labels[0] == name and len(labels) <= 3:  # google.com, google.co.uk, yahoo.co.jp...
            return params
    return None


def _web_origin(text: str) -> tuple[str, str, str] | None:
    """(host, query, ``scheme://host[:port]``) of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return host, parts.query, f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _is_social(host: str) -> bool:
    return any(host == site or host.endswith("." + site) for site in SOCIAL_NETWORKS)


def _search_term(query: dict[str, list[str]], params: tuple[str, ...]) -> str:
    """The first of the engine's query parameters that holds more than blanks."""
    return next((query[p][0] for p in params if query.get(p) and query[p][0].strip()), UNKNOWN)


def _medium_and_term(host: str, query_string: str) -> tuple[str, str]:
    """(medium, searchTerm) of a referring web page."""
    params = _search_engine(_labels(host))
    if params is None:
        return ("social" if _is_social(host) else "referral"), UNKNOWN
    query = parse_qs(query_string)
    medium = "paid" if any(k in query for k in AD_CLICK_IDS) else "organic"
    return medium, _search_term(query, params)


def split_referrer(referrer: str, live: bool) -> dict[str, str | None]:
    """``{url, medium, source, searchTerm}`` for a referring URL ("" for a direct visit)."""
    direct = {"url": UNKNOWN if live else None, "medium": UNKNOWN, "source": UNKNOWN, "searchTerm": UNKNOWN}
    text = referrer.strip()
    if not text:
        return direct
    origin = _web_origin(text)
    if origin is None:
        return {**direct, "url": text}
    host, query_string, source = origin
    medium, term = _medium_and_term(host, query_string)
    return {"url": text, "medium": medium, "source": source, "searchTerm": term}
