"""The live dashboard at /_emulator/ui: one static page (HTML, CSS, ES modules) over the control API.

The page is plain files served as they are (no build step, no CDN, works offline). It reads and
changes the emulator only through the documented control routes, and the vendor routes a client
would call, from the browser. It is a blueprint of its own, so the control blueprint's token check
never runs for it: the page loads without the control token and asks for it when a control call
answers 401.

What is specific to one vendor is that vendor's own panel: an ES module it declares
(``Vendor.dashboard_panel``), served here from the module's folder and imported by the page
(docs/dashboard.md). This package names no vendor.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, send_from_directory, url_for

from ..context import current_emulator

__all__ = ["bp"]

# Defence in depth: the page builds its DOM with textContent, and even if a request body slipped
# through as markup, no inline script or foreign origin could run or be reached. The vendor panels
# are served from this origin, so 'self' covers them and their imports.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

bp = Blueprint("ui", __name__, url_prefix="/_emulator/ui", static_folder="static", static_url_path="/static")


@bp.get("", strict_slashes=False)
def index() -> Response:
    """Serve the dashboard page."""
    response = bp.send_static_file("index.html")
    response.cache_control.no_cache = True
    return response


def _declared_panels() -> dict[str, Path]:
    """The served vendors' panel modules by vendor name, in the vendors' order (vendors without one left out)."""
    return {name: Path(vendor.dashboard_panel) for name, vendor in current_emulator().vendors.items()
            if vendor.dashboard_panel}


@bp.get("/panels")
def panels() -> Response:
    """List the declared panels: the page imports each one's module."""
    items = [{"vendor": name, "module": url_for("ui.panel_file", vendor=name, name=module.name)}
             for name, module in _declared_panels().items()]
    response = jsonify(items=items)
    response.cache_control.no_cache = True
    return response


@bp.get("/panels/<vendor>/<name>")
def panel_file(vendor: str, name: str) -> Response:
    """Serve a vendor panel's module, or a module it imports from its own folder (``.js`` files only)."""
    module = _declared_panels().get(vendor)
    if module is None or not name.endswith(".js"):
        abort(404)
    response = send_from_directory(module.parent, name)  # safe_join: no way out of the folder
    response.cache_control.no_cache = True
    return response


@bp.after_request
def _security_headers(response: Response) -> Response:
    """Lock the page and its assets down: own origin only, no framing, no MIME sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
