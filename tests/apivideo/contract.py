"""The pinned contract (fixtures/apivideo) as strict validators, and the embedded-copy generator.

Strict like the vendor's generated clients: ``additionalProperties`` is forbidden on every
object schema, a null is only allowed where the schema says ``nullable``, an integer must be a
JSON integer (not 1.0), and ``date-time`` must be the vendor's exact form. The ``uri`` format is
not enforced: the vendor's own examples (and API) use relative link URIs.

Run as ``python -m tests.apivideo.contract`` to regenerate ``emulator/apivideo/_contract.py`` from the fixture.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker
from jsonschema.validators import extend
from openapi_schema_validator import OAS30StrictValidator

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "apivideo" / "raw-statistics.openapi.yaml"
VENDOR_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def load_fixture() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def strip_samples(spec: dict) -> dict:
    """The contract without the code samples (x-doctave): what the package embeds."""
    out = json.loads(json.dumps(spec))
    for item in out["paths"].values():
        for op in item.values():
            op.pop("x-doctave", None)
    return {"paths": out["paths"], "components": out["components"]}


SHIPPED = ROOT / "emulator" / "apivideo" / "contracts"


def render_contract(spec: dict) -> str:
    """The text of emulator/apivideo/contracts/raw-statistics.json for a contract (package data)."""
    return json.dumps(strip_samples(spec), indent=1, ensure_ascii=True) + "\n"


# --- strict validation ---------------------------------------------------------------------------
def _forbid_extra(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _forbid_extra(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_forbid_extra(v) for v in node]
    return node


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _instant(value: object) -> bool:
        return not isinstance(value, str) or bool(VENDOR_INSTANT.fullmatch(value))

    return checker


_StrictValidator = extend(
    OAS30StrictValidator,
    type_checker=OAS30StrictValidator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)),
)

# the problem bodies the pinned spec has no schema for (401, 405, 429, 5xx): strict as well
_PROBLEM = {"type": "object", "required": ["type", "title", "status"], "additionalProperties": False,
            "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                           "name": {"type": "string"}, "status": {"type": "integer"}}}
# the collector (/vod, /live) has no vendor contract: its reply, and its problems with `detail`
_BEACON_REPLY = {"type": "object", "required": ["session"], "additionalProperties": False,
                 "properties": {"session": {"type": "string", "pattern": "^ps[0-9A-Za-z]{21}$"}}}
_COLLECTOR_PROBLEM = {**_PROBLEM, "properties": {**_PROBLEM["properties"], "detail": {"type": "string"}}}
COLLECTOR_PATHS = ("/vod", "/live", "/watch")


def is_collector(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in COLLECTOR_PATHS)


class Contract:
    """Validators of every response body the api.video routes can produce."""

    def __init__(self, spec: dict | None = None) -> None:
        spec = spec or load_fixture()
        schemas = _forbid_extra(copy.deepcopy(spec["components"]["schemas"]))
        # DECISION (README.md, "Fidelity notes"): range errors carry "range", which bad-request lacks
        range_error = copy.deepcopy(schemas["bad-request"])
        range_error["properties"]["range"] = {
            "type": "object", "additionalProperties": False, "required": ["min"],
            "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}}
        schemas["x-range-error"] = range_error
        schemas["x-problem"] = _PROBLEM
        schemas["x-beacon-reply"] = _BEACON_REPLY
        schemas["x-collector-problem"] = _COLLECTOR_PROBLEM
        self.schemas = schemas
        self._checker = _format_checker()

    def validator(self, name: str):
        root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": self.schemas}}
        return _StrictValidator(root, format_checker=self._checker)

    def schema_for(self, path: str, status: int, body: Any) -> str:
        """The schema a response to ``path`` with ``status`` must satisfy."""
        if is_collector(path):
            return "x-beacon-reply" if status == 200 else "x-collector-problem"
        if path.startswith("/auth/"):
            if status == 200:
                return "access-token"
            if status == 400:
                return "bad-request"
        if status == 200:
            if path.startswith("/analytics/videos/"):
                return "raw-statistics-list-sessions-response"
            if path.startswith("/analytics/live-streams/"):
                return "raw-statistics-list-live-stream-analytics-response"
            if path.startswith("/analytics/sessions/"):
                return "raw-statistics-list-player-session-events-response"
        if status == 404 and isinstance(body, dict) and "name" in body:
            return "not-found"
        if status == 400:
            return "x-range-error" if isinstance(body, dict) and "range" in body else "bad-request"
        return "x-problem"

    def errors(self, path: str, status: int, body: Any) -> list[str]:
        """Every violation of the contract by one response body (empty when it conforms)."""
        if path.startswith("/data/"):  # the current generation has its own pinned contract
            from .data_contract import DataContract

            self.data = getattr(self, "data", None) or DataContract()
            return self.data.errors(path, status, body)
        name = self.schema_for(path, status, body)
        return [f"{path} {status} ({name}) at /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validator(name).iter_errors(body)]


if __name__ == "__main__":
    from .data_contract import load_data_fixture, render_data_contract

    for target, text in ((SHIPPED / "raw-statistics.json", render_contract(load_fixture())),
                         (SHIPPED / "analytics-data.json", render_data_contract(load_data_fixture()))):
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
