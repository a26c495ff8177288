"""Shared data of the api.video tests: the test scenario, its ids, credentials helpers."""
from __future__ import annotations

import base64
import copy
from typing import Any

VIDEO = "vi4k0jvEUuaTdRAEjQ4Prklg"
EMPTY_VIDEO = "viEmptyVideo00000000001"
LIVE = "li4pqNqGLvRFEpDtWHQ4nqbY"
EXPLICIT_LIVE = "liExplicitOnly000000001"
EXPLICIT_SESSION = "psEmFwGQUAXR2lFHj5nDOpy"
LIVE_SESSION = "ps4zRWVOv2If2vzKJLMr3jQo"

SCENARIO: dict[str, Any] = {
    "name": "apivideo-test",
    "description": "api.video tests",
    "seed": 42,
    "clock": "2024-03-01T12:00:00Z",
    "apivideo": {
        "api_keys": [
            {"key": "sandbox-key", "environment": "sandbox"},
            {"key": "production-key", "environment": "production"},
        ],
        "rate_limits": {"enforce": False},
        "videos": [
            {
                "id": VIDEO,
                "sessions": [{
                    "session": {"sessionId": EXPLICIT_SESSION, "loadedAt": "2024-01-24T11:45:01.109Z",
                                "endedAt": "2024-01-24T11:49:19.243Z",
                                "metadata": [{"key": "Format", "value": "Tutorial"},
                                             {"key": "Author", "value": "John Doe"}]},
                    "location": {"country": "France", "city": "Paris"},
                    "referrer": {"url": "https://example.org/blog", "medium": "organic",
                                 "source": "https://google.com", "searchTerm": "video hosting"},
                    "device": {"type": "desktop", "vendor": "Dell", "model": "unknown"},
                    "os": {"name": "Microsoft Windows", "shortname": "W10", "version": "Windows10"},
                    "client": {"type": "browser", "name": "Firefox", "version": "120.0"},
                    "events": [
                        {"type": "ready", "emittedAt": "2024-01-24T11:45:02.000Z", "at": 0},
                        {"type": "play", "emittedAt": "2024-01-24T11:45:03.000Z", "at": 0},
                        {"type": "seek.forward", "emittedAt": "2024-01-24T11:46:00.000Z", "from": 57, "to": 90},
                        {"type": "end", "emittedAt": "2024-01-24T11:49:19.000Z", "at": 256},
                    ],
                }],
                "generate": {"sessions": 120, "period": "2024-01-01/2024-02-29", "events": [3, 30],
                             "metadata": {"Format": ["Tutorial", "Demo"], "Author": ["John Doe", "Jane Roe"]}},
            },
            {"id": EMPTY_VIDEO},
        ],
        "live_streams": [
            {"id": LIVE, "generate": {"sessions": 40, "period": "2024-02"}},
            {"id": EXPLICIT_LIVE, "sessions": [{
                "session": {"sessionId": LIVE_SESSION, "loadedAt": "2018-09-11T13:04:37.890Z",
                            "endedAt": "2018-09-11T14:47:22.186Z"},
                "location": {"country": "France", "city": "Paris"},
                "client": {"type": "browser", "name": "Firefox", "version": "61.0"},
            }]},
        ],
    },
}


def scenario(**apivideo: Any) -> dict:
    """The test scenario with some keys of its ``apivideo:`` section replaced."""
    out = copy.deepcopy(SCENARIO)
    out["apivideo"].update(apivideo)
    return out


def basic(key: str, password: str = "") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{password}".encode()).decode()}
