"""The pinned /data/* contract (fixtures/apivideo/analytics-data.openapi.yaml) as strict validators.

Strict like contract.py (no extra keys, integers are integers), with ``date-time`` the
vendor's ATOM form ``2024-05-28T11:15:07+00:00``. The only departures from the pinned schemas
are those the vendor facts name: ``context.aggregation`` may also be ``peak`` and ``live`` and
``context.breakdown`` may be ``referrer`` (the vendor documents them; its enums omit them).
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import FormatChecker

from .contract import _forbid_extra, _StrictValidator

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "fixtures" / "apivideo" / "analytics-data.openapi.yaml"
ATOM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00")
#: what the vendor facts allow beyond the pinned enums (DECISION in analytics-data.md)
EXTRA_AGGREGATIONS = ("peak", "live")
EXTRA_BREAKDOWNS = ("referrer",)
_PROBLEM_401 = {"type": "object", "required": ["type", "title", "status"], "additionalProperties": False,
                "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}}}


def load_data_fixture() -> dict:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def _checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _atom(value: object) -> bool:
        return not isinstance(value, str) or bool(ATOM.fullmatch(value))

    return checker


class DataContract:
    """Validators of every /data/* answer."""

    def __init__(self, spec: dict | None = None, *, with_exceptions: bool = True) -> None:
        spec = spec or load_data_fixture()
        schemas = _forbid_extra(copy.deepcopy(spec["components"]["schemas"]))
        if with_exceptions:
            agg = schemas["analytics-aggregated-metrics-response"]["properties"]["context"]["properties"]
            agg["aggregation"]["enum"] = [*agg["aggregation"]["enum"], *EXTRA_AGGREGATIONS]
            brk = schemas["analytics-metrics-breakdown-response"]["properties"]["context"]["properties"]
            brk["breakdown"]["enum"] = [*brk["breakdown"]["enum"], *EXTRA_BREAKDOWNS]
        schemas["x-problem"] = _PROBLEM_401
        for name in ("analytics-plays-400-error", "unrecognized-request-url", "too-many-requests"):
            schemas[name]["required"] = ["type", "title", "status"]
        self.schemas = schemas
        self._checker = _checker()
        self.spec = spec

    def schema_for(self, path: str, status: int) -> str:
        if status == 200:
            if path.startswith("/data/metrics/"):
                return "analytics-aggregated-metrics-response"
            if path.startswith("/data/buckets/"):
                return "analytics-metrics-breakdown-response"
            return "analytics-metrics-over-time-response"
        return {400: "analytics-plays-400-error", 404: "unrecognized-request-url",
                429: "too-many-requests"}.get(status, "x-problem")

    def errors(self, path: str, status: int, body: Any) -> list[str]:
        name = self.schema_for(path, status)
        root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": self.schemas}}
        validator = _StrictValidator(root, format_checker=self._checker)
        return [f"{path} {status} ({name}) at /{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(body)]

    def error_examples(self) -> list[tuple[str, str, dict]]:
        """``(operation path, example name, body)`` of every error example of the contract."""
        out = []
        for path, item in self.spec["paths"].items():
            if not path.startswith("/data/"):
                continue
            for status, response in item["get"]["responses"].items():
                if str(status).startswith("2"):
                    continue
                for content in response.get("content", {}).values():
                    for name, example in (content.get("examples") or {}).items():
                        out.append((path, name, example["value"]))
        return out


def render_data_contract(spec: dict) -> str:
    """The text of emulator/apivideo/contracts/analytics-data.json: the three /data/* operations and
    the components (code samples removed)."""
    out = json.loads(json.dumps(spec, default=lambda o: o.isoformat()))  # YAML reads bare dates as datetimes
    paths = {p: item for p, item in out["paths"].items() if p.startswith("/data/")}
    for item in paths.values():
        for op in item.values():
            op.pop("x-doctave", None)
    return json.dumps({"paths": paths, "components": out["components"]}, indent=1, ensure_ascii=True) + "\n"
