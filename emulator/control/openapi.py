"""The OpenAPI 3 document of the control API, joined by each vendor's own paths.

Every control answer is described exactly (required keys, types, enums) so that a schema-driven
fuzzer (tests/control/test_openapi.py) checks something: the answers the routes give without fault rules.
Schemas are OpenAPI 3.0 schema objects: the fault kinds' JSON Schema fields (draft 2020-12:
``const``, numeric ``exclusiveMinimum``) are rewritten into that dialect here. The vendors' names,
fault kinds and routes come from their declarations (emulator.contract.Vendor).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import __version__
from ..pipeline import UNKNOWN_API
from ..tenancy import TENANT_HEADER

if TYPE_CHECKING:
    from ..faults import RuleSchema
    from ..instance import Emulator

_REF = "#/components/schemas/"
_STR = {"type": "string"}
_INT = {"type": "integer"}
_COUNT = {"type": "integer", "minimum": 0}
_INSTANT = {"type": "string", "format": "date-time", "description": "ISO-8601 UTC with milliseconds"}
_TENANT = {"name": TENANT_HEADER, "in": "header", "required": False,
           "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
           "description": "Isolated state per tenant; created from the loaded scenario on first use "
                          "(absent: the tenant `default`). Another name answers 400."}
_ERROR_DESCRIPTION = ("Bad control request: 400 bad parameter or body, 401 missing control token, 403 a Host that "
                      "is not loopback nor allowed, or a cross-site browser request that changes state, 404 no such "
                      "rule or bundled scenario, 405 method not allowed, 413 body over the size limit, "
                      "422 invalid scenario document (with `messages`)")
INFO_DESCRIPTION = (
    "Control API (/_emulator) and the emulated vendors' routes, on one port.\n\n"
    "The answers described are those given without fault rules: a `status` fault answers any status with "
    "any body and a transport fault (reset, empty, truncate, slow_body, hang) damages the answer itself.")


def info_description(emulator: Emulator) -> str:
    """The shared description, then what each vendor says of its own routes (Vendor.openapi_description)."""
    notes = [vendor.openapi_description for vendor in emulator.vendors.values() if vendor.openapi_description]
    return "\n\n".join([INFO_DESCRIPTION, *notes])


def _ref(name: str) -> dict:
    return {"$ref": _REF + name}


def _obj(properties: dict, required: list[str] | None = None, *, closed: bool = True, **extra: Any) -> dict:
    """An object schema; ``required`` defaults to every property, ``closed`` forbids other keys."""
    schema: dict[str, Any] = {"type": "object", "required": list(properties) if required is None else required,
                              "properties": properties, **extra}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _json(schema: dict, description: str = "OK", headers: dict | None = None) -> dict:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _counter_header(description: str) -> dict:
    return {"description": description, "required": True, "schema": _COUNT}


def _listing(item: dict) -> dict:
    return _obj({"total": {**_COUNT, "description": "every match, before `limit`"},
                 "items": {"type": "array", "items": item}})


def _op(summary: str, responses: dict, *, params: list | None = None, body: dict | None = None,
        tag: str = "control", operation_id: str, description: str | None = None) -> dict:
    op: dict[str, Any] = {"summary": summary, "operationId": operation_id, "tags": [tag],
                          "parameters": [_TENANT] + (params or []),
                          "responses": {**responses, "4XX": _json(_ref("ControlError"), _ERROR_DESCRIPTION)}}
    if description:
        op["description"] = description
    if body is not None:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _query(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def control_paths(apis: list[str]) -> dict:
    """The control routes; ``apis`` are the values a journal entry's ``api`` takes (the vendors, unknown)."""
    rule_state = _ref("FaultRuleState")
    rule_doc = _ref("FaultRule")
    clock = _ref("Clock")
    scenario = _ref("ScenarioView")
    loaded = _obj({"status": {"type": "string", "enum": ["loaded"]}, "scenario": _STR, "tenant": _STR})
    return {
        "/_emulator/health": {"get": _op(
            "Liveness (needs no control token)", {"200": _json(_obj({"status": {"type": "string", "enum": ["ok"]}}))},
            operation_id="control_health")},
        "/_emulator/ready": {"get": _op("Readiness, with the loaded scenario and counts",
                                        {"200": _json(_ref("Ready"))}, operation_id="control_ready")},
        "/_emulator/reset": {"post": _op(
            "Back to the loaded scenario's initial state (data, journal, faults, clock, tokens)",
            {"200": _json(_obj({"status": {"type": "string", "enum": ["reset"]}, "scenario": _STR,
                                "tenant": _STR}))}, operation_id="control_reset")},
        "/_emulator/tenant": {"delete": _op(
            "Drop the caller's tenant (recreated from the loaded scenario on next use)",
            {"200": _json(_obj({"tenant": _STR, "dropped": {"type": "boolean"}}))},
            operation_id="control_drop_tenant")},
        "/_emulator/tenants": {"get": _op(
            "Live tenants",
            {"200": _json(_listing(_obj({"name": _STR})), headers={
                "X-Emulator-Tenants-Evicted": _counter_header("tenants evicted so far (least recently used)")})},
            operation_id="control_tenants")},
        "/_emulator/scenario": {
            "get": _op("The caller's loaded scenario", {"200": _json(scenario)}, operation_id="control_get_scenario"),
            "put": _op(
                "Load a bundled scenario ({\"name\"}) or a YAML/JSON scenario document",
                {"200": _json(scenario)},
                params=[_query("seed", _INT, "drive the scenario with this seed instead of its own")],
                body={"application/json": {"schema": {"oneOf": [
                          _obj({"name": {"type": "string", "description": "a bundled scenario"},
                                "seed": _INT}, ["name"]),
                          {"type": "object", "description": "a scenario document (see `analytics-emulator "
                                                            "validate`)"}]},
                          "example": {"name": "default"}},
                      "application/yaml": {"schema": _STR, "example": "name: inline\nseed: 1\n"}},
                operation_id="control_put_scenario",
                description="Changes only the caller's tenant. 404 for an unknown bundled name; 422 "
                            "`{\"error\", \"messages\"}` for an invalid document, the loaded scenario kept."),
        },
        "/_emulator/scenarios": {"get": _op(
            "Bundled scenarios", {"200": _json(_listing(_obj({"name": _STR, "description": _STR})))},
            operation_id="control_scenarios")},
        "/_emulator/state": {
            "get": _op("Export the whole tenant state", {"200": _json(_ref("State"))},
                       operation_id="control_get_state"),
            "put": _op("Import a state exported by GET", {"200": _json(loaded)},
                       body={"application/json": {"schema": _ref("State")}}, operation_id="control_put_state"),
        },
        "/_emulator/requests": {
            "get": _op("The request journal, newest last",
                       {"200": _json(_listing(_ref("JournalEntry")), headers={
                           "X-Emulator-Journal-Dropped": _counter_header("entries dropped past the journal cap")})},
                       params=[
                           _query("api", {"type": "string", "enum": apis}),
                           _query("method", _STR, "HTTP method, any case"),
                           _query("path", _STR, "glob"),
                           _query("status", {"type": "integer", "minimum": 0}, "HTTP status"),
                           _query("since", _STR, "ISO instant, or an entry id (entries after it)"),
                           _query("fault", _STR, "rule id, or * for any"),
                           _query("limit", _COUNT, "the newest this many"),
                       ], operation_id="control_get_requests"),
            "delete": _op("Clear the journal", {"200": _json(_listing(_ref("JournalEntry")))},
                          operation_id="control_clear_requests"),
        },
        "/_emulator/faults": {
            "get": _op("Fault rules with their counters", {"200": _json(_listing(rule_state))},
                       operation_id="control_get_faults"),
            "post": _op("Add a rule (or a list of rules, all or none)",
                        {"201": _json({"oneOf": [rule_state, {"type": "array", "items": rule_state}]}, "Added")},
                        body={"application/json": {
                            "schema": {"oneOf": [rule_doc, {"type": "array", "items": rule_doc}]},
                            "example": {"match": {"method": "GET", "path": "/*"},
                                        "action": {"kind": "status", "status": 503}, "times": 1}}},
                        operation_id="control_add_faults"),
            "delete": _op("Remove every rule", {"200": _json(_listing(rule_state))},
                          operation_id="control_clear_faults"),
        },
        "/_emulator/faults/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": _STR}],
            "get": _op("One rule", {"200": _json(rule_state)}, operation_id="control_get_fault"),
            "delete": _op("Remove one rule", {"200": _json(_obj({"deleted": _STR}))},
                          operation_id="control_delete_fault"),
        },
        "/_emulator/clock": {
            "get": _op("The emulator clock", {"200": _json(clock)}, operation_id="control_get_clock"),
            "put": _op("Freeze at an instant, advance, or run in real time", {"200": _json(clock)},
                       body={"application/json": {"schema": {"oneOf": [
                           _obj({"now": {"type": "string", "description": "ISO-8601 instant; naive means UTC"}}),
                           _obj({"advance": {"type": "number", "minimum": -1e10, "maximum": 1e10,
                                             "description": "seconds, may be negative"}}),
                           _obj({"mode": {"type": "string", "enum": ["real", "frozen"]}})]},
                           "example": {"advance": 60}}},
                       operation_id="control_put_clock"),
        },
        "/_emulator/openapi.json": {"get": _op(
            "This document", {"200": _json(_obj({"openapi": _STR, "info": {"type": "object"},
                                                 "paths": {"type": "object"},
                                                 "components": {"type": "object"}}, closed=False))},
            operation_id="control_openapi")},
    }


