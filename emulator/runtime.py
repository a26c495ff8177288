"""The Emulator: vendors, settings, scenario cache and tenants of one app (app.extensions["emulator"])."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clock import Clock
from .control.guard import normalize_pattern
from .core import Vendor
from .faults import RULE_SCHEMA, FaultBook, check_fault_rules
from .journal import DEFAULT_CAP, Journal
from .jsonbody import DEFAULT_MAX_DEPTH, HIGHEST_MAX_DEPTH
from .scenario import Scenario, ScenarioError, build_schema, parse_scenario, resolve
from .store import LoadedScenario, Tenant, TenantStore

SCENARIO_CACHE_SIZE = 8


@dataclass(frozen=True)
class Settings:
    """Limits and options; every one is configurable through create_app(**settings)."""

    journal_cap: int = DEFAULT_CAP
    max_tenants: int = 256
    max_body_bytes: int = 1024 * 1024
    max_param_bytes: int = 64 * 1024
    journal_body_bytes: int = 64 * 1024
    hang_max_ms: float = 30_000
    control_token: str | None = None
    #: Host names the control API and dashboard also answer, besides loopback (docs/security.md)
    allowed_hosts: tuple[str, ...] = ()
    #: how deep arrays/objects may nest in a JSON body or a YAML scenario
    max_nesting_depth: int = DEFAULT_MAX_DEPTH

    def __post_init__(self) -> None:
        for name in ("journal_cap", "max_tenants", "max_body_bytes", "max_param_bytes", "journal_body_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}: expected a positive integer, got {value!r}")
        if (isinstance(self.hang_max_ms, bool) or not isinstance(self.hang_max_ms, (int, float))
                or not math.isfinite(self.hang_max_ms) or self.hang_max_ms < 0):
            raise ValueError(f"hang_max_ms: expected a finite number of 0 or more, got {self.hang_max_ms!r}")
        depth = self.max_nesting_depth
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= HIGHEST_MAX_DEPTH:
            raise ValueError(f"max_nesting_depth: expected an integer from 1 to {HIGHEST_MAX_DEPTH} "
                             f"(deeper would exhaust Python's stack), got {depth!r}")
        object.__setattr__(self, "allowed_hosts", check_allowed_hosts(self.allowed_hosts))


def check_allowed_hosts(entries: Any) -> tuple[str, ...]:
    """``allowed_hosts`` as a tuple of lower-case patterns (None: none); ValueError saying how to write a bad one."""
    if entries is None:
        return ()
    if isinstance(entries, str) or not isinstance(entries, Iterable):
        raise ValueError(f"allowed_hosts: expected a list of host names, got {entries!r}")
    return tuple(normalize_pattern(entry) for entry in entries)


def scenario_schema(vendors: Iterable[Vendor]) -> dict:
    """The JSON Schema of a scenario, with each vendor's section."""
    return build_schema({v.name: v.scenario_schema for v in vendors}, RULE_SCHEMA)


def scenario_checks(vendors: Iterable[Vendor]) -> dict:
    """Semantic checks per top-level section: each vendor's, and the fault rules."""
    checks = {v.name: v.check_scenario for v in vendors if v.check_scenario}
    checks["faults"] = check_fault_rules
    return checks


def check_scenario_text(text: str, source: str) -> Scenario:
    """Validate a scenario exactly as a server would, including each vendor's preparation."""
    from .vendors import all_vendors

    vendors = all_vendors()
    scenario = parse_scenario(text, source, scenario_schema(vendors), scenario_checks(vendors))
    for vendor in vendors:
        vendor.prepare(scenario.section(vendor.name), scenario)
    return scenario


