"""The vendor panels without a browser: declared by the vendors, served by the ui blueprint, named nowhere in it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from emulator.app import create_app
from emulator.ui import CONTENT_SECURITY_POLICY, bp
from emulator.vendors import all_vendors
from fakevendor import FAKE_VENDOR

from .support import FAKE_SCENARIO, PANEL_VENDOR, PANELS

UI = Path(bp.root_path)
PACKAGE = UI.parent
REPO = PACKAGE.parent
STATIC = Path(bp.static_folder)


@pytest.fixture(scope="module")
def real():
    return create_app("default", control_token="s3cret").test_client()


@pytest.fixture
def fake():
    return create_app(FAKE_SCENARIO, vendors=[PANEL_VENDOR], control_token="s3cret").test_client()


def test_the_ui_package_names_no_vendor():
    """Whatever is specific to a vendor is in that vendor's panel: the shared dashboard names none."""
    names = re.compile(r"twentythree|apivideo|23 ?video|api\.video", re.IGNORECASE)
    files = [path for path in UI.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    assert len(files) > 10
    found = {str(path.relative_to(UI)): names.findall(path.read_text(encoding="utf-8")) for path in files}
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_each_real_vendor_declares_a_panel_module():
    for vendor in all_vendors():
        module = Path(vendor.dashboard_panel)
        assert module.is_absolute() and module.is_file(), vendor.name
        assert "export function mount(" in module.read_text(encoding="utf-8"), vendor.name


def test_the_panel_modules_are_package_data():
    """The wheel carries every module of every panel folder (pyproject's package-data globs)."""
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")  # tomllib is 3.11+, the project 3.10+
    globs = json.loads(re.search(r"^\[tool\.setuptools\.package-data\]\nemulator = (\[.*\])$", pyproject, re.M).group(1))
    packaged = {path for pattern in globs for path in PACKAGE.glob(pattern)}
    modules = {path for vendor in all_vendors() for path in Path(vendor.dashboard_panel).parent.glob("*.js")}
    assert len(modules) >= 3 and modules <= packaged


def test_the_page_learns_the_declared_panels_in_the_vendors_order(real):
    response = real.get("/_emulator/ui/panels")  # like the page: no control token
    assert response.status_code == 200
    assert "no-cache" in response.headers["Cache-Control"]
    assert response.get_json() == {"items": [
        {"vendor": "twentythree", "module": "/_emulator/ui/panels/twentythree/panel.js"},
        {"vendor": "apivideo", "module": "/_emulator/ui/panels/apivideo/panel.js"}]}


def test_a_vendor_without_a_panel_declares_none():
    client = create_app(FAKE_SCENARIO, vendors=[FAKE_VENDOR]).test_client()
    assert client.get("/_emulator/ui/panels").get_json() == {"items": []}
    assert client.get("/_emulator/ui/panels/fake/panel.js").status_code == 404


@pytest.mark.parametrize(("vendor", "name"), [("twentythree", "panel.js"), ("apivideo", "panel.js"),
                                              ("apivideo", "metrics.js")])
def test_a_panel_module_is_served_like_the_other_assets(real, vendor, name):
    response = real.get(f"/_emulator/ui/panels/{vendor}/{name}")
    assert response.status_code == 200
    assert "javascript" in response.content_type
    assert response.data == (PACKAGE / vendor / "dashboard" / name).read_bytes()
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response.headers["Cache-Control"]


def test_a_panel_of_a_test_vendor_and_the_module_beside_it(fake):
    assert fake.get("/_emulator/ui/panels").get_json() == {"items": [
        {"vendor": "fake", "module": "/_emulator/ui/panels/fake/panel.js"}]}
    assert fake.get("/_emulator/ui/panels/fake/title.js").data == (PANELS / "title.js").read_bytes()


@pytest.mark.parametrize("path", [
    "/_emulator/ui/panels/nobody/panel.js",          # no such vendor
    "/_emulator/ui/panels/fake/nope.js",             # not in the panel's folder
    "/_emulator/ui/panels/fake/support.py",          # not a module, even if it were there
    "/_emulator/ui/panels/fake/..%2fsupport.py",     # out of the folder
    "/_emulator/ui/panels/fake/..%2f..%2fconftest.js",
    "/_emulator/ui/panels/fake/%2e%2e/support.py",
    "/_emulator/ui/panels/fake",
])
def test_anything_else_under_panels_is_a_404_in_the_control_format(fake, path):
    response = fake.get(path)
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_dashboard_modules_import_only_modules_that_exist_and_all_are_used():
    """The static import graph from app.js: no missing module, no module left over."""
    imports = re.compile(r"""^import\s[^;]*?from\s+"\./([\w-]+\.js)";""", re.MULTILINE | re.DOTALL)
    seen, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        assert (STATIC / name).is_file(), name
        todo.extend(imports.findall((STATIC / name).read_text(encoding="utf-8")))
    assert seen == {path.name for path in STATIC.glob("*.js")}
