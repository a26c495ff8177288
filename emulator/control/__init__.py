"""The control API under /_emulator: reset, scenario, state, journal, faults, clock."""

from __future__ import annotations

from .routes import bp

__all__ = ["bp"]
