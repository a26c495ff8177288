"""Instants as the vendor writes them (``2019-06-24T11:45:01.109Z``) and as epoch milliseconds."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..clock import parse_instant
from .constants import EPOCH


def iso_ms(ms: int) -> str:
    """The vendor's timestamp format: ISO-8601 UTC with milliseconds, ``Z`` suffix."""
    d = EPOCH + timedelta(milliseconds=ms)
    return (f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
            f".{d.microsecond // 1000:03d}Z")


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (sub-millisecond digits dropped)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def parse_ms(text: object) -> int:
    """Epoch milliseconds of an ISO-8601 instant with a time part (``Z`` or offset; naive means UTC)."""
    if isinstance(text, datetime):
        return to_ms(text if text.tzinfo else text.replace(tzinfo=timezone.utc))
    if isinstance(text, str) and 10 < len(text) <= 40 and "T" in text.upper():
        try:
            return to_ms(parse_instant(text))
        except ValueError:
            pass
    raise ValueError(f"expected an ISO-8601 instant such as 2024-01-24T11:45:01.109Z, got {text!r}")
