"""Pools of realistic values, built once per scenario load from shipped raw values and the scenario seed.

Generated sessions pick from these pools by index (see ``generate.py``), so the cost is paid
once in ``prepare()`` and never per session. The raw values (real city names of each country,
OS versions, last names for web sites, URL paths, search words) were taken from Faker once by
``scripts/make_pools.py`` and ship in ``pools.json``; the short tables below supply what Faker has
no list for (device models, browser version ranges, the vendor's OS naming). Faker is not used
here: its lists and draws change between its releases, and a seed must give the same bytes on
every install. Every draw is our own, from ``random.Random`` seeded from the scenario seed
(docs/determinism.md): the draws repeat, call for call, the ones Faker 39 made before, so the
data did not change when Faker left the run-time path.
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import json
import math
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

POOLS_FILE = Path(__file__).with_name("pools.json")

#: Faker locales whose city lists ``pools.json`` holds, with the country the vendor would show
#: (its English name, as in the vendor's ``"country": "France"``)
CITY_LOCALES = (
    ("de_DE", "Germany"),
    ("it_IT", "Italy"),
    ("nl_NL", "Netherlands"),
    ("pl_PL", "Poland"),
    ("pt_PT", "Portugal"),
    ("sv_SE", "Sweden"),
    ("da_DK", "Denmark"),
    ("cs_CZ", "Czech Republic"),
    ("de_CH", "Switzerland"),
    ("ro_RO", "Romania"),
    ("fi_FI", "Finland"),
    ("en_IN", "India"),
    ("id_ID", "Indonesia"),
)
CITIES_PER_COUNTRY = 20

# (device type, vendor, model, os family); "unknown" where a detector could not tell
DEVICES = (
    ("desktop", "Dell", "unknown", "windows"),
    ("desktop", "HP", "unknown", "windows"),
    ("desktop", "Lenovo", "unknown", "windows"),
    ("desktop", "unknown", "unknown", "windows"),
    ("desktop", "Apple", "MacBook Pro", "mac"),
    ("desktop", "Apple", "iMac", "mac"),
    ("desktop", "unknown", "unknown", "linux"),
    ("desktop", "Acer", "Chromebook", "chromeos"),
    ("smartphone", "Apple", "iPhone", "ios"),
    ("smartphone", "Samsung", "Galaxy S23", "android"),
    ("smartphone", "Samsung", "Galaxy A54", "android"),
    ("smartphone", "Google", "Pixel 8", "android"),
    ("smartphone", "Xiaomi", "Redmi Note 12", "android"),
    ("smartphone", "OnePlus", "11", "android"),
    ("smartphone", "unknown", "unknown", "android"),
    ("tablet", "Apple", "iPad", "ios"),
    ("tablet", "Samsung", "Galaxy Tab S8", "android"),
    ("tv", "Samsung", "unknown", "tizen"),
)
# os family -> (name, shortname); versions are drawn per family
OS_NAMES: dict[str, tuple[str, str | None]] = {
    "windows": ("Microsoft Windows", None),  # shortname/version depend on the release: W10, Windows10
    "mac": ("Mac", "MAC"),
    "linux": ("GNU/Linux", "LIN"),
    "chromeos": ("Chrome OS", "COS"),
    "ios": ("iOS", "IOS"),
    "android": ("Android", "AND"),
    "tizen": ("Tizen", "TIZ"),
}
MAC_VERSIONS = ("10.15.7", "11.7", "12.6", "13.4", "13.6", "14.1", "14.2", "14.3")
# client name -> (type, lowest major, highest major, os families); versions are "major.minor"
CLIENTS = {
    "Chrome": ("browser", 109, 131, ("windows", "mac", "linux", "chromeos")),
    "Firefox": ("browser", 115, 133, ("windows", "mac", "linux")),
    "Microsoft Edge": ("browser", 110, 131, ("windows", "mac")),
    "Opera": ("browser", 95, 114, ("windows", "mac")),
    "Safari": ("browser", 15, 17, ("mac",)),
    "Chrome Mobile": ("browser", 109, 131, ("android",)),
    "Firefox Mobile": ("browser", 115, 133, ("android",)),
    "Samsung Browser": ("browser", 20, 25, ("android", "tizen")),
    "Mobile Safari": ("browser", 15, 17, ("ios",)),
    "Chrome Mobile iOS": ("browser", 109, 131, ("ios",)),
    "Facebook": ("mobile app", 430, 450, ("ios", "android")),
}
SEARCH_ENGINES = ("https://www.google.com", "https://www.bing.com", "https://duckduckgo.com",
                  "https://search.yahoo.com", "https://www.ecosia.org")
SOCIAL_SITES = ("https://www.facebook.com", "https://t.co", "https://www.linkedin.com",
                "https://www.reddit.com", "https://www.youtube.com")
PLATFORMS = 96
REFERRERS = 64


@dataclass(frozen=True)
class Platform:
    """What the player ran on: the vendor's ``device`` (type, vendor, model), ``os`` (name, shortname,
    version) and ``client`` objects as tuples (drawn from the pools, or parsed from a User-Agent)."""

    device: tuple[str, str, str]
    os: tuple[str, str, str]
    client: tuple[str, str, str]


@dataclass(frozen=True)
class Referrer:
    """The vendor's ``referrer``; ``url`` None stands for a direct visit."""

    url: str | None
    medium: str
    source: str
    search_term: str


