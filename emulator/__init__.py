"""Analytics API Emulator: 23 Video report endpoints and api.video raw statistics, offline."""

from __future__ import annotations

__version__ = "0.2.0.dev0"  # the one place: pyproject reads it, `--version` prints it
__all__ = ["__version__", "create_app"]


def create_app(*args, **kwargs):
    """Build the Flask app (imported lazily so `import emulator` stays cheap)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)