def _exclusive(bound: str) -> Any:
    """Draft 2020-12's numeric ``exclusiveMinimum: N`` is 3.0's ``minimum: N, exclusiveMinimum: true``."""
    def rewrite(value: Any) -> dict:
        if isinstance(value, bool):  # already the 3.0 spelling
            return {f"exclusive{bound.capitalize()}": value}
        return {bound: value, f"exclusive{bound.capitalize()}": True}
    return rewrite


def _nullable_type(value: Any) -> dict:
    """``type: [T, "null"]`` is 3.0's ``type: T, nullable: true``."""
    if not isinstance(value, list):
        return {"type": value}
    return {"type": [kind for kind in value if kind != "null"][0], **({"nullable": True} if "null" in value else {})}


def _named_schemas(value: Any) -> Any:
    return {name: _oas30(schema) for name, schema in value.items()}


#: keyword -> its 3.0 rewriting (keywords not here are kept, their values rewritten)
_OAS30_KEYWORDS = {
    "const": lambda value: {"enum": [value]},
    "exclusiveMinimum": _exclusive("minimum"),
    "exclusiveMaximum": _exclusive("maximum"),
    "type": _nullable_type,
    "properties": lambda value: {"properties": _named_schemas(value)},
    "patternProperties": lambda value: {"patternProperties": _named_schemas(value)},
}


