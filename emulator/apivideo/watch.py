"""The v2 collector's body (``POST /watch``, player analytics 2.x), read and mapped to v1 events.

Body: ``{"sat": ms, "sid": tab session, "mid": media id, "pid": playback id, "ref": referrer,
"ver": "0.1.0", "eve": [{"eat": ms, "typ": 1-8, "vti": seconds, "vwi", "vhe", "pau", "eco"}]}``.

One playback (``sid`` + ``pid``) is one session of the legacy listings: its id is a keyed hash
of the pair, so later batches (and retries) land in the same session without a lookup table.
The v2 events become v1 events (docs/apivideo-analytics.md, "v2 to v1"): 1 loadeddata = ready,
2 play = play (first, or after ended) or resume (after a pause), 3 pause = pause, 6 ended = end,
7 seeking = seek.forward / seek.backward from the last known position; 4 timeupdate is kept as a
sample (it extends the session and the play it belongs to) but is not listed; 5 error and 8 src
carry nothing the v1 vocabulary can say and are dropped.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .beacons import BeaconEvent
from .constants import LIVE, VIDEO
from .errors import AttributeInvalid, AttributeRequired, Problem
from .ids import DOMAIN, session_id_of
from .schema import ID_PATTERN

TYPES = {1: "loadeddata", 2: "play", 3: "pause", 4: "timeupdate", 5: "error", 6: "ended", 7: "seeking", 8: "src"}
MAX_EVENTS = 1000
MAX_TEXT = 4096
MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z
_SOURCE_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class WatchEvent:
    emitted_ms: int
    typ: int
    position: float


@dataclass(frozen=True)
class WatchBatch:
    """A checked /watch body."""

    sent_ms: int
    sid: str
    mid: str
    pid: str
    referrer: str
    events: tuple[WatchEvent, ...]


def _bad(name: str, detail: str) -> Problem:
    return AttributeInvalid(name, detail=f"{name}: {detail}")


def _ms(value: Any, name: str) -> int:
    if value is None:
        raise AttributeRequired(name, detail=f"{name}: required, milliseconds since the epoch")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= MAX_MS:
        raise _bad(name, "expected milliseconds since the epoch (a number)")
    return int(value)


def _text(value: Any, name: str, required: bool) -> str:
    if value is None and not required:
        return ""
    if value is None:
        raise AttributeRequired(name, detail=f"{name}: required, a string")
    if not isinstance(value, str) or len(value) > MAX_TEXT or (required and not value):
        raise _bad(name, f"expected a{' non-empty' if required else ''} string of at most {MAX_TEXT} characters")
    return value


def _event(raw: Any, where: str) -> WatchEvent:
    if not isinstance(raw, dict):
        raise _bad(where, "expected an event object")
    typ = raw.get("typ")
    if isinstance(typ, bool) or not isinstance(typ, int) or typ not in TYPES:
        raise _bad(where + ".typ", "expected a type code 1-8 (" + ", ".join(f"{k} {v}" for k, v in TYPES.items()) + ")")
    vti = raw.get("vti", 0)
    if isinstance(vti, bool) or not isinstance(vti, (int, float)) or not math.isfinite(vti) or vti < 0:
        raise _bad(where + ".vti", "expected the media's currentTime, a number of seconds >= 0")
    eco = raw.get("eco", 0)
    if isinstance(eco, bool) or not isinstance(eco, int) or not 0 <= eco <= 4:
        raise _bad(where + ".eco", "expected a media error code 0-4")
    if "pau" in raw and not isinstance(raw["pau"], bool):
        raise _bad(where + ".pau", "expected true or false (the element's paused state)")
    return WatchEvent(_ms(raw.get("eat"), where + ".eat"), typ, float(vti))


def parse_watch(body: dict[str, Any]) -> WatchBatch:
    """Check a /watch body; raise a problem naming the first bad field."""
    sent = _ms(body.get("sat"), "sat")
    sid, pid = _text(body.get("sid"), "sid", True), _text(body.get("pid"), "pid", True)
    mid = body.get("mid")
    if mid is None:
        raise AttributeRequired("mid", detail="mid: required, the video or live stream id")
    if not isinstance(mid, str) or not _SOURCE_ID.fullmatch(mid):
        raise _bad("mid", "expected an id of 1-64 letters, digits, _ or -")
    events = body.get("eve", [])
    if not isinstance(events, list):
        raise _bad("eve", "expected a list of events")
    if len(events) > MAX_EVENTS:
        raise _bad("eve", f"at most {MAX_EVENTS} events in one batch")
    checked = tuple(_event(raw, f"eve[{n}]") for n, raw in enumerate(events))
    return WatchBatch(sent, sid, mid, pid, _text(body.get("ref"), "ref", False), checked)


def playback_session_id(seed: int, batch: WatchBatch) -> str:
    """The legacy session id of a playback: a hash of (scenario seed, sid, pid)."""
    digest = hashlib.blake2b(f"{seed}\x00{batch.sid}\x00{batch.pid}".encode(), digest_size=16,
                             person=b"apivideo-watch").digest()
    return session_id_of(int.from_bytes(digest, "big") % DOMAIN)


def media_kind(mid: str, is_video: bool, is_live: bool) -> str:
    """Video or live stream: what the scenario says, else the vendor's id prefix (``li`` = live)."""
    if is_video or is_live:
        return VIDEO if is_video else LIVE
    return LIVE if mid.startswith("li") else VIDEO


