"""How much of everything a run measures: the full run takes a few minutes, --quick about one."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass
class Plan:
    quick: bool = False
    seconds: float = 3.0        # each measured throughput run
    warmup_s: float = 30.0      # at most, per service and request: 1 s runs until the rate stops rising
    warmup_min_s: float = 10.0  # at least, per service and request
    samples: int = 1000         # latency requests (one client)
    rounds: int = 3             # interleaved serving rounds, each service's best kept
    startup_runs: int = 5
    resets: int = 300
    plugin_tests: int = 200
    sessions: int = 1_000_000
    idle_connections: int = 2000
    beacon_runs: int = 3

    @classmethod
    def make(cls, args: argparse.Namespace) -> Plan:
        plan = cls()
        if args.quick:
            plan = cls(quick=True, seconds=1.0, warmup_s=8.0, warmup_min_s=3.0, samples=300, rounds=1,
                       startup_runs=2, resets=100, beacon_runs=1)
        if args.seconds is not None:
            plan.seconds = args.seconds
        if args.sessions is not None:
            plan.sessions = args.sessions
        return plan
