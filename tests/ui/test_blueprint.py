"""The dashboard blueprint without a browser: what is served, to whom, and what the page may do."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulator.app import create_app
from emulator.ui import bp
from emulator.vendors import all_vendors
from fakevendor import FAKE_VENDOR

from .support import FAKE_SCENARIO

STATIC = Path(bp.static_folder)
MODULES = ["api.js", "app.js", "clock.js", "dom.js", "entry.js", "faults.js", "journal.js", "panels.js", "scenario.js",
           "store.js", "tenants.js"]
# the vendors' panel modules and the modules beside them (their folder is served), by vendor/name
PANEL_SCRIPTS = {f"{vendor.name}/{path.name}": path for vendor in all_vendors() if vendor.dashboard_panel
                 for path in sorted(Path(vendor.dashboard_panel).parent.glob("*.js"))}
ASSETS = {"app.css": "text/css", "index.html": "text/html", **{name: "javascript" for name in MODULES}}


@pytest.fixture
def client():
    return create_app(FAKE_SCENARIO, vendors=[FAKE_VENDOR], control_token="s3cret").test_client()


def test_the_static_folder_holds_one_page_one_stylesheet_and_its_scripts():
    assert sorted(p.name for p in STATIC.iterdir()) == sorted(ASSETS)


@pytest.mark.parametrize("path", ["/_emulator/ui", "/_emulator/ui/"])
def test_the_page_is_served_without_the_control_token(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b'src="/_emulator/ui/static/app.js"' in response.data
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize("name", ["app.js", "journal.js", "app.css"])
def test_the_assets_are_served_without_the_control_token(client, name):
    response = client.get(f"/_emulator/ui/static/{name}")
    assert response.status_code == 200
    assert ASSETS[name] in response.content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_control_routes_still_need_the_token(client):
    assert client.get("/_emulator/faults").status_code == 401
    assert client.get("/_emulator/faults", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_the_page_allows_only_its_own_scripts_and_origin(client):
    policy = client.get("/_emulator/ui").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_dashboard_requests_are_not_journaled(client):
    client.get("/_emulator/ui")
    client.get("/_emulator/ui/static/app.js")
    journal = client.get("/_emulator/requests", headers={"Authorization": "Bearer s3cret"}).get_json()
    assert journal["total"] == 0


def test_a_missing_asset_answers_404_in_the_control_format(client):
    response = client.get("/_emulator/ui/static/nope.js")
    assert response.status_code == 404
    assert "error" in response.get_json()


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_the_assets_load_nothing_from_elsewhere(name):
    text = (STATIC / name).read_text(encoding="utf-8")
    assert not re.search(r"https?://", text), "the page must work offline: no CDN, no remote URL"


@pytest.mark.parametrize("script", sorted(MODULES) + [f"panel:{name}" for name in sorted(PANEL_SCRIPTS)])
def test_the_scripts_never_write_markup(script):
    """Journal data is attacker-controlled: the DOM is built with createElement/textContent only."""
    path = PANEL_SCRIPTS[script.removeprefix("panel:")] if script.startswith("panel:") else STATIC / script
    text = path.read_text(encoding="utf-8")
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in code, sink
    assert not re.search(r"https?://", text), "the page must work offline: no CDN, no remote URL"
