"""The /data/* dimensions, in the vendor's vocabulary, from what a session carries.

The legacy listings show what the Matomo detector says (country names, ``desktop``,
``Microsoft Windows``, ``Chrome Mobile``); the current API speaks ISO 3166 alpha-2 codes,
GeoNames continent codes and lower-case device / OS / browser names. Country names and codes
come from ``pycountry`` (the ISO 3166 tables); continents from the GeoNames assignment the vendor
names as its source (``countryInfo.txt``: one continent per country), with Oceania spelled ``AZ``
as in the vendor's enum.
"""
from __future__ import annotations

import functools

import pycountry

from .constants import UNKNOWN

#: GeoNames' continent of every ISO 3166 country (countryInfo.txt), by continent; OC is the vendor's AZ
_GEONAMES_CONTINENTS = {
    "AF": "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG ML MR MU "
          "MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW",
    "AN": "AQ BV GS HM TF",
    "AS": "AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM MN MO "
          "MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM TR TW UZ VN YE",
    "EU": "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI LT LU LV "
          "MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK",
    "NA": "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX NI PA PM PR "
          "SV SX TC TT US VC VG VI",
    "AZ": "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS",
    "SA": "AR BO BR CL CO EC FK GF GY PE PY SR UY VE",
}
CONTINENT_OF = {code: continent for continent, codes in _GEONAMES_CONTINENTS.items() for code in codes.split()}
CONTINENTS = ("AS", "AF", "NA", "SA", "AN", "EU", "AZ")

#: Matomo device types -> the vendor's (phablets are phones, car browsers and the like "unknown")
DEVICE_TYPES = {"desktop": "computer", "smartphone": "phone", "feature phone": "phone", "phablet": "phone",
                "tablet": "tablet", "tv": "tv", "smart display": "tv", "console": "console",
                "wearable": "wearable"}
#: Matomo OS names whose vendor name is not simply the lower-cased name
OS_NAMES = {"microsoft windows": "windows", "windows": "windows", "mac": "mac osx", "gnu/linux": "linux",
            "ubuntu": "linux", "debian": "linux", "fedora": "linux", "chrome os": "chrome os"}
#: Matomo browser names folded into the vendor's browser families
BROWSERS = {"chrome mobile": "chrome", "chrome mobile ios": "chrome", "chrome webview": "chrome",
            "microsoft edge": "edge", "firefox mobile": "firefox", "firefox ios": "firefox",
            "mobile safari": "safari", "opera mobile": "opera", "samsung browser": "samsung internet"}


@functools.lru_cache(maxsize=4096)
def country_code(name: str | None) -> str:
    """ISO alpha-2 of a country as the listings show it (English name, or already a code)."""
    if not name or name == UNKNOWN:
        return UNKNOWN
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return UNKNOWN


def is_country_code(code: str) -> bool:
    return len(code) == 2 and pycountry.countries.get(alpha_2=code) is not None


def continent(code: str) -> str:
    return CONTINENT_OF.get(code, UNKNOWN)


def device_type(matomo: str | None) -> str:
    return DEVICE_TYPES.get((matomo or "").lower(), UNKNOWN)


def operating_system(matomo: str | None) -> str:
    name = (matomo or "").strip().lower()
    return OS_NAMES.get(name, name or UNKNOWN)


def browser(matomo: str | None) -> str:
    name = (matomo or "").strip().lower()
    return BROWSERS.get(name, name or UNKNOWN)
