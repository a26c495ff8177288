"""JSON Schema (draft 2020-12) of a scenario's ``twentythree:`` section.

Values a person types as numbers in YAML (site_id, photo ids) are strings here: the scenario
loader then keeps the text exactly as typed (``0123`` stays ``"0123"``).
"""

from __future__ import annotations

_HOST = {"type": "string",
         "pattern": r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$",
         "x-expected": "a host name or IP without scheme or port, such as videos.example.com"}
_ID = {"type": "string", "pattern": r"^[0-9]{1,20}$", "x-expected": 'a numeric id such as "1001"'}
_TEXT = {"type": "string"}
_COOKIE = {"type": "string", "pattern": r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,128}$",
           "x-expected": "a cookie name such as ad_session_id"}

WHITELIST_ENTRY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["server"],
    "properties": {
        "server": {"type": "string", "minLength": 1,
                   "x-expected": "an IP address or CIDR such as 127.0.0.1/32 or ::1/128"},
        "domains": {"type": "array", "items": {"anyOf": [_HOST, {"const": "*"}],
                                               "x-expected": "a site domain, or * for all of them"},
                    "description": "Domains this server may report for; absent = the site's own domain."},
    },
}

_SECRET = {"type": "string", "minLength": 1, "maxLength": 256, "x-expected": "a non-empty string"}
_DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "x-expected": "a date such as 2024-03-01"}
_COUNT = {"type": "integer", "minimum": 0, "x-expected": "a whole number, 0 or more"}
_AMOUNT = {"type": "number", "minimum": 0, "x-expected": "a number, 0 or more"}

CREDENTIAL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["consumer_key", "consumer_secret", "access_token", "access_token_secret"],
    "description": "OAuth 1.0a credentials of one application (privileged credentials: consumer and access token).",
    "properties": {
        "consumer_key": _SECRET,
        "consumer_secret": _SECRET,
        "access_token": _SECRET,
        "access_token_secret": _SECRET,
        "permission_level": {"enum": ["read", "write", "admin", "super"], "x-expected": "read, write, admin or super",
                             "description": "The level these credentials grant (default read)."},
    },
}

HISTORY_DAY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["date", "photo_id"],
    "description": "One photo's totals for one UTC day, shown by the extract methods as if reported.",
    "properties": {
        "date": _DATE,
        "photo_id": _ID,
        "loads": _COUNT,
        "plays": _COUNT,
        "finishes": _COUNT,
        "downloads": _COUNT,
        "downloadedBytes": _COUNT,
        "playEngagement": _AMOUNT,
        "playthroughAverage": {"type": "number", "minimum": 0, "maximum": 100, "x-expected": "a percentage, 0 to 100"},
        "events": {"type": "object", "additionalProperties": _COUNT,
                   "x-expected": "a mapping of event identifiers to counts, such as {load: 12}"},
    },
}

GENERATE = {
    "type": "object",
    "additionalProperties": False,
    "description": "Daily totals drawn from the scenario seed for every photo and day of the period.",
    "properties": {
        "period": {"type": "string", "x-expected": "2024-02-01/2024-02-29, a month such as 2024-02, or one day"},
        "days": {"type": "integer", "minimum": 1, "maximum": 3660,
                 "x-expected": "a number of days (1 to 3660) before the scenario clock's day"},
        "photos": {"type": "array", "minItems": 1, "items": _ID,
                   "description": "Photos to generate for; absent = the site's photos catalogue."},
        "plays": {"type": "array", "minItems": 2, "maxItems": 2, "items": _COUNT,
                  "x-expected": "[min, max] plays per photo per day, such as [0, 50]"},
    },
}

HISTORY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "daily": {"type": "array", "items": HISTORY_DAY},
        "generate": GENERATE,
    },
}

SITE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["domain"],
    "properties": {
        "domain": _HOST,
        "site_id": _ID,
        "site_name": _TEXT,
        "product_key": _TEXT,
        "secure_domain": _HOST,
        "setup_date": _TEXT,
        "license_id": _TEXT,
        "allow_signup_p": {"type": "string", "pattern": "^[01]$", "x-expected": '"0" or "1"'},
        "site_key": _TEXT,
        "session_cookies": {"type": "array", "items": _COOKIE,
                            "description": "Cookies read, in order, when session_id is not a parameter."},
        "photos": {"type": "array", "items": _ID,
                   "description": "The photo catalogue; absent = any photo_id is accepted."},
        "whitelist": {"type": "array", "items": WHITELIST_ENTRY,
                      "description": "Servers allowed to call report/download; absent or empty = none."},
        "oauth": {"type": "array", "items": CREDENTIAL,
                  "description": "OAuth 1.0a credentials valid on this site (signed calls get their level)."},
        "history": HISTORY,
    },
}

SECTION_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "sites": {"type": "array", "minItems": 1, "items": SITE,
                  "x-expected": "a list of at least one site"},
    },
}
