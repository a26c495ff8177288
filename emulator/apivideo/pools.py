"""Pools of realistic values, built once per scenario load from Faker and the scenario seed.

Generated sessions pick from these pools by index (see ``generate.py``), so the Faker cost is
paid once in ``prepare()`` and never per session. Faker supplies the real city names of each
locale's country, OS versions (Android, iOS), web sites, URL paths and search words; the short
tables below supply what Faker has no provider for (device models, browser version ranges, the
vendor's OS naming). Everything is drawn from Faker instances seeded from the scenario seed, so
a seed always builds the same pools (for a given Faker release: pin it).
"""
from __future__ import annotations

import hashlib
import importlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from faker import Faker
from faker.providers.user_agent import Provider as UserAgentProvider

#: Faker locales whose ``city()`` draws from a list of real city names, with the country the
#: vendor would show (its English name, as in the vendor's ``"country": "France"``)
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
OS_NAMES = {
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
    """What the player ran on: the vendor's ``device``, ``os`` and ``client`` objects as tuples."""

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


def _reseed(fake: Faker, seed: str, purpose: str) -> Faker:
    digest = hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=8).digest()
    fake.seed_instance(int.from_bytes(digest, "big"))
    return fake


def _draw(seed: str, purpose: str, population: Sequence[str], k: int) -> list[str]:
    """``k`` distinct items, seeded; only ``random()`` is used, whose sequence Python keeps stable."""
    digest = hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=16).digest()
    rnd = random.Random(int.from_bytes(digest, "big")).random
    pool = sorted(set(population))
    k = min(k, len(pool))
    for i in range(k):  # a partial Fisher-Yates shuffle
        j = i + int(rnd() * (len(pool) - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def build_locations(seed: str) -> tuple[tuple[str, str], ...]:
    """Real (country, city) pairs: each country's cities come from its own Faker locale's city list.

    The locale's address provider class is read directly (building a full Faker per locale costs
    ten times more and draws from the same list).
    """
    pairs: list[tuple[str, str]] = []
    for locale, country in CITY_LOCALES:
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        pairs.extend((country, city) for city in _draw(seed, f"cities:{locale}", provider.cities,
                                                        CITIES_PER_COUNTRY))
    return tuple(pairs)


def _os_for(family: str, fake: Faker) -> tuple[str, str, str]:
    name, short = OS_NAMES[family]
    if family == "windows":
        release = fake.random_element(("10", "10", "10", "11", "11", "8.1"))
        return name, "W" + release.replace(".", ""), "Windows" + release
    if family == "mac":
        return name, short, fake.random_element(MAC_VERSIONS)
    if family == "android":
        recent = [v for v in UserAgentProvider.android_versions if v.split(".")[0].isdigit()
                  and int(v.split(".")[0]) >= 9]
        return name, short, fake.random_element(recent)
    if family == "ios":
        recent = [v for v in UserAgentProvider.ios_versions if int(v.split(".")[0]) >= 15]
        return name, short, fake.random_element(recent)
    if family == "chromeos":
        return name, short, f"{fake.random_int(14500, 15700)}.{fake.random_int(0, 90)}.0"
    if family == "tizen":
        return name, short, fake.random_element(("6.0", "6.5", "7.0"))
    return name, short, "unknown"  # GNU/Linux: distributions rarely tell their version


def _client_for(family: str, vendor: str, os_version: str, fake: Faker) -> tuple[str, str, str]:
    names = [n for n, spec in CLIENTS.items()
             if family in spec[3] and (n != "Samsung Browser" or vendor == "Samsung")]
    name = fake.random_element(names)
    kind, low, high, _ = CLIENTS[name]
    if name == "Mobile Safari" and family == "ios":
        return kind, name, ".".join(os_version.split(".")[:2]) if "." in os_version else os_version + ".0"
    if name == "Safari":
        return kind, name, f"{fake.random_int(low, high)}.{fake.random_int(0, 6)}"
    return kind, name, f"{fake.random_int(low, high)}.0"


def build_platforms(seed: str, fake: Faker) -> tuple[Platform, ...]:
    """Coherent device / OS / browser triples (Safari only on Apple, Samsung Browser on Android...)."""
    _reseed(fake, seed, "platforms")
    weights = {"desktop": 9, "smartphone": 8, "tablet": 2, "tv": 1}
    devices = [d for d in DEVICES for _ in range(weights[d[0]])]
    out = []
    for i in range(PLATFORMS):
        kind, vendor, model, family = fake.random_element(devices)
        os = _os_for(family, fake)
        client = _client_for(family, vendor, os[2], fake)
        if i % 24 == 23:  # the detector sometimes knows nothing: the vendor's "unknown"
            os = ("unknown", "unknown", "unknown")
            vendor, model = "unknown", "unknown"
        out.append(Platform((kind, vendor, model), os, client))
    return tuple(out)


def build_referrers(seed: str, fake: Faker) -> tuple[Referrer, ...]:
    """Referrers with medium / source / search term; some direct (null url), some unknown."""
    _reseed(fake, seed, "referrers")
    out = []
    for i in range(REFERRERS):
        page = f"https://{fake.domain_name()}/{fake.uri_path()}"
        kind = i % 8
        if kind in (0, 1, 2):
            term = " ".join(fake.words(fake.random_int(1, 4))) if kind != 2 else "unknown"
            out.append(Referrer(page, "organic", fake.random_element(SEARCH_ENGINES), term))
        elif kind == 3:
            out.append(Referrer(page, "paid", "https://www.google.com", " ".join(fake.words(2))))
        elif kind == 4:
            out.append(Referrer(page, "social", fake.random_element(SOCIAL_SITES), "unknown"))
        elif kind == 5:
            out.append(Referrer(page, "referral", f"https://{fake.domain_name()}", "unknown"))
        elif kind == 6:
            out.append(Referrer(None, "unknown", "unknown", "unknown"))  # direct visit
        else:
            out.append(Referrer(page, "unknown", "unknown", "unknown"))
    return tuple(out)


def build_pools(seed: str) -> Pools:
    """All pools for a seed (a few hundred Faker calls: some tens of milliseconds)."""
    fake = Faker("en_US")
    return Pools(build_locations(seed), build_platforms(seed, fake), build_referrers(seed, fake))
