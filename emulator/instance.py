"""The Emulator: one app's vendors, settings, scenario cache and tenants (app.extensions["emulator"])."""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .clock import Clock
from .contract import Vendor
from .faults import FaultBook, RuleSchema
from .journal import Journal, JournalBudget
from .quota import Quota
from .scenario import BudgetError, Checker, Scenario, ScenarioError, build_schema, parse_scenario, resolve
from .settings import OPTION, Settings, scenario_limits
from .store import LoadedScenario, Tenant, TenantStore

SCENARIO_CACHE_SIZE = 8


def check_fault_count(scenario: Scenario, settings: Settings) -> None:
    """More rules than a tenant may hold would fail later, when a tenant is built: refuse them now."""
    rules = scenario.document.get("faults") or []
    if len(rules) > settings.max_fault_rules:
        raise BudgetError([f"{scenario.source}:1: faults: {len(rules):,} rules, over the {settings.max_fault_rules:,} "
                           f"a tenant holds (the max_fault_rules setting, serve {OPTION['max_fault_rules']} N)"])


class ScenarioReader:
    """How an app with these vendors and settings reads a scenario: its schema, checks, limits and
    budget, built once (the fault rule schema compiles a validator)."""

    def __init__(self, vendors: Iterable[Vendor], settings: Settings) -> None:
        vendors = list(vendors)
        self.settings = settings
        #: the fault rules these vendors answer: the shared kinds and each vendor's own
        self.rules = RuleSchema({v.name: v.fault_kinds for v in vendors})
        self.schema = build_schema({v.name: v.scenario_schema for v in vendors}, self.rules.document)
        self.checks: dict[str, Checker] = {v.name: v.check_scenario for v in vendors if v.check_scenario}
        self.checks["faults"] = self.rules.check_rules
        self.limits = scenario_limits(settings)
        #: per vendor section: the records it generates (the scenario budget)
        self.sizers = {v.name: v.generated_size for v in vendors if v.generated_size}

    def parse(self, text: str, source: str) -> Scenario:
        """The validated scenario; ScenarioError (or BudgetError) says what is wrong."""
        scenario = parse_scenario(text, source, self.schema, self.checks, self.settings.max_nesting_depth,
                                  limits=self.limits, sizers=self.sizers)
        check_fault_count(scenario, self.settings)
        return scenario


def check_scenario_text(text: str, source: str, vendors: Iterable[Vendor], settings: Settings) -> Scenario:
    """Validate a scenario exactly as a server with these vendors would (same limits and budget),
    including each vendor's preparation; ScenarioError (or BudgetError) says what is wrong."""
    vendors = list(vendors)
    scenario = ScenarioReader(vendors, settings).parse(text, source)
    for vendor in vendors:
        vendor.prepare(scenario.section(vendor.name), scenario)
    return scenario


class Emulator:
    """All state of one emulator app; nothing lives at module level."""

    def __init__(self, vendors: Iterable[Vendor], settings: Settings, scenario: Any = "default",
                 seed: int | None = None):
        self.vendors: dict[str, Vendor] = {v.name: v for v in vendors}
        self.settings = settings
        self.reader = ScenarioReader(self.vendors.values(), settings)
        self.rules = self.reader.rules
        self.stopping = threading.Event()
        self.journal_budget = JournalBudget(settings.journal_bytes)
        self.quotas = {"ingested_sessions": Quota(settings.max_ingested_sessions),
                       "ingested_events": Quota(settings.max_ingested_events)}
        self._cache: OrderedDict[tuple, LoadedScenario] = OrderedDict()
        self._cache_lock = threading.RLock()  # reentrant: a scenario's finaliser may run while it is held
        self._held_records = 0  # generated records of every prepared scenario still alive
        self.store = TenantStore(self._new_tenant, self.load(scenario, seed), settings.max_tenants)

    # -- scenarios -------------------------------------------------------------------------------
    def parse(self, text: str, source: str) -> Scenario:
        return self.reader.parse(text, source)

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
        self._make_room(parsed)
        prepared = {name: vendor.prepare(parsed.section(name), parsed) for name, vendor in self.vendors.items()}
        rules = tuple(self.rules.parse(rule, generated_id=f"fault-{n}", hang_max_ms=self.settings.hang_max_ms,
                                       origin="scenario")
                      for n, rule in enumerate(parsed.document.get("faults") or (), 1))
        loaded = LoadedScenario(parsed, prepared, rules)
        with self._cache_lock:
            self._held_records += parsed.generated
            weakref.finalize(loaded, self._release_records, parsed.generated)
            self._cache[key] = loaded
            while len(self._cache) > SCENARIO_CACHE_SIZE:
                self._cache.popitem(last=False)
        return loaded

    def _release_records(self, records: int) -> None:
        with self._cache_lock:
            self._held_records -= records

    def _make_room(self, scenario: Scenario) -> None:
        """Refuse a scenario the process cannot hold next to the ones alive (cached ones are let go first).

        ``max_generated`` bounds one scenario; tenants may each load their own, so this bounds
        them together: what the base scenario, the tenants' and the cache hold, plus this one.
        """
        limit = self.settings.max_generated_total
        with self._cache_lock:
            while self._held_records + scenario.generated > limit and self._cache:
                self._cache.popitem(last=False)  # freed now unless a tenant still uses it
            held = self._held_records
        if held + scenario.generated > limit:
            raise BudgetError([
                f"{scenario.source}:1: this scenario generates {scenario.generated:,} records and the scenarios "
                f"in use (the server's and the tenants') hold {held:,}, over the {limit:,} of the "
                f"max_generated_total setting (serve {OPTION['max_generated_total']} N); "
                f"DELETE /_emulator/tenant or a smaller scenario frees some"])

    # -- tenants ---------------------------------------------------------------------------------
    def _new_tenant(self, name: str, loaded: LoadedScenario) -> Tenant:
        scenario = loaded.scenario
        faults = FaultBook(self.settings.hang_max_ms, self.settings.max_fault_rules, self.rules)
        faults.install(loaded.fault_rules)  # parsed once per scenario load, not once per tenant
        tenant = Tenant(name=name, loaded=loaded, clock=Clock.from_scenario(scenario.clock),
                        journal=self._new_journal(), faults=faults, backends={}, settings=self.settings,
                        quotas=self.quotas)
        for vendor_name, vendor in self.vendors.items():
            tenant.backends[vendor_name] = vendor.new_backend(loaded.prepared[vendor_name], tenant)
        return tenant

    def _new_journal(self) -> Journal:
        settings = self.settings
        return Journal(cap=settings.journal_cap, budget=self.journal_budget, body_bytes=settings.journal_body_bytes,
                       header_bytes=settings.journal_header_bytes)

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
