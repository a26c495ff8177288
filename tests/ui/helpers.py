"""What the dashboard tests share: the scenario of the fake vendor and the blueprint registration."""

from __future__ import annotations

from emulator.ui import bp as ui_bp

FAKE_SCENARIO = {"name": "ui-test", "description": "fake vendor only", "seed": 3,
                 "clock": "2024-03-01T12:00:00Z", "fake": {"greeting": "hi"}}


def with_ui(app):
    """The app with the dashboard blueprint (once create_app registers it, as it is)."""
    if "ui" not in app.blueprints:
        app.register_blueprint(ui_bp)
    return app