@dataclass(frozen=True)
class Pools:
    """Everything generation picks from; immutable, shared by all tenants."""

    locations: tuple[tuple[str, str], ...]
    platforms: tuple[Platform, ...]
    referrers: tuple[Referrer, ...]


@dataclass(frozen=True)
class RawValues:
    """The lists of ``pools.json``, as made by ``scripts/make_pools.py`` (order matters: draws index them)."""

    android_versions: tuple[str, ...]
    ios_versions: tuple[str, ...]
    company_formats: tuple[str, ...]
    company_suffixes: tuple[str, ...]
    last_names: tuple[str, ...]
    last_name_cum_weights: tuple[float, ...]
    tlds: tuple[str, ...]
    uri_paths: tuple[str, ...]
    words: tuple[str, ...]
    cities: Mapping[str, tuple[str, ...]]


# One read per process: the file is package data and never changes while it runs, and the value
# is immutable, so caching it is not shared mutable state.
@functools.cache
def raw_values() -> RawValues:
    """The shipped raw values (about 350 kB of JSON, read once)."""
    data = json.loads(POOLS_FILE.read_text(encoding="utf-8"))
    names, weights = zip(*data["last_names"])
    return RawValues(
        android_versions=tuple(data["android_versions"]), ios_versions=tuple(data["ios_versions"]),
        company_formats=tuple(data["company_formats"]), company_suffixes=tuple(data["company_suffixes"]),
        last_names=tuple(names), last_name_cum_weights=tuple(itertools.accumulate(weights)),
        tlds=tuple(data["tlds"]), uri_paths=tuple(data["uri_paths"]), words=tuple(data["words"]),
        cities=MappingProxyType({locale: tuple(cities) for locale, cities in data["cities"].items()}))


class Draws:
    """Seeded draws, each written out here so that no library release (Faker's or Python's) can change them.

    They consume the generator exactly as Faker 39 did through ``random.Random`` (``choice``,
    ``randrange``, ``choices``), so the pools kept their bytes when Faker was dropped. Only the
    generator's raw output is used: ``random()``, whose sequence Python guarantees, and
    ``getrandbits()``, the same Mersenne Twister words.
    """

    def __init__(self, seed: str, purpose: str, digest_size: int = 8) -> None:
        digest = hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=digest_size).digest()
        self._rnd = random.Random(int.from_bytes(digest, "big"))

    def below(self, n: int) -> int:
        """0 <= r < n, uniform: the smallest number of bits, redrawn while too large."""
        k = n.bit_length()
        r = self._rnd.getrandbits(k)
        while r >= n:
            r = self._rnd.getrandbits(k)
        return r

    def integer(self, low: int, high: int) -> int:
        """low <= r <= high."""
        return low + self.below(high - low + 1)

    def pick(self, items: Sequence[str]) -> str:
        if not items:
            raise ValueError("nothing to pick from")
        return items[self.below(len(items))]

    def picks(self, items: Sequence[str], k: int) -> list[str]:
        """``k`` items with replacement (one is a ``pick``, more are drawn by ``random()``)."""
        if k == 1:
            return [self.pick(items)]
        n = float(len(items))
        return [items[math.floor(self._rnd.random() * n)] for _ in range(k)]

    def weighted(self, items: Sequence[str], cum_weights: Sequence[float]) -> str:
        """One item, with probability proportional to its weight (``cum_weights``: running sums)."""
        return items[bisect.bisect(cum_weights, self._rnd.random() * (cum_weights[-1] + 0.0), 0, len(items) - 1)]

    def first_k(self, population: Sequence[str], k: int) -> list[str]:
        """``k`` distinct items by a partial Fisher-Yates shuffle (on ``random()`` only)."""
        pool = sorted(set(population))
        k = min(k, len(pool))
        for i in range(k):
            j = i + int(self._rnd.random() * (len(pool) - i))
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


_TOKEN = re.compile(r"\{\{(\w+)\}\}")
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SPACES = re.compile(r"[-\s]+")


def _slug(text: str) -> str:
    """A host label from a company name (``"Smith-Jones"`` -> ``smith-jones``), as web sites are named."""
    text = _NOT_SLUG.sub("", unicodedata.normalize("NFKC", text)).strip().lower()
    return _SPACES.sub("-", text)


def _domain_name(draw: Draws, raw: RawValues) -> str:
    """A company's web site: the company's first word and a TLD (``west-jones.org``, ``scott.com``)."""
    fields = {"last_name": lambda: draw.weighted(raw.last_names, raw.last_name_cum_weights),
              "company_suffix": lambda: draw.pick(raw.company_suffixes)}
    company = _TOKEN.sub(lambda m: fields[m.group(1)](), draw.pick(raw.company_formats))
    return _slug(company.split(" ")[0]) + "." + draw.pick(raw.tlds)