#: v1 event type -> the playback state it leaves (the others leave it as it was)
_STATES = {"play": "playing", "resume": "playing", "pause": "paused", "end": "ended"}


class _Latest:
    """The latest event of a playback, and its latest state-changing one, in ``state_of``'s order:
    by instant, then recorded before the batch's own, then in arrival order (``rank``)."""

    def __init__(self) -> None:
        self.last: tuple[tuple, BeaconEvent] | None = None
        self.change: tuple[tuple, BeaconEvent] | None = None

    def add(self, rank: tuple, event: BeaconEvent) -> None:  # ranks arrive in increasing order
        self.last = (rank, event)
        if event.type in _STATES:
            self.change = (rank, event)


def _later(a: tuple[tuple, BeaconEvent] | None, b: tuple[tuple, BeaconEvent] | None) -> BeaconEvent | None:
    if a is None or b is None:
        either = a or b
        return either[1] if either else None
    return max(a, b, key=lambda pair: pair[0])[1]


def to_v1(events: Sequence[WatchEvent], recorded: Sequence[BeaconEvent] = ()) -> list[BeaconEvent]:
    """Map a batch's events to v1 events. Each event is read in the playback's state just before
    it (from what is ``recorded`` and the batch's earlier events), so a retried or late batch maps
    to the same events, which the store then counts once.

    The state is :func:`state_of` the recorded events before the instant plus the batch's earlier
    output, kept as it goes (one pass over each, not a sort per event): a batch of 1,000 events on
    9,000 recorded ones took seconds under the tenant's lock.
    """
    out: list[BeaconEvent] = []
    ranked = sorted(enumerate(recorded), key=lambda pair: (pair[1].emitted_ms, pair[0]))
    before, mine = _Latest(), _Latest()
    taken = 0
    for e in sorted(events, key=lambda e: e.emitted_ms):
        while taken < len(ranked) and ranked[taken][1].emitted_ms < e.emitted_ms:
            index, r = ranked[taken]
            before.add((r.emitted_ms, 0, index), r)
            taken += 1
        changed, last = _later(before.change, mine.change), _later(before.last, mine.last)
        state = _STATES[changed.type] if changed else "idle"
        position = ((last.to if last.at is None else last.at) or 0) if last else 0
        event = _v1(e, state, position)
        if event is not None:
            mine.add((e.emitted_ms, 1, len(out)), event)
            out.append(event)
    return out


def _v1(e: WatchEvent, state: str, position: int) -> BeaconEvent | None:
    """The v1 event of one v2 event, in the playback's ``state`` at ``position``; None: nothing."""
    at = math.floor(e.position)
    kind = TYPES[e.typ]
    if kind == "loadeddata":
        return BeaconEvent("ready", e.emitted_ms, at=at)
    if kind == "play" and state != "playing":
        return BeaconEvent("resume" if state == "paused" else "play", e.emitted_ms, at=at)
    if kind == "pause" and state == "playing":
        return BeaconEvent("pause", e.emitted_ms, at=at)
    if kind == "ended":
        return BeaconEvent("end", e.emitted_ms, at=at)
    if kind == "seeking" and at != position:
        return BeaconEvent("seek.forward" if at > position else "seek.backward", e.emitted_ms, frm=position, to=at)
    if kind == "timeupdate":
        return BeaconEvent("timeupdate", e.emitted_ms, at=at)
    return None


def state_of(events: Sequence[BeaconEvent]) -> tuple[str, int]:
    """The playback state (idle, playing, paused, ended) and last position after v1 events."""
    state, position = "idle", 0
    for e in sorted(events, key=lambda e: e.emitted_ms):
        state = _STATES.get(e.type, state)
        position = (e.to if e.at is None else e.at) or 0
    return state, position