class Emulator:
    """All state of one emulator app; nothing lives at module level."""

    def __init__(self, vendors: Iterable[Vendor], settings: Settings, scenario: Any = "default",
                 seed: int | None = None):
        self.vendors: dict[str, Vendor] = {v.name: v for v in vendors}
        self.settings = settings
        self.schema = scenario_schema(self.vendors.values())
        self.checks = scenario_checks(self.vendors.values())
        self.stopping = threading.Event()
        self._cache: OrderedDict[tuple, LoadedScenario] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.store = TenantStore(self._new_tenant, self.load(scenario, seed), settings.max_tenants)

    # -- scenarios -------------------------------------------------------------------------------
    def parse(self, text: str, source: str) -> Scenario:
        return parse_scenario(text, source, self.schema, self.checks, self.settings.max_nesting_depth)

    def load(self, scenario: Any, seed: int | None = None) -> LoadedScenario:
        """A bundled name or a path (str/Path), a Scenario, or a dict → a prepared scenario (cached).

        Text that may come from a request goes through :meth:`load_text`, never here: a string
        here is read as a file name.
        """
        if isinstance(scenario, Scenario):
            return self.load_text(json.dumps(scenario.document, indent=1), scenario.source, seed)
        if isinstance(scenario, dict):
            return self.load_text(json.dumps(scenario, indent=1), "<document>", seed)
        if isinstance(scenario, (str, Path)):
            if isinstance(scenario, str) and ("\n" in scenario or scenario.lstrip().startswith("{")):
                return self.load_text(scenario, "<document>", seed)  # YAML or JSON text from Python code
            path = resolve(str(scenario))
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise ScenarioError([f"{path}:1: cannot read: {exc}"]) from None
            return self.load_text(text, str(path), seed)
        raise ScenarioError([f"<document>:1: expected a scenario name, path, text or mapping, "
                             f"got {type(scenario).__name__}"])

    def load_text(self, text: str, source: str = "<document>", seed: int | None = None) -> LoadedScenario:
        """Parse, validate and prepare a scenario text (cached by content and seed)."""
        key = (hashlib.sha256(text.encode()).hexdigest(), seed)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        parsed = self.parse(text, source)
        if seed is not None:
            parsed = parsed.with_seed(seed)
        prepared = {name: vendor.prepare(parsed.section(name), parsed) for name, vendor in self.vendors.items()}
        loaded = LoadedScenario(parsed, prepared)
        with self._cache_lock:
            self._cache[key] = loaded
            while len(self._cache) > SCENARIO_CACHE_SIZE:
                self._cache.popitem(last=False)
        return loaded

    # -- tenants ---------------------------------------------------------------------------------
    def _new_tenant(self, name: str, loaded: LoadedScenario) -> Tenant:
        scenario = loaded.scenario
        faults = FaultBook(self.settings.hang_max_ms)
        for rule in scenario.document.get("faults", []):
            faults.add(rule, origin="scenario")
        tenant = Tenant(name=name, loaded=loaded, clock=Clock.from_scenario(scenario.clock),
                        journal=Journal(cap=self.settings.journal_cap), faults=faults, backends={})
        for vendor_name, vendor in self.vendors.items():
            tenant.backends[vendor_name] = vendor.new_backend(loaded.prepared[vendor_name], tenant)
        return tenant

    def vendor_for(self, path: str) -> Vendor | None:
        for vendor in self.vendors.values():
            if vendor.owns_path(path):
                return vendor
        return None

    # -- state export / import -------------------------------------------------------------------
    def export_state(self, tenant: Tenant) -> dict:
        with tenant.lock:
            return {
                "format": "analytics-emulator-state/1",
                "tenant": tenant.name,
                "scenario": {"name": tenant.scenario.name, "seed": tenant.scenario.seed,
                             "document": tenant.scenario.document},
                "clock": tenant.clock.to_dict(),
                "faults": tenant.faults.export(),
                "journal": tenant.journal.export(),
                "vendors": {name: backend.export() for name, backend in tenant.backends.items()},
            }

    def import_state(self, name: str, state: dict) -> Tenant:
        """Replace tenant ``name`` with the exported ``state``; ValueError/KeyError on a bad document."""
        if not isinstance(state, dict) or state.get("format") != "analytics-emulator-state/1":
            raise ValueError("format: expected \"analytics-emulator-state/1\" (a document from GET /_emulator/state)")
        scenario = state.get("scenario") or {}
        if not isinstance(scenario.get("document"), dict):
            raise ValueError("scenario.document: expected the scenario mapping of an exported state")
        seed = scenario.get("seed")
        loaded = self.load(scenario["document"], seed if isinstance(seed, int) else None)
        tenant = self._new_tenant(name, loaded)
        tenant.clock.load(state.get("clock", {}))
        tenant.faults.load(state.get("faults", []))
        tenant.journal.load(state.get("journal", {}))
        for vendor_name, data in (state.get("vendors") or {}).items():
            if vendor_name not in tenant.backends:
                raise ValueError(f"vendors.{vendor_name}: not an emulated vendor")
            tenant.backends[vendor_name].load(data)
        return self.store.install(name, tenant)
