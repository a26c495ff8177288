"""Settings: every limit and option of one app, and the ``serve`` flag that sets each (OPTION)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from .faults import DEFAULT_HANG_MAX_MS, DEFAULT_MAX_RULES
from .hosts import normalize_pattern
from .journal import DEFAULT_BODY_BYTES, DEFAULT_CAP, DEFAULT_HEADER_BYTES, DEFAULT_MAX_BYTES
from .jsonbody import DEFAULT_MAX_DEPTH, HIGHEST_MAX_DEPTH
from .scenario import MAX_MESSAGES, MAX_NODES, Limits

#: the ``serve`` option of each setting (docs/limits.md); errors name them so a user knows what to pass
OPTION = {
    "journal_cap": "--journal-cap", "max_tenants": "--max-tenants", "max_body_bytes": "--max-body-bytes",
    "max_param_bytes": "--max-param-bytes", "journal_body_bytes": "--journal-body-bytes",
    "hang_max_ms": "--hang-max-ms", "max_generated": "--max-generated",
    "max_generated_total": "--max-generated-total",
    "max_scenario_values": "--max-scenario-values", "max_scenario_messages": "--max-scenario-messages",
    "max_fault_rules": "--max-fault-rules", "journal_bytes": "--journal-bytes",
    "journal_header_bytes": "--journal-header-bytes", "max_tokens": "--max-tokens",
    "max_ingested_sessions": "--max-ingested-sessions", "max_ingested_events": "--max-ingested-events",
    "max_nesting_depth": "--max-nesting-depth", "allowed_hosts": "--allowed-host",
}


@dataclass(frozen=True)
class Settings:
    """Limits and options; every one is configurable through create_app(**settings)."""

    journal_cap: int = DEFAULT_CAP
    max_tenants: int = 256
    max_body_bytes: int = 1024 * 1024
    max_param_bytes: int = 64 * 1024
    journal_body_bytes: int = DEFAULT_BODY_BYTES
    hang_max_ms: float = DEFAULT_HANG_MAX_MS
    control_token: str | None = None
    #: Host names the control API and dashboard also answer, besides loopback (docs/security.md)
    allowed_hosts: tuple[str, ...] = ()
    #: how deep arrays/objects may nest in a JSON body or a YAML scenario
    max_nesting_depth: int = DEFAULT_MAX_DEPTH
    #: records one scenario may generate (history entries, sessions, events), checked before building
    max_generated: int = 1_000_000
    #: records of every scenario held in memory together (the base one, the tenants', the cached ones)
    max_generated_total: int = 1_100_000
    #: values in one scenario document, YAML aliases expanded
    max_scenario_values: int = MAX_NODES
    #: problems listed when a scenario is refused
    max_scenario_messages: int = MAX_MESSAGES
    #: fault rules per tenant (scenario and control API together)
    max_fault_rules: int = DEFAULT_MAX_RULES
    #: bytes of journal entries over every tenant together; past it the oldest entry of any tenant goes
    journal_bytes: int = DEFAULT_MAX_BYTES
    #: bytes of request headers kept per journal entry (the rest cut and marked)
    journal_header_bytes: int = DEFAULT_HEADER_BYTES
    #: live access tokens, and unused refresh tokens, per tenant (the oldest leave first)
    max_tokens: int = 500
    #: sessions the vendors' collectors keep (beacons ingested), over every tenant together
    max_ingested_sessions: int = 10_000
    #: player events the vendors' collectors keep, over every tenant together
    max_ingested_events: int = 100_000

    def __post_init__(self) -> None:
        for name in (f.name for f in fields(self) if f.type == "int"):  # every count and byte size
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

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Settings:
        """``Settings(**options)``, but a misspelt name is refused with the closest setting, not a bare TypeError."""
        names = [f.name for f in fields(cls)]
        for key in options:
            if key not in names:
                hint = difflib.get_close_matches(key, names, n=1)
                suffix = f"did you mean {hint[0]!r}?" if hint else f"the settings: {', '.join(names)}"
                raise TypeError(f"unknown setting {key!r} ({suffix})")
        return cls(**options)


def check_allowed_hosts(entries: Any) -> tuple[str, ...]:
    """``allowed_hosts`` as a tuple of lower-case patterns (None: none); ValueError saying how to write a bad one."""
    if entries is None:
        return ()
    if isinstance(entries, str) or not isinstance(entries, Iterable):
        raise ValueError(f"allowed_hosts: expected a list of host names, got {entries!r}")
    return tuple(normalize_pattern(entry) for entry in entries)


def scenario_limits(settings: Settings) -> Limits:
    """What one scenario may cost under these settings, with how to raise each limit."""
    return Limits(max_values=settings.max_scenario_values, max_messages=settings.max_scenario_messages,
                  max_generated=settings.max_generated,
                  generated_hint=f", or raise the budget: the max_generated setting "
                                 f"(serve {OPTION['max_generated']} N)",
                  values_hint=f" (the max_scenario_values setting, serve {OPTION['max_scenario_values']} N)")
