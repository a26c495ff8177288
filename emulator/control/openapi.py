"""The OpenAPI 3 document of the control API, joined by each vendor's own paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from ..runtime import Emulator

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_TENANT = {"name": "X-Emulator-Tenant", "in": "header", "required": False,
           "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
           "description": "Isolated state per tenant; created from the loaded scenario on first use."}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _listing(item: dict) -> dict:
    return {"type": "object", "required": ["total", "items"],
            "properties": {"total": {"type": "integer", "minimum": 0}, "items": {"type": "array", "items": item}}}


def _op(summary: str, responses: dict, *, params: list | None = None, body: dict | None = None,
        tag: str = "control") -> dict:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "parameters": [_TENANT] + (params or []),
                          "responses": {**responses, "4XX": _json({"$ref": "#/components/schemas/ControlError"},
                                                                  "Bad control request")}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def control_paths() -> dict:
    obj = {"type": "object"}
    entry = {"$ref": "#/components/schemas/JournalEntry"}
    rule = {"$ref": "#/components/schemas/FaultRule"}
    clock = {"$ref": "#/components/schemas/Clock"}
    return {
        "/_emulator/health": {"get": _op("Liveness", {"200": _json(obj)})},
        "/_emulator/ready": {"get": _op("Readiness, with the loaded scenario and counts", {"200": _json(obj)})},
        "/_emulator/reset": {"post": _op("Back to the loaded scenario's initial state", {"200": _json(obj)})},
        "/_emulator/tenant": {"delete": _op("Drop the caller's tenant (recreated on next use)", {"200": _json(obj)})},
        "/_emulator/tenants": {"get": _op("Live tenants", {"200": _json(_listing(obj))})},
        "/_emulator/scenario": {
            "get": _op("The loaded scenario", {"200": _json(obj)}),
            "put": _op("Load a bundled scenario ({\"name\"}) or a YAML/JSON document", {"200": _json(obj)},
                       params=[_query("seed", {"type": "integer"})],
                       body={"application/json": {"schema": obj}, "application/yaml": {"schema": {"type": "string"}}}),
        },
        "/_emulator/scenarios": {"get": _op("Bundled scenarios", {"200": _json(_listing(obj))})},
        "/_emulator/state": {
            "get": _op("Export the whole tenant state", {"200": _json(obj)}),
            "put": _op("Import a state exported by GET", {"200": _json(obj)},
                       body={"application/json": {"schema": obj}}),
        },
        "/_emulator/requests": {
            "get": _op("The request journal, newest last", {"200": _json(_listing(entry))}, params=[
                _query("api", {"type": "string", "enum": ["twentythree", "apivideo", "unknown"]}),
                _query("method", {"type": "string"}),
                _query("path", {"type": "string"}, "glob"),
                _query("status", {"type": "integer"}),
                _query("since", {"type": "string"}, "ISO instant, or an entry id (entries after it)"),
                _query("fault", {"type": "string"}, "rule id, or * for any"),
                _query("limit", {"type": "integer", "minimum": 0}),
            ]),
            "delete": _op("Clear the journal", {"200": _json(_listing(entry))}),
        },
        "/_emulator/faults": {
            "get": _op("Fault rules with their counters", {"200": _json(_listing(rule))}),
            "post": _op("Add a rule (or a list of rules)", {"201": _json({"oneOf": [rule, {"type": "array", "items": rule}]})},
                        body={"application/json": {"schema": {"oneOf": [rule, {"type": "array", "items": rule}]}}}),
            "delete": _op("Remove every rule", {"200": _json(_listing(rule))}),
        },
        "/_emulator/faults/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": _op("One rule", {"200": _json(rule)}),
            "delete": _op("Remove one rule", {"200": _json(obj)}),
        },
        "/_emulator/clock": {
            "get": _op("The emulator clock", {"200": _json(clock)}),
            "put": _op("Freeze at an instant, advance, or run in real time", {"200": _json(clock)},
                       body={"application/json": {"schema": {"oneOf": [
                           {"type": "object", "required": ["now"], "properties": {"now": {"type": "string"}}},
                           {"type": "object", "required": ["advance"], "properties": {"advance": {"type": "number"}}},
                           {"type": "object", "required": ["mode"],
                            "properties": {"mode": {"enum": ["real", "frozen"]}}}]}}}),
        },
        "/_emulator/openapi.json": {"get": _op("This document", {"200": _json(obj)})},
    }


def control_components() -> dict:
    from ..faults import RULE_SCHEMA

    rule = {k: v for k, v in RULE_SCHEMA.items() if k != "additionalProperties"}
    return {
        "ControlError": _ERROR,
        "FaultRule": rule,
        "Clock": {"type": "object", "required": ["now", "mode"],
                  "properties": {"now": {"type": "string"}, "mode": {"enum": ["real", "frozen"]},
                                 "offset_seconds": {"type": "number"}}},
        "JournalEntry": {"type": "object", "required": ["id", "time", "api", "method", "path", "query", "headers",
                                                        "body", "status", "fault"],
                         "properties": {"id": {"type": "integer"}, "time": {"type": "string"},
                                        "api": {"type": "string"}, "method": {"type": "string"},
                                        "path": {"type": "string"}, "query": {"type": "object"},
                                        "headers": {"type": "object"}, "body": {"type": "string"},
                                        "status": {"type": ["integer", "null"]},
                                        "fault": {"type": ["string", "null"]}}},
    }


def openapi_document(emulator: Emulator) -> dict:
    """Control routes plus every vendor's paths and components, in one OpenAPI 3.0 document."""
    paths = control_paths()
    schemas = control_components()
    for vendor in emulator.vendors.values():
        paths.update(vendor.openapi_paths)
        schemas.update(vendor.openapi_components.get("schemas", vendor.openapi_components)
                       if vendor.openapi_components else {})
    return {
        "openapi": "3.0.3",
        "info": {"title": "Analytics API Emulator", "version": __version__,
                 "description": "Control API (/_emulator) and the emulated 23 Video and api.video routes."},
        "paths": paths,
        "components": {"schemas": schemas},
    }