def _oas30(node: Any) -> Any:
    """A JSON Schema (draft 2020-12) fragment as an OpenAPI 3.0 schema object."""
    if isinstance(node, list):
        return [_oas30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        rewrite = _OAS30_KEYWORDS.get(key)
        out.update(rewrite(value) if rewrite else {key: _oas30(value)})
    return out


def fault_rule_schema(rules: RuleSchema) -> dict:
    """The rule document in OpenAPI 3.0: the action as a oneOf, one object per kind (the app's kinds)."""
    document = rules.document
    rule = _oas30({k: v for k, v in document.items() if k != "properties"})
    properties = {k: _oas30(v) for k, v in document["properties"].items() if k != "action"}
    properties["action"] = {"oneOf": [
        {"type": "object", "title": name, "required": ["kind", *kind.required],
         "properties": {"kind": {"type": "string", "enum": [name]},
                        **{field: _oas30(schema) for field, schema in kind.fields.items()}},
         "additionalProperties": False}
        for name, kind in rules.kinds.items()]}
    properties["until"] = {**properties.get("until", {}), "format": "date-time"}
    return {**rule, "properties": properties}


def control_components(rules: RuleSchema, apis: list[str]) -> dict:
    """The control API's schemas for an app with these fault rules and journal ``api`` values."""
    rule = fault_rule_schema(rules)
    rule_props = rule["properties"]
    rule_state = _obj({
        "id": _STR, "match": rule_props["match"],
        "action": {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string",
                                                                                   "enum": list(rules.kinds)}}},
        "after": _COUNT, "probability": {"type": "number", "minimum": 0, "maximum": 1},
        "seen": _COUNT, "fired": _COUNT, "origin": {"type": "string", "description": "api or scenario"},
        "times": _COUNT, "until": _INSTANT, "spent": {"type": "boolean"},
        "notes": {"type": "array", "items": _STR},
    }, ["id", "match", "action", "after", "probability", "seen", "fired", "origin"])
    clock = _obj({"now": _INSTANT, "mode": {"type": "string", "enum": ["real", "frozen"]},
                  "offset_seconds": {"type": "number"}})
    entry = _obj({
        "id": {"type": "integer", "minimum": 1}, "time": _INSTANT,
        "api": {"type": "string", "enum": apis},
        "method": _STR, "path": _STR,
        "query": {"type": "object", "description": "one value as a string, a repeated one as a list",
                  "additionalProperties": {"oneOf": [_STR, {"type": "array", "items": _STR}]}},
        "headers": {"type": "object", "additionalProperties": _STR},
        "body": {"type": "string", "description": "UTF-8 text, invalid bytes replaced; cut at journal_body_bytes"},
        "remote_addr": {"type": "string", "nullable": True},
        "status": {"type": "integer", "nullable": True, "description": "null when a transport fault sent no answer"},
        "fault": {"type": "string", "nullable": True, "description": "id of the rule that fired"},
        "fault_kind": {"type": "string", "nullable": True, "enum": [*rules.kinds, None]},
        "duration_ms": {"type": "number", "minimum": 0},
    }, ["id", "time", "api", "method", "path", "query", "headers", "body", "status", "fault"])
    return {
        "ControlError": _obj({"error": {"type": "string", "minLength": 1},
                              "messages": {"type": "array", "items": _STR,
                                           "description": "422: every problem, as file:line: message"}},
                             ["error"]),
        "FaultRule": rule,
        "FaultRuleState": rule_state,
        "Clock": clock,
        "JournalEntry": entry,
        "Ready": _obj({
            "status": {"type": "string", "enum": ["ready"]}, "scenario": _STR, "seed": _INT, "tenant": _STR,
            "tenants": {"type": "integer", "minimum": 1},
            "counts": {"type": "object", "description": "per vendor: its counters",
                       "additionalProperties": {"type": "object", "additionalProperties": _COUNT}}}),
        "ScenarioView": _obj({
            "name": _STR, "description": _STR, "seed": _INT, "source": {"type": "string", "nullable": True},
            "clock": {"type": "string", "nullable": True, "description": "the scenario's frozen start, if any"},
            "document": {"type": "object", "description": "the validated scenario document"}}),
        "State": _obj({
            "format": {"type": "string", "enum": ["analytics-emulator-state/1"]},
            "tenant": _STR,
            "scenario": _obj({"name": _STR, "seed": _INT, "document": {"type": "object"}}),
            "clock": clock,
            "faults": {"type": "array", "items": rule_state},
            "journal": _obj({"cap": {"type": "integer", "minimum": 1}, "dropped": _COUNT,
                             "entries": {"type": "array", "items": entry}}),
            "vendors": {"type": "object", "description": "each vendor's mutable state (reports, tokens...)",
                        "additionalProperties": {"type": "object"}},
        }, description="What GET /_emulator/state exports and PUT imports (the tenant name is the caller's)"),
    }


def openapi_document(emulator: Emulator) -> dict:
    """Control routes plus every vendor's paths and components, in one OpenAPI 3.0 document."""
    apis = [*emulator.vendors, UNKNOWN_API]
    paths = control_paths(apis)
    schemas = control_components(emulator.rules, apis)
    for vendor in emulator.vendors.values():
        paths.update(vendor.openapi_paths)
        schemas.update(vendor.openapi_components.get("schemas", vendor.openapi_components)
                       if vendor.openapi_components else {})
    return {
        "openapi": "3.0.3",
        "info": {"title": "Analytics API Emulator", "version": __version__, "description": info_description(emulator)},
        "paths": paths,
        "components": {"schemas": schemas},
    }
