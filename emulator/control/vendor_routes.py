"""A vendor's own control routes (``Vendor.control_routes``), mounted under /_emulator/<vendor name>.

The control plane owns what every control route shares: the control token check, the tenant of
the request and the error format (``{"error": "..."}``); the vendor's view only reads its backend.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response

from ..context import current_tenant
from ..contract import ControlRequestError, ControlRoute, Vendor
from ..flask_pipeline import CONTROL_PREFIX, control_error, require_control_token
from ..store import TenantError


def _view(route: ControlRoute) -> Callable[[], Response]:
    def view() -> Response:
        answer = route.view(current_tenant(), request.args)
        body, headers = answer if isinstance(answer, tuple) else (answer, {})
        response = jsonify(body)
        response.headers.update(headers)
        return response

    return view


def _refused(exc: Exception) -> Response:
    return control_error(400, str(exc))


def vendor_blueprint(vendor: Vendor) -> Blueprint:
    """A blueprint (one per app: nothing at module level) with the vendor's control routes."""
    blueprint = Blueprint(f"{vendor.name}_control", __name__, url_prefix=f"{CONTROL_PREFIX}/{vendor.name}")
    blueprint.before_request(require_control_token)
    blueprint.register_error_handler(ControlRequestError, _refused)
    blueprint.register_error_handler(TenantError, _refused)
    for route in vendor.control_routes:
        blueprint.add_url_rule(route.rule, route.view.__name__, _view(route), methods=list(route.methods))
    return blueprint