def _uri_path(draw: Draws, raw: RawValues) -> str:
    """One to three path segments (``blog/posts``)."""
    return "/".join(draw.picks(raw.uri_paths, draw.integer(1, 3)))


def build_locations(seed: str, raw: RawValues | None = None) -> tuple[tuple[str, str], ...]:
    """Real (country, city) pairs: each country's cities come from its own Faker locale's city list."""
    raw = raw or raw_values()
    pairs: list[tuple[str, str]] = []
    for locale, country in CITY_LOCALES:
        draw = Draws(seed, f"cities:{locale}", digest_size=16)  # 16 as it always was: the same cities
        pairs.extend((country, city) for city in draw.first_k(raw.cities[locale], CITIES_PER_COUNTRY))
    return tuple(pairs)


def _os_for(family: str, draw: Draws, raw: RawValues) -> tuple[str, str, str]:
    name, short = OS_NAMES[family]
    if short is None:  # Windows: its shortname and version name the release (W10, Windows10)
        release = draw.pick(("10", "10", "10", "11", "11", "8.1"))
        return name, "W" + release.replace(".", ""), "Windows" + release
    if family == "mac":
        return name, short, draw.pick(MAC_VERSIONS)
    if family == "android":
        return name, short, draw.pick(raw.android_versions)
    if family == "ios":
        return name, short, draw.pick(raw.ios_versions)
    if family == "chromeos":
        return name, short, f"{draw.integer(14500, 15700)}.{draw.integer(0, 90)}.0"
    if family == "tizen":
        return name, short, draw.pick(("6.0", "6.5", "7.0"))
    return name, short, "unknown"  # GNU/Linux: distributions rarely tell their version


def _client_for(family: str, vendor: str, os_version: str, draw: Draws) -> tuple[str, str, str]:
    names = [n for n, spec in CLIENTS.items()
             if family in spec[3] and (n != "Samsung Browser" or vendor == "Samsung")]
    name = draw.pick(names)
    kind, low, high, _ = CLIENTS[name]
    if name == "Mobile Safari" and family == "ios":
        return kind, name, ".".join(os_version.split(".")[:2]) if "." in os_version else os_version + ".0"
    if name == "Safari":
        return kind, name, f"{draw.integer(low, high)}.{draw.integer(0, 6)}"
    return kind, name, f"{draw.integer(low, high)}.0"


def build_platforms(seed: str, raw: RawValues | None = None) -> tuple[Platform, ...]:
    """Coherent device / OS / browser triples (Safari only on Apple, Samsung Browser on Android...)."""
    raw = raw or raw_values()
    draw = Draws(seed, "platforms")
    weights = {"desktop": 9, "smartphone": 8, "tablet": 2, "tv": 1}
    devices = [d for d in DEVICES for _ in range(weights[d[0]])]
    out = []
    for i in range(PLATFORMS):
        kind, vendor, model, family = devices[draw.below(len(devices))]
        os = _os_for(family, draw, raw)
        client = _client_for(family, vendor, os[2], draw)
        if i % 24 == 23:  # the detector sometimes knows nothing: the vendor's "unknown"
            os = ("unknown", "unknown", "unknown")
            vendor, model = "unknown", "unknown"
        out.append(Platform((kind, vendor, model), os, client))
    return tuple(out)


def build_referrers(seed: str, raw: RawValues | None = None) -> tuple[Referrer, ...]:
    """Referrers with medium / source / search term; some direct (null url), some unknown."""
    raw = raw or raw_values()
    draw = Draws(seed, "referrers")
    out = []
    for i in range(REFERRERS):
        domain = _domain_name(draw, raw)
        page = f"https://{domain}/{_uri_path(draw, raw)}"
        kind = i % 8
        if kind in (0, 1, 2):
            term = " ".join(draw.picks(raw.words, draw.integer(1, 4))) if kind != 2 else "unknown"
            out.append(Referrer(page, "organic", draw.pick(SEARCH_ENGINES), term))
        elif kind == 3:
            out.append(Referrer(page, "paid", "https://www.google.com", " ".join(draw.picks(raw.words, 2))))
        elif kind == 4:
            out.append(Referrer(page, "social", draw.pick(SOCIAL_SITES), "unknown"))
        elif kind == 5:
            out.append(Referrer(page, "referral", f"https://{_domain_name(draw, raw)}", "unknown"))
        elif kind == 6:
            out.append(Referrer(None, "unknown", "unknown", "unknown"))  # direct visit
        else:
            out.append(Referrer(page, "unknown", "unknown", "unknown"))
    return tuple(out)


def build_pools(seed: str) -> Pools:
    """All pools for a seed (a few hundred draws: a few milliseconds)."""
    raw = raw_values()
    return Pools(build_locations(seed, raw), build_platforms(seed, raw), build_referrers(seed, raw))
