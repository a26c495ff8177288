"""The collector's beacon body (api.video player analytics v1), read and checked in full.

A beacon is checked completely before anything is recorded, so a rejected beacon leaves no trace.
Every problem names the field the way the body spells it (``events[2].at``,
``session.metadata[0]``) and says in ``detail`` what was expected.

The body, as the player module sends it (``POST {collector}/vod`` or ``/live``)::

    {"emitted_at": ISO, "session": {"loaded_at": ISO, "referrer": "", "metadata": [{"k": "v"}],
     "session_id": "ps...", "video_id" | "live_stream_id": "..."},
     "events": [{"type": "play", "emitted_at": ISO, "at": 12.3},
                {"type": "seek.forward", "emitted_at": ISO, "from": 7, "to": 21}]}

Unknown keys (the module's ``navigator``, for instance) are ignored.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ..jsonbody import DEFAULT_MAX_DEPTH, JSONBodyError, loads
from .constants import LIVE, VIDEO
from .errors import AttributeInvalid, AttributeRequired, Problem
from .ids import ALPHABET, DIGITS, PREFIX
from .schema import EVENT_TYPES, ID_PATTERN
from .timefmt import iso_ms, parse_ms

ID_FIELD = {VIDEO: "video_id", LIVE: "live_stream_id"}
MAX_EVENTS = 1000
MAX_METADATA = 64
MAX_TEXT = 4096
#: positions are int32 in the vendor's typed clients
MAX_POSITION = 2**31 - 1
SESSION_ID = re.compile(re.escape(PREFIX) + "[" + re.escape(ALPHABET) + "]{" + str(DIGITS) + "}")
_SOURCE_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class BeaconEvent:
    """One player event; positions in whole seconds (the listing's integers)."""

    type: str
    emitted_ms: int
    at: int | None = None
    frm: int | None = None
    to: int | None = None

    @property
    def fingerprint(self) -> tuple:
        """What makes two events the same event (a retried beacon repeats them all)."""
        return self.type, self.emitted_ms, self.at, self.frm, self.to

    def render(self) -> dict[str, Any]:
        """The vendor's event shape: ``at`` for player states, ``from``/``to`` for seeks."""
        out: dict[str, Any] = {"type": self.type, "emittedAt": iso_ms(self.emitted_ms)}
        if self.at is None:
            out["from"], out["to"] = self.frm, self.to
        else:
            out["at"] = self.at
        return out


@dataclass(frozen=True)
class Beacon:
    """A checked beacon: what the collector records."""

    kind: str
    source_id: str
    session_id: str | None
    emitted_ms: int
    loaded_ms: int
    referrer: str
    metadata: tuple[tuple[str, str], ...]
    events: tuple[BeaconEvent, ...]


def _bad(name: str, detail: str) -> Problem:
    return AttributeInvalid(name, detail=f"{name}: {detail}" if name else detail)


def _missing(name: str, detail: str) -> Problem:
    return AttributeRequired(name, detail=f"{name}: {detail}")


def load_body(data: bytes, max_depth: int = DEFAULT_MAX_DEPTH) -> dict[str, Any]:
    """The body as a JSON object (strict JSON: no NaN or Infinity), whatever the Content-Type."""
    try:
        body = loads(data, max_depth=max_depth)
    except JSONBodyError as exc:
        if exc.reason == "depth":
            raise _bad("body", f"expected a JSON object (the beacon), got one nested deeper than {max_depth} "
                       "levels") from None
        raise _bad("body", "expected a JSON object (the beacon), got something that is not JSON") from None
    if not isinstance(body, dict):
        raise _bad("body", f"expected a JSON object (the beacon), got a JSON {type(body).__name__}")
    return body


def _instant(value: Any, name: str) -> int:
    if value is None:
        raise _missing(name, "required, an ISO-8601 instant such as 2024-01-24T11:45:01.109Z")
    if not isinstance(value, str):
        raise _bad(name, "expected an ISO-8601 instant such as 2024-01-24T11:45:01.109Z")
    try:
        return parse_ms(value)
    except ValueError:
        raise _bad(name, f"expected an ISO-8601 instant such as 2024-01-24T11:45:01.109Z, got {value[:40]!r}") from None


def _position(value: Any, name: str, event_type: str) -> int:
    """Seconds into the media: a JSON number >= 0, floored to whole seconds (currentTime is a float)."""
    if value is None:
        raise _missing(name, f"a {event_type} event needs it (seconds into the media, a number >= 0)")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(name, "expected a number of seconds >= 0")
    if value < 0:
        raise _bad(name, f"expected a number of seconds >= 0, got {value}")
    if value > MAX_POSITION:
        raise _bad(name, f"expected at most {MAX_POSITION} seconds, got {value}")
    return math.floor(value)


def _event(raw: Any, where: str) -> BeaconEvent:
    if not isinstance(raw, dict):
        raise _bad(where, "expected an event object")
    kind = raw.get("type")
    if kind is None:
        raise _missing(where + ".type", "required, one of " + ", ".join(EVENT_TYPES))
    if kind not in EVENT_TYPES:
        shown = repr(kind[:40]) if isinstance(kind, str) else json.dumps(kind)[:40]
        raise _bad(where + ".type", f"expected one of {', '.join(EVENT_TYPES)}, got {shown}")
    emitted = _instant(raw.get("emitted_at"), where + ".emitted_at")
    if kind.startswith("seek."):
        return BeaconEvent(kind, emitted, frm=_position(raw.get("from"), where + ".from", kind),
                           to=_position(raw.get("to"), where + ".to", kind))
    return BeaconEvent(kind, emitted, at=_position(raw.get("at"), where + ".at", kind))


def _metadata(raw: Any) -> tuple[tuple[str, str], ...]:
    """The module's single-key objects ``[{"Author": "John"}]`` as ``(key, value)`` pairs."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _bad("session.metadata", 'expected a list of single-key objects such as [{"Author": "John"}]')
    if len(raw) > MAX_METADATA:
        raise _bad("session.metadata", f"at most {MAX_METADATA} entries")
    pairs = []
    for n, item in enumerate(raw):
        where = f"session.metadata[{n}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise _bad(where, 'expected an object with exactly one key, such as {"Author": "John"}')
        ((key, value),) = item.items()
        if not isinstance(value, str):
            raise _bad(where, f"the value of {key[:40]!r} must be a string")
        if len(key) > MAX_TEXT or len(value) > MAX_TEXT:
            raise _bad(where, f"keys and values are at most {MAX_TEXT} characters")
        pairs.append((key, value))
    return tuple(pairs)


def _text(raw: Any, name: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise _bad(name, "expected a string (document.referrer; empty for a direct visit)")
    if len(raw) > MAX_TEXT:
        raise _bad(name, f"at most {MAX_TEXT} characters")
    return raw


def _source_id(session: dict, kind: str) -> str:
    name = ID_FIELD[kind]
    value = session.get(name)
    if value is None:
        other = ID_FIELD[LIVE if kind == VIDEO else VIDEO]
        hint = f" (this is the {'/vod' if kind == VIDEO else '/live'} route; {other} goes to the other one)" \
            if other in session else ""
        raise _missing("session." + name, "required" + hint)
    if not isinstance(value, str) or not _SOURCE_ID.fullmatch(value):
        raise _bad("session." + name, "expected an id of 1-64 letters, digits, _ or -")
    return value


def _session_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        raise _bad("session.session_id", f"expected the id a previous reply gave: {PREFIX} and {DIGITS} "
                                         "letters or digits")
    return value


def parse_beacon(body: dict[str, Any], kind: str) -> Beacon:
    """Check a beacon body for the ``kind`` route; raise a problem naming the first bad field."""
    emitted = _instant(body.get("emitted_at"), "emitted_at")
    session = body.get("session")
    if session is None:
        raise _missing("session", "required, an object with loaded_at and " + ID_FIELD[kind])
    if not isinstance(session, dict):
        raise _bad("session", "expected an object")
    source_id = _source_id(session, kind)
    session_id = _session_id(session.get("session_id"))
    loaded = _instant(session.get("loaded_at"), "session.loaded_at")
    referrer = _text(session.get("referrer"), "session.referrer")
    metadata = _metadata(session.get("metadata"))
    events = body.get("events")
    if events is None:
        raise _missing("events", "required, a list of events (it may be empty)")
    if not isinstance(events, list):
        raise _bad("events", "expected a list of events")
    if len(events) > MAX_EVENTS:
        raise _bad("events", f"at most {MAX_EVENTS} events in one beacon")
    checked = tuple(_event(raw, f"events[{n}]") for n, raw in enumerate(events))
    return Beacon(kind, source_id, session_id, emitted, loaded, referrer, metadata, checked)
