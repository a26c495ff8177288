"""The emulator's clock: every timestamp the emulator produces comes from here."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

MAX_OFFSET_SECONDS = 1e10  # about 317 years: any real test is inside it; datetime is not far beyond


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 instant (``Z`` or offset; naive means UTC) into an aware UTC datetime."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"expected an ISO-8601 instant, got {text!r}")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected an ISO-8601 instant such as 2024-03-01T12:00:00Z, got {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def format_instant(moment: datetime) -> str:
    """Format as ISO-8601 UTC with milliseconds, the way both vendors write dates."""
    moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Clock:
    """Real time shifted by an offset, or frozen at an instant until moved.

    Frozen clocks make tests repeatable; advancing works in both modes.
    """

    frozen_at: datetime | None = None
    offset: timedelta = timedelta(0)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def from_scenario(cls, instant: str | None) -> Clock:
        """Frozen at the scenario's ``clock:`` if it has one, else real time."""
        return cls(frozen_at=parse_instant(instant) if instant else None)

    @property
    def mode(self) -> str:
        return "frozen" if self.frozen_at is not None else "real"

    def now(self) -> datetime:
        """The current emulator instant (aware, UTC)."""
        frozen = self.frozen_at
        if frozen is not None:
            return frozen
        return datetime.now(timezone.utc) + self.offset

    def freeze(self, instant: datetime) -> None:
        with self._lock:
            self.frozen_at = instant.astimezone(timezone.utc)
            self.offset = timedelta(0)

    def advance(self, seconds: float) -> None:
        """Move the clock; ValueError (nothing moved) past the supported range."""
        with self._lock:
            if not math.isfinite(seconds):
                raise ValueError(f"expected a finite number of seconds, got {seconds!r}")
            try:
                delta = timedelta(seconds=seconds)
                if self.frozen_at is not None:
                    frozen = self.frozen_at + delta
                    offset = self.offset
                else:
                    frozen, offset = None, self.offset + delta
                    if abs(offset.total_seconds()) > MAX_OFFSET_SECONDS:
                        raise OverflowError
                    datetime.now(timezone.utc) + offset  # noqa: B018 - must stay a datetime
            except OverflowError:
                raise ValueError(f"advancing {seconds:g} s leaves the range of dates the clock can show") from None
            self.frozen_at, self.offset = frozen, offset

    def run_real(self) -> None:
        """Go back to real time, keeping no offset."""
        with self._lock:
            self.frozen_at = None
            self.offset = timedelta(0)

    def to_dict(self) -> dict:
        return {"now": format_instant(self.now()), "mode": self.mode,
                "offset_seconds": self.offset.total_seconds()}

    def load(self, data: dict) -> None:
        """Restore from :meth:`to_dict` output (frozen keeps its instant; real keeps its offset)."""
        with self._lock:
            if data.get("mode") == "frozen":
                self.frozen_at = parse_instant(data["now"])
                self.offset = timedelta(0)
            else:
                offset = float(data.get("offset_seconds", 0))
                if not abs(offset) <= MAX_OFFSET_SECONDS:  # also refuses NaN
                    raise ValueError(f"clock.offset_seconds: expected at most {MAX_OFFSET_SECONDS:g} "
                                     f"seconds either way, got {offset!r}")
                self.frozen_at = None
                self.offset = timedelta(seconds=offset)
