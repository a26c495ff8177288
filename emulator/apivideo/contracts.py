"""The vendor's pinned OpenAPI contracts, shipped as package data (contracts/*.json).

Generated from fixtures/apivideo/*.openapi.yaml (code samples removed) by
``python -m tests.apivideo.contract``; a test checks the shipped copies match the fixtures.
Read once per process: they are immutable data, and /_emulator/openapi.json is built from them.
"""
from __future__ import annotations

import json
from importlib.resources import files
from types import MappingProxyType

RAW_STATISTICS = "raw-statistics"   # /auth/*, /analytics/* (the legacy generation)
ANALYTICS_DATA = "analytics-data"   # /data/* (the current generation)


def read_contract(name: str) -> dict:
    """A contract as JSON data: a fresh copy each call, so no caller can change another's."""
    return json.loads(files(__package__).joinpath("contracts", f"{name}.json").read_text(encoding="utf-8"))


CONTRACT = MappingProxyType(read_contract(RAW_STATISTICS))
DATA_CONTRACT = MappingProxyType(read_contract(ANALYTICS_DATA))
