"""Subprocesses the bench starts: each in its own process group, all stopped on any exit.

Every server runs in a session of its own so that the bench, not the terminal, decides when it
stops: Ctrl-C reaches only the bench, whose ``finally`` blocks and ``atexit`` hook then stop the
groups it started (by their ids) before it exits. SIGTERM and SIGHUP are turned into SystemExit so
the same clean-up runs.
"""

from __future__ import annotations

import atexit
import os
import select
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

LOGS = Path(__file__).resolve().parent / ".cache" / "logs"
_LIVE: dict[int, subprocess.Popen] = {}


def spawn(argv: Sequence[str], name: str, *, cwd: Path | None = None,
          stdout_pipe: bool = False) -> subprocess.Popen:
    """Start ``argv`` in a new session; stderr (and stdout unless piped) go to bench/.cache/logs/NAME.log."""
    LOGS.mkdir(parents=True, exist_ok=True)
    log = open(LOGS / f"{name}.log", "wb")  # noqa: SIM115 - closed by the child's exit, kept by Popen
    try:
        process = subprocess.Popen(list(argv), cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE if stdout_pipe else log, stderr=log,
                                   start_new_session=True)
    finally:
        log.close()
    _LIVE[process.pid] = process
    return process


def stop(process: subprocess.Popen, timeout: float = 10.0) -> float:
    """SIGTERM the process group, SIGKILL it after ``timeout``; return the seconds it took to exit."""
    started = time.perf_counter()
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=timeout)
    elapsed = time.perf_counter() - started
    _signal_group(process, signal.SIGKILL)  # children the leader left behind (npm/java wrappers)
    if process.stdout is not None:
        process.stdout.close()
    _LIVE.pop(process.pid, None)
    return elapsed


def stop_all() -> None:
    """Stop every process group still running; called at exit, whatever the cause."""
    for process in list(_LIVE.values()):
        try:
            stop(process, timeout=5)
        except (OSError, subprocess.SubprocessError):
            pass


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # the group we created: its id is the leader's pid
    except (ProcessLookupError, PermissionError):
        pass


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Make SIGTERM/SIGHUP unwind like Ctrl-C does, and stop the servers at interpreter exit."""
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)


def read_line(process: subprocess.Popen, timeout: float) -> str:
    """The first stdout line of ``process`` (piped, binary), or '' if it exits or ``timeout`` passes."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return ""
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode(errors="replace").strip()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now (the peers take a --port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(probe: Callable[[], bool], process: subprocess.Popen, timeout: float = 60.0,
               interval: float = 0.005) -> bool:
    """Poll ``probe`` until it is true; False if ``process`` died or ``timeout`` passed first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if probe():
            return True
        time.sleep(interval)
    return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, all its threads (0.0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
