"""Parameter parsing for the three report kinds, into normalised, immutable reports.

Every parser raises ``InvalidInput`` naming the parameter at fault; nothing here touches Flask,
the site or the store, so a batch item is parsed exactly as a lone request would be.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, TypedDict

from .errors import InvalidInput

Params = Mapping[str, str]

MAX_PARAMS = 256          # parameters in one request (or one batch item)
MAX_NAME = 256            # characters in a parameter name
MAX_VALUE = 8192          # characters in a parameter value...
MAX_DATA = 1_000_000      # ...except the batch's `data`
MAX_ID = 256              # characters in session_id, event
DOCUMENTED_EVENTS = frozenset({
    "load", "fullscreen", "preRollClose", "preRollClick", "postRollClose", "postRollClick",
    "callToActionClick", "embedEngaged", "shareEngaged",
})
PLAYER_FIELDS = ("user_player_type", "user_player_version", "user_player_resolution")
#: ``type`` values that select the live form of report/play: ``stream`` is what the real HTML5
#: player sends (23/player analytics.js: ``o.type = Player.get('video_type')``, 'clip' or 'stream')
LIVE_TYPES = frozenset({"stream", "live"})

_PHOTO_ID = re.compile(r"[0-9]{1,20}")
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_INTEGER = re.compile(r"[0-9]{1,19}")
_SHOWABLE_NAME = re.compile(r"[A-Za-z0-9_.\-\[\]]{1,64}")


@dataclass(frozen=True, kw_only=True)
class Report:
    """What every report carries: the photo and the player's description of itself."""

    kind: ClassVar[str] = ""
    photo_id: str
    user_player_type: str | None = None
    user_player_version: str | None = None
    user_player_resolution: str | None = None

    def fields(self) -> dict[str, Any]:
        """The normalised fields, as recorded."""
        return dict(self.__dict__)  # the fields in declaration order (set so by __init__); flat: no deep copy


@dataclass(frozen=True, kw_only=True)
class PlayReport(Report):
    """report/play: a clip's played range (``type=clip``) or a live stream's programme time.

    ``type`` is normalised to ``clip`` or ``live``; the raw parameters keep what was sent (the
    real HTML5 player sends ``type=stream`` for a live stream, older integrations ``live``).
    """

    kind: ClassVar[str] = "play"
    type: str = "clip"
    timeStart: float | None = None
    timeEnd: float | None = None
    timeTotal: float | None = None
    play_timestamp: float | None = None
    live_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class DownloadReport(Report):
    """report/download (or report/play with ``bytes_total``): bytes sent in one session."""

    kind: ClassVar[str] = "download"
    session_id: str
    session_source: str
    bytes_total: int
    skip: int = 0


@dataclass(frozen=True, kw_only=True)
class EventReport(Report):
    """report/event: a player event, documented identifier or not."""

    kind: ClassVar[str] = "event"
    event: str
    source: str | None = None
    undocumented: bool = False


MAX_SECONDS = 1e10  # a position or a Unix timestamp; past this the totals would overflow


def shown_name(name: str) -> str:
    """A parameter name safe and short enough to quote in a message."""
    return name if _SHOWABLE_NAME.fullmatch(name) else "a parameter"


def check_limits(items: Iterable[tuple[str, str]]) -> None:
    """Refuse too many parameters, too long names and too long values (``data`` may be larger)."""
    for count, (name, value) in enumerate(items, start=1):
        if count > MAX_PARAMS:
            raise InvalidInput(f"Parameters are malformed: at most {MAX_PARAMS} parameters are accepted.")
        if len(name) > MAX_NAME:
            raise InvalidInput(f"Parameters are malformed: parameter names must be at most {MAX_NAME} characters.")
        limit = MAX_DATA if name == "data" else MAX_VALUE
        if len(value) > limit:
            raise InvalidInput.malformed(shown_name(name), f"at most {limit} characters long")


def _text(params: Params, name: str) -> str:
    return params.get(name, "").strip()


class PlayerFields(TypedDict):
    """The player's description of itself (``PLAYER_FIELDS``), as every report carries it."""

    user_player_type: str | None
    user_player_version: str | None
    user_player_resolution: str | None


def _player(params: Params) -> PlayerFields:
    return PlayerFields(user_player_type=params.get("user_player_type"),
                        user_player_version=params.get("user_player_version"),
                        user_player_resolution=params.get("user_player_resolution"))


def parse_photo_id(params: Params) -> str:
    """``photo_id``: required, a numeric id (the player's ``photo_id=undefined`` bug is caught here)."""
    value = _text(params, "photo_id")
    if not value:
        raise InvalidInput.missing("photo_id")
    if not _PHOTO_ID.fullmatch(value):
        raise InvalidInput.malformed("photo_id", "a numeric id such as 1001")
    return value


