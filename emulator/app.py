"""The app factory: all wiring in one place, no module-level state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask

from . import hooks
from .control import bp as control_bp
from .core import Vendor
from .pipeline import HotPaths
from .runtime import Emulator, Settings
from .tenancy import TenantPrefix
from .ui import bp as ui_bp
from .vendors import all_vendors


def create_app(scenario: Any = "default", *, seed: int | None = None,
               vendors: Sequence[Vendor] | None = None, **settings: Any) -> Flask:
    """Build an emulator app serving ``scenario`` (bundled name, path, YAML/JSON text or dict).

    ``vendors`` defaults to both emulated vendors (tests of the core may pass their own).
    ``settings`` are the fields of :class:`emulator.runtime.Settings` (limits, control token...).
    Raises ScenarioError when the scenario is not valid.
    """
    app = Flask(__name__)
    options = Settings.from_options(settings)
    app.config.update(MAX_CONTENT_LENGTH=options.max_body_bytes, MAX_FORM_MEMORY_SIZE=options.max_param_bytes,
                      JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.json.compact = True
    vendors = list(all_vendors() if vendors is None else vendors)
    emulator = Emulator(vendors, options, scenario, seed)
    app.extensions["emulator"] = emulator
    hooks.init_app(app)
    for vendor in vendors:
        app.register_blueprint(vendor.blueprint)
        for blueprint in vendor.extra_blueprints:
            app.register_blueprint(blueprint)
    app.register_blueprint(control_bp)
    app.register_blueprint(ui_bp)
    # the vendors' hot routes skip Flask's per-request machinery; the prefix is read before either
    app.wsgi_app = TenantPrefix(HotPaths(app.wsgi_app, emulator, app.config))
    app.emulator_stopping = emulator.stopping
    app.emulator_fault_max_ms = options.hang_max_ms  # the server clamps what it executes to it too
    return app
