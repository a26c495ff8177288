"""A minimal vendor for testing the core on its own (journal, faults, tenants, state)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from emulator.context import current_tenant
from emulator.contract import Vendor
from emulator.faults import RATE_LIMIT

bp = Blueprint("fake", __name__)


class FakeBackend:
    def __init__(self, prepared: dict, tenant) -> None:
        self.items: list[str] = []
        self.greeting = prepared["greeting"]

    def export(self) -> dict:
        return {"items": list(self.items)}

    def load(self, data: dict) -> None:
        self.items = list(data["items"])

    def counts(self) -> dict:
        return {"items": len(self.items)}


@bp.route("/fake/echo", methods=["GET", "POST"])
def echo() -> Response:
    tenant = current_tenant()
    return jsonify(greeting=tenant.backend("fake").greeting, now=tenant.now().isoformat())


@bp.post("/fake/items/<name>")
def add_item(name: str) -> Response:
    backend = current_tenant().backend("fake")
    backend.items.append(name)
    return jsonify(items=backend.items)


def _error(status: int, detail: str | None) -> Response:
    response = jsonify(fake_error=status, detail=detail or "")
    response.status_code = status
    return response


def _fault(action: dict) -> Response | None:
    if action["kind"] == "rate_limit":
        response = _error(429, "slow down")
        response.headers["Retry-After"] = "60"
        return response
    return None


FAKE_VENDOR = Vendor(
    name="fake",
    blueprint=bp,
    owns_path=lambda path: path.startswith("/fake/"),
    scenario_schema={"type": "object", "additionalProperties": False,
                     "properties": {"greeting": {"type": "string"}, "count": {"type": "integer", "minimum": 1,
                                                                                "x-expected": "a positive integer"}}},
    prepare=lambda section, scenario: {"greeting": (section or {}).get("greeting", "hello")},
    new_backend=FakeBackend,
    error_response=_error,
    fault_response=_fault,
    fault_kinds={"rate_limit": RATE_LIMIT},
)


CORE_SCENARIO = {"name": "core-test", "description": "fake vendor only", "seed": 7,
                 "clock": "2024-03-01T12:00:00Z", "fake": {"greeting": "hi"}}
