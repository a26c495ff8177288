"""The app factory, and the one API the Face (CLI, pytest plugin) uses: no module-level state.

``create_app`` wires the vendors (emulator/vendors.py), the control plane and the dashboard
around the shared machinery and returns an :class:`EmulatorApp`: a Flask app with the few
operations a caller needs (load a scenario into a tenant, read its journal, serve in the
background, stop), so nothing outside reaches into the store or the scenario cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask

from . import accesslog, flask_pipeline
from .contract import Vendor
from .control import init_control
from .instance import Emulator
from .instance import check_scenario_text as _check_with
from .pipeline import HotPaths
from .scenario import Scenario, ScenarioError, bundled_descriptions, bundled_names
from .serving import BackgroundServer, ServerLimits
from .settings import OPTION, Settings
from .store import DEFAULT_TENANT
from .tenancy import TenantPrefix
from .ui import bp as ui_bp
from .vendors import all_vendors

__all__ = ["DEFAULT_TENANT", "OPTION", "BackgroundServer", "EmulatorApp", "ScenarioError", "ServerLimits", "Settings",
           "bundled_descriptions", "bundled_names", "check_scenario_text", "configure_logging", "create_app"]

#: the server's body cap when an app has none (MAX_CONTENT_LENGTH None)
UNCAPPED_BODY_BYTES = 16 << 20


class EmulatorApp(Flask):
    """A Flask app that is one emulator: what the CLI, the pytest plugin and tests call on it."""

    @property
    def emulator(self) -> Emulator:
        return self.extensions["emulator"]

    def load_scenario(self, scenario: Any, seed: int | None = None, tenant: str = DEFAULT_TENANT) -> None:
        """Replace ``tenant`` with a fresh one from ``scenario`` (name, path, text or mapping): a reset."""
        emulator = self.emulator
        emulator.store.replace(tenant, emulator.load(scenario, seed))

    def journal_entries(self, limit: int | None = None, tenant: str = DEFAULT_TENANT) -> list[dict]:
        """The newest ``limit`` journal entries of ``tenant``, oldest first (as GET /_emulator/requests)."""
        return self.emulator.store.get(tenant).journal.query(limit=limit)[1]

    def server_limits(self, **options: Any) -> dict[str, Any]:
        """The server's limits for this app: its body cap and fault maximum, then ``options``."""
        limits: dict[str, Any] = {"max_body_bytes": self.config.get("MAX_CONTENT_LENGTH") or UNCAPPED_BODY_BYTES}
        if self.emulator.settings.hang_max_ms:
            limits["fault_max_ms"] = self.emulator.settings.hang_max_ms
        limits.update({name: value for name, value in options.items() if value is not None})
        return limits

    def serve(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> BackgroundServer:
        """Listen and answer from a background thread, now; ``with app.serve() as server:`` stops it.

        ``options`` are :class:`ServerLimits` fields (max_connections, timeouts); OSError when the
        address cannot be bound, ValueError for a bad option.
        """
        server = BackgroundServer(self, host, port, stopping=self.emulator.stopping, **self.server_limits(**options))
        for vendor in self.emulator.vendors.values():
            if vendor.on_serve is not None:
                vendor.on_serve()
        return server.start()

    def log_requests(self) -> None:
        """One access-log line per request (``serve --verbose``), through emulator.accesslog."""
        self.wsgi_app = accesslog.AccessLog(self.wsgi_app)  # type: ignore[method-assign]

    def stop(self) -> None:
        """Tell whatever waits in the app (hang faults, slow bodies) to give up: the process is stopping."""
        self.emulator.stopping.set()


def configure_logging(verbose: bool, log_format: str = "text") -> None:
    """The emulator's log handlers (``serve --verbose --log-format``)."""
    accesslog.configure(verbose, log_format)


def check_scenario_text(text: str, source: str, settings: Settings | None = None) -> Scenario:
    """Validate a scenario exactly as a server would (same limits and budget), each vendor preparing it."""
    return _check_with(text, source, all_vendors(), settings or Settings())


def create_app(scenario: Any = "default", *, seed: int | None = None,
               vendors: Sequence[Vendor] | None = None, **settings: Any) -> EmulatorApp:
    """Build an emulator app serving ``scenario`` (bundled name, path, YAML/JSON text or dict).

    ``vendors`` defaults to both emulated vendors (tests of the core may pass their own).
    ``settings`` are the fields of :class:`emulator.settings.Settings` (limits, control token...).
    Raises ScenarioError when the scenario is not valid.
    """
    app = EmulatorApp(__name__)
    options = Settings.from_options(settings)
    app.config.update(MAX_CONTENT_LENGTH=options.max_body_bytes, MAX_FORM_MEMORY_SIZE=options.max_param_bytes,
                      JSON_SORT_KEYS=False)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.compact = True  # type: ignore[attr-defined]
    vendors = list(all_vendors() if vendors is None else vendors)
    emulator = Emulator(vendors, options, scenario, seed)
    app.extensions["emulator"] = emulator
    flask_pipeline.init_app(app)
    for vendor in vendors:
        app.register_blueprint(vendor.blueprint)
        for blueprint in vendor.extra_blueprints:
            app.register_blueprint(blueprint)
    init_control(app, vendors)
    app.register_blueprint(ui_bp)
    # the vendors' hot routes skip Flask's per-request machinery; the prefix is read before either
    app.wsgi_app = TenantPrefix(HotPaths(app.wsgi_app, emulator, app.config))  # type: ignore[method-assign]
    return app