def parse_live_id(params: Params) -> str | None:
    """``live_id``: optional on a live play (the player sends it with the same id as ``photo_id``)."""
    value = _text(params, "live_id")
    if not value:
        return None
    if not _PHOTO_ID.fullmatch(value):
        raise InvalidInput.malformed("live_id", "a numeric id such as 5001")
    return value


def parse_seconds(params: Params, name: str, *, alias: str | None = None, required: bool = False,
                  expected: str = "a non-negative number of seconds such as 12.5") -> float | None:
    """A non-negative finite number (the player sends floats); ``alias`` is the legacy name."""
    shown = name
    value = _text(params, name)
    if not value and alias:
        value, shown = _text(params, alias), alias
    if not value:
        if required:
            raise InvalidInput.missing(name)
        return None
    if not _NUMBER.fullmatch(value):
        raise InvalidInput.malformed(shown, expected)
    number = float(value)
    if not math.isfinite(number) or number > MAX_SECONDS:
        raise InvalidInput.malformed(shown, expected)
    return number


def parse_play(params: Params) -> PlayReport:
    """report/play, clip form (``timeStart`` required) or live form (``type=stream|live``, ``play_timestamp``)."""
    photo_id = parse_photo_id(params)
    if _text(params, "type").lower() in LIVE_TYPES:
        stamp = parse_seconds(params, "play_timestamp", required=True,
                              expected="a Unix timestamp in seconds such as 1709294400")
        return PlayReport(photo_id=photo_id, type="live", play_timestamp=stamp, live_id=parse_live_id(params),
                          **_player(params))
    if "event" in params and not (_text(params, "timeStart") or _text(params, "time_start")):
        # the seed documents show the event page under the report/play title
        raise InvalidInput.missing("timeStart", " (an event is reported with /api/analytics/report/event)")
    return PlayReport(
        photo_id=photo_id,
        type="clip",
        timeStart=parse_seconds(params, "timeStart", alias="time_start", required=True),
        timeEnd=parse_seconds(params, "timeEnd", alias="time_end"),
        timeTotal=parse_seconds(params, "timeTotal", alias="time_total"),
        **_player(params),
    )


def parse_session(params: Params, cookies: Mapping[str, str], cookie_names: Iterable[str]) -> tuple[str, str]:
    """(session_id, where it came from): the parameter, else the first session cookie that is set."""
    value, source = params.get("session_id", ""), "param"
    if not value:
        names = tuple(cookie_names)
        value, source = next(((cookies[n], f"cookie:{n}") for n in names if cookies.get(n)), ("", ""))
        if not value:
            where = f" (as a parameter or in the session cookie {' or '.join(names)})" if names else ""
            if params.get("seesion_id"):
                where += "; seesion_id was given, but the parameter is spelt session_id"
            raise InvalidInput.missing("session_id", where)
    if len(value) > MAX_ID:
        raise InvalidInput.malformed("session_id", f"at most {MAX_ID} characters long")
    return value, source


def parse_download(params: Params, cookies: Mapping[str, str], cookie_names: Iterable[str]) -> DownloadReport:
    """report/download: ``photo_id``, ``session_id`` (or cookie), ``bytes_total``, ``skip`` (0/1)."""
    photo_id = parse_photo_id(params)
    session_id, source = parse_session(params, cookies, cookie_names)
    raw_bytes = _text(params, "bytes_total")
    if not raw_bytes:
        raise InvalidInput.missing("bytes_total")
    if not _INTEGER.fullmatch(raw_bytes) or int(raw_bytes) >= 2**63:
        raise InvalidInput.malformed("bytes_total", "a non-negative integer number of bytes")
    raw_skip = _text(params, "skip") or "0"
    if raw_skip not in ("0", "1"):
        raise InvalidInput.malformed("skip", "0 or 1")
    return DownloadReport(photo_id=photo_id, session_id=session_id, session_source=source,
                          bytes_total=int(raw_bytes), skip=int(raw_skip), **_player(params))


def parse_event(params: Params) -> EventReport:
    """report/event: any non-empty ``event`` (undocumented ones are flagged), optional ``source``."""
    photo_id = parse_photo_id(params)
    event = params.get("event", "")
    if not event.strip():
        raise InvalidInput.missing("event")
    if len(event) > MAX_ID:
        raise InvalidInput.malformed("event", f"at most {MAX_ID} characters long")
    return EventReport(photo_id=photo_id, event=event, source=params.get("source") or None,
                       undocumented=event not in DOCUMENTED_EVENTS, **_player(params))
