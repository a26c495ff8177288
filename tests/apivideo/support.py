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


# --- beacons (the collector's POST /vod and /live) ---------------------------------------------
LOADED_AT = "2024-02-10T10:00:00.000Z"
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Safari/537.36")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.2 Mobile/15E148 Safari/604.1")


def event(kind: str, second: float, at: float | None = None, **fields: Any) -> dict:
    """A beacon event ``second`` seconds after LOADED_AT (``at`` defaults to 0 for non-seeks)."""
    ms = round(second * 1000)
    out: dict[str, Any] = {"type": kind, "emitted_at": f"2024-02-10T10:{ms // 60000:02d}:{ms // 1000 % 60:02d}."
                                                      f"{ms % 1000:03d}Z"}
    if not kind.startswith("seek."):
        out["at"] = 0 if at is None else at
    out.update(fields)
    return out


def beacon(events: list[dict] | None = None, *, video: str | None = VIDEO, live: str | None = None,
           session_id: str | None = None, loaded_at: str = LOADED_AT, referrer: str = "",
           metadata: list[dict] | None = None, emitted_at: str | None = None) -> dict:
    """A beacon body as the player analytics module builds it."""
    session: dict[str, Any] = {"loaded_at": loaded_at, "referrer": referrer, "metadata": metadata or []}
    if session_id:
        session["session_id"] = session_id
    if live:
        session["live_stream_id"] = live
    elif video:
        session["video_id"] = video
    events = events if events is not None else [event("ready", 1)]
    last = events[-1] if events and isinstance(events[-1], dict) else {}
    return {"emitted_at": emitted_at or last.get("emitted_at", loaded_at),
            "session": session, "events": events}
