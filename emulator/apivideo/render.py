"""The vendor's JSON bytes: one serialisation for every api.video answer, so that answers are byte-stable."""

from __future__ import annotations

import json
from typing import Any


def to_json(payload: Any) -> str:
    """Serialise exactly one way: key order kept, compact, ASCII (what the vendor sends)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
