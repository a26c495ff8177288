"""The live dashboard at /_emulator/ui: one static page (HTML, CSS, JS) over the control API.

The page is plain files served as they are (no build step, no CDN, works offline). It reads and
changes the emulator only through the documented control routes, and the vendor routes a client
would call (api.video listings), from the browser. It is a blueprint of its own, so the control
blueprint's token check never runs for it: the page loads without the control token and asks
for it when a control call answers 401.
"""

from __future__ import annotations

from flask import Blueprint, Response

__all__ = ["bp"]

# Defence in depth: the page builds its DOM with textContent, and even if a request body slipped
# through as markup, no inline script or foreign origin could run or be reached.
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

bp = Blueprint("ui", __name__, url_prefix="/_emulator/ui", static_folder="static", static_url_path="/static")


@bp.get("", strict_slashes=False)
def index() -> Response:
    """Serve the dashboard page."""
    response = bp.send_static_file("index.html")
    response.cache_control.no_cache = True
    return response


@bp.after_request
def _security_headers(response: Response) -> Response:
    """Lock the page and its assets down: own origin only, no framing, no MIME sniffing."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response
