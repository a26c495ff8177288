"""The api.video routes in /_emulator/openapi.json: the pinned contract, made self-contained.

The core merges every vendor's component schemas into one namespace, so ours are prefixed
``apivideo-``; shared parameters are inlined (the core merges only schemas), and the error
answers the vendor never specified (problem+json 400/401/429) are added.
"""
from __future__ import annotations

import copy
from typing import Any

from ._contract import CONTRACT

PREFIX = "apivideo-"
_PROBLEM = "apivideo-problem"
_SCHEMA_REF = "#/components/schemas/"


def _rewrite(node: Any) -> Any:
    """Prefix schema references; inline parameter references."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SCHEMA_REF):
            return {"$ref": _SCHEMA_REF + PREFIX + ref[len(_SCHEMA_REF):]}
        if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
            return _rewrite(copy.deepcopy(CONTRACT["components"]["parameters"][ref.rsplit("/", 1)[1]]))
        return {k: _rewrite(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _problem(description: str) -> dict:
    return {"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": _SCHEMA_REF + _PROBLEM}}}}


def openapi_paths() -> dict:
    """The five operations, with the emulator's problem answers added."""
    paths = _rewrite(CONTRACT["paths"])
    for path, item in paths.items():
        for op in item.values():
            op.pop("security", None)  # the merged document declares no security schemes
            responses = op["responses"]
            if path.startswith("/analytics/"):
                op["description"] = (op.get("description", "") + " Credentials: `Authorization: Bearer "
                                     "<access_token>` from /auth/api-key, or HTTP Basic with the API key "
                                     "as user name.").strip()
                responses.setdefault("400", _problem("Bad Request (missing or invalid parameter)"))
                responses.setdefault("401", _problem("Missing or invalid credentials"))
                responses.setdefault("429", _problem("Too many requests (rate_limits.enforce)"))
                for content in responses["404"].get("content", {}).values():
                    responses["404"]["content"] = {"application/problem+json": content}
                    break
            else:
                for content in responses["400"].get("content", {}).values():
                    responses["400"]["content"] = {"application/problem+json": content}
                    break
    return paths


def openapi_components() -> dict:
    """The pinned component schemas (prefixed) and the problem document the emulator answers."""
    schemas = {PREFIX + name: _rewrite(schema) for name, schema in CONTRACT["components"]["schemas"].items()}
    schemas[_PROBLEM] = {
        "title": "Problem",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "integer"},
            "range": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}},
            "problems": {"type": "array", "items": {"$ref": _SCHEMA_REF + PREFIX + "additional-bad-request-errors"}},
        },
    }
    return {"schemas": schemas}
