"""Per-tenant state: clock, journal, fault rules and one backend per vendor."""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock
from .faults import FaultBook
from .journal import Journal
from .scenario import Scenario

DEFAULT_TENANT = "default"
TENANT_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class TenantError(ValueError):
    """A tenant name that cannot be used."""


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario plus what each vendor prepared from it once (immutable, shared by tenants)."""

    scenario: Scenario
    prepared: dict[str, Any]


def seeded_random(seed: int, purpose: str) -> random.Random:
    """A Random whose sequence depends only on the scenario seed and the purpose."""
    digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class Tenant:
    """One isolated copy of the emulated world."""

    name: str
    loaded: LoadedScenario
    clock: Clock
    journal: Journal
    faults: FaultBook
    backends: dict[str, Any]
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: the app's Settings, and its process-wide quotas (emulator/quota.py), for the vendors' backends
    settings: Any = None
    quotas: dict[str, Any] = field(default_factory=dict)
    _randoms: dict[str, random.Random] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def now(self):
        """The emulator clock's current instant (aware UTC datetime)."""
        return self.clock.now()

    def backend(self, vendor: str) -> Any:
        return self.backends[vendor]

    def random(self, purpose: str) -> random.Random:
        """This tenant's seeded random source for one purpose; restarts on reset."""
        with self.lock:
            rng = self._randoms.get(purpose)
            if rng is None:
                rng = self._randoms[purpose] = seeded_random(self.scenario.seed, purpose)
            return rng


TenantFactory = Callable[[str, LoadedScenario], Tenant]


class TenantStore:
    """Lock-protected tenants, created on first use; the least recently used is evicted past the cap."""

    def __init__(self, factory: TenantFactory, base: LoadedScenario, max_tenants: int = 256):
        self._factory = factory
        self._base = base
        self._tenants: OrderedDict[str, Tenant] = OrderedDict()
        self._lock = threading.Lock()
        self.max_tenants = max_tenants
        self.evicted = 0

    @property
    def base(self) -> LoadedScenario:
        return self._base

    def get(self, name: str | None) -> Tenant:
        name = name or DEFAULT_TENANT
        if not TENANT_NAME.fullmatch(name):
            raise TenantError(f"X-Emulator-Tenant must be 1-64 characters of A-Z a-z 0-9 _ . : -, got {name[:80]!r}")
        with self._lock:
            tenant = self._tenants.get(name)
            if tenant is None:
                tenant = self._tenants[name] = self._factory(name, self._base)
                self._evict()
            else:
                self._tenants.move_to_end(name)
            return tenant

    def _evict(self) -> None:
        while len(self._tenants) > self.max_tenants:
            oldest = next((n for n in self._tenants if n != DEFAULT_TENANT), None)
            if oldest is None:
                return
            del self._tenants[oldest]
            self.evicted += 1

    def replace(self, name: str, loaded: LoadedScenario | None = None) -> Tenant:
        """A fresh tenant from ``loaded`` (default: the tenant's current scenario), replacing the old one."""
        with self._lock:
            old = self._tenants.get(name)
            loaded = loaded or (old.loaded if old else self._base)
            tenant = self._tenants[name] = self._factory(name, loaded)
            self._tenants.move_to_end(name)
            self._evict()
            return tenant

    def drop(self, name: str) -> bool:
        """Forget a tenant; its next request starts it afresh from the base scenario."""
        with self._lock:
            return self._tenants.pop(name, None) is not None

    def install(self, name: str, tenant: Tenant) -> Tenant:
        """Put an already built tenant in place (state import)."""
        with self._lock:
            self._tenants[name] = tenant
            self._tenants.move_to_end(name)
            self._evict()
            return tenant

    def names(self) -> list[str]:
        with self._lock:
            return list(self._tenants)

    def __len__(self) -> int:
        return len(self._tenants)
