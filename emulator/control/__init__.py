"""The control API under /_emulator: reset, scenario, state, journal, faults, clock."""

from __future__ import annotations

from .guard import guard
from .routes import bp

# App-wide, so that it runs before the blueprint's token check and also covers the dashboard's
# blueprint and unknown paths under /_emulator (it returns at once for every other path).
bp.before_app_request(guard)

__all__ = ["bp"]
