"""A started server under test, and the emulator's own start (CLI ``serve --port 0``)."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import procs

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str
    startup_s: float  # spawn to ready: the emulator's ready line, a peer's first successful answer

    def stop(self) -> float:
        """Stop it (SIGTERM, then SIGKILL); the seconds it took to exit."""
        return procs.stop(self.process)


def emulator_command() -> list[str]:
    """The installed console script, as a user runs it (``python -m emulator.cli`` if absent)."""
    script = Path(sys.executable).parent / "analytics-emulator"
    return [str(script)] if script.exists() else [sys.executable, "-m", "emulator.cli"]


def start_emulator(*args: str, name: str = "emulator") -> Service:
    """``analytics-emulator serve --port 0 ARGS``; start-up is the time to its ``ready URL`` line."""
    started = time.perf_counter()
    process = procs.spawn([*emulator_command(), "serve", "--host", "127.0.0.1", "--port", "0", *args],
                          name, cwd=ROOT, stdout_pipe=True)
    line = procs.read_line(process, timeout=120)
    elapsed = time.perf_counter() - started
    if not line.startswith("ready "):
        procs.stop(process)
        raise RuntimeError(f"emulator printed {line!r}, not a ready line (see {procs.LOGS / (name + '.log')})")
    return Service(name, process, line.split(" ", 1)[1], elapsed)
