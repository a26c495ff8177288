"""The control API under /_emulator: reset, scenario, state, journal, faults, clock, tenants."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask

from ..contract import Vendor
from .guard import guard
from .routes import bp
from .vendor_routes import vendor_blueprint

__all__ = ["bp", "init_control"]


def init_control(app: Flask, vendors: Sequence[Vendor]) -> None:
    """Register the control API on ``app``, the vendors' control routes, and the guard before them all.

    The guard is app-wide, so it runs before the token check and also covers the dashboard's
    blueprint and unknown paths under /_emulator (it returns at once for the others).
    """
    app.before_request(guard)
    app.register_blueprint(bp)
    for vendor in vendors:
        if vendor.control_routes:
            app.register_blueprint(vendor_blueprint(vendor))
