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
