"""Per-tenant state: clock, journal, fault rules and one backend per vendor."""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .clock import Clock
from .faults import FaultBook, FaultRule
from .journal import Journal
from .quota import Quota
from .scenario import Scenario
from .settings import Settings

DEFAULT_TENANT = "default"
TENANT_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class TenantError(ValueError):
    """A tenant name that cannot be used."""


class VendorBackend(Protocol):
    """One vendor's mutable state in a tenant (recorded reports, tokens, ingested sessions).

    ``export``/``load`` are GET/PUT /_emulator/state (JSON-serialisable, inverse of each other);
    ``counts`` is what GET /_emulator/ready shows of it.
    """

    def export(self) -> dict[str, Any]: ...

    def load(self, data: dict[str, Any]) -> None: ...

    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario plus what each vendor prepared from it once (immutable, shared by tenants)."""

    scenario: Scenario
    prepared: dict[str, Any]
    #: the scenario's fault rules, parsed once; each tenant gets fresh copies (FaultBook.install)
    fault_rules: tuple[FaultRule, ...] = ()


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
    backends: dict[str, VendorBackend]
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: the app's Settings, and its process-wide quotas (emulator/quota.py), for the vendors' backends
    settings: Settings = field(default_factory=lambda: Settings())
    quotas: dict[str, Quota] = field(default_factory=dict)
    _randoms: dict[str, random.Random] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        return self.loaded.scenario

    def now(self):
        """The emulator clock's current instant (aware UTC datetime)."""
        return self.clock.now()

    def backend(self, vendor: str) -> Any:  # Any: each vendor knows its own backend's class
        return self.backends[vendor]

    def random(self, purpose: str) -> random.Random:
        """This tenant's seeded random source for one purpose; restarts on reset."""
        with self.lock:
            rng = self._randoms.get(purpose)
            if rng is None:
                rng = self._randoms[purpose] = seeded_random(self.scenario.seed, purpose)
            return rng


TenantFactory = Callable[[str, LoadedScenario], Tenant]


class TenantFull(TenantError):
    """No room for a new tenant: every other slot is pinned by requests that carried the control token."""


class TenantStore:
    """Lock-protected tenants, created on first use; the least recently used is evicted past the cap.

    Eviction policy (docs/security.md): a tenant created or touched by a *trusted* request (one
    that carried the control token, when the server has one) is pinned. Other requests create
    tenants only in the slots pinned tenants leave free and evict only unpinned tenants, so
    anonymous traffic cannot push out what a tokened client set up; a pinned tenant goes when it
    is dropped, or when a trusted request needs its slot and no unpinned tenant is left. Without a
    control token no request is trusted and this is a plain LRU. The default tenant is never evicted.
    """

    def __init__(self, factory: TenantFactory, base: LoadedScenario, max_tenants: int = 256):
        self._factory = factory
        self._base = base
        self._tenants: OrderedDict[str, Tenant] = OrderedDict()
        self._pinned: set[str] = set()
        self._lock = threading.Lock()
        self.max_tenants = max_tenants
        self.evicted = 0

    @property
    def base(self) -> LoadedScenario:
        return self._base

    def get(self, name: str | None, trusted: bool = False) -> Tenant:
        """The tenant ``name`` (absent: the default one), created on first use; ``trusted`` pins it."""
        name = name or DEFAULT_TENANT
        if not TENANT_NAME.fullmatch(name):
            raise TenantError(f"X-Emulator-Tenant must be 1-64 characters of A-Z a-z 0-9 _ . : -, got {name[:80]!r}")
        with self._lock:
            tenant = self._tenants.get(name)
            if tenant is None:
                if not trusted and self._pinned and not self._room_for_untrusted():
                    raise TenantFull(
                        f"no room for tenant {name!r}: all {self.max_tenants} tenants (--max-tenants) are pinned by "
                        "requests that carried the control token; a tokened client frees one with "
                        "DELETE /_emulator/tenant")
                tenant = self._tenants[name] = self._factory(name, self._base)
                if trusted:
                    self._pinned.add(name)
                self._evict(trusted)
            else:
                self._tenants.move_to_end(name)
                if trusted:
                    self._pinned.add(name)
            return tenant

    def is_pinned(self, name: str) -> bool:
        with self._lock:
            return name in self._pinned

    def _room_for_untrusted(self) -> bool:
        return len(self._tenants) < self.max_tenants or self._victim(trusted=False) is not None

    def _victim(self, trusted: bool) -> str | None:
        """The least recently used tenant that may go: unpinned first; pinned ones only for ``trusted``."""
        victim = next((n for n in self._tenants if n != DEFAULT_TENANT and n not in self._pinned), None)
        if victim is None and trusted:
            victim = next((n for n in self._tenants if n != DEFAULT_TENANT), None)
        return victim

    def _evict(self, trusted: bool = True) -> None:
        while len(self._tenants) > self.max_tenants:
            victim = self._victim(trusted)
            if victim is None:
                return
            del self._tenants[victim]
            self._pinned.discard(victim)
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
        """Forget a tenant (and its pin); its next request starts it afresh from the base scenario."""
        with self._lock:
            self._pinned.discard(name)
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
