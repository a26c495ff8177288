"""User-Agent parsing with ``device_detector`` (Matomo's rules), made safe to call from any thread.

Why this module exists: ``device_detector`` 6.x reads its rule files with ``yaml_rs``, a Rust
extension that crashes the whole process (SIGSEGV) when it was first used in a thread that has
since exited and is then used from another thread. A server that parses on whatever thread
serves the connection reaches that on the second beacon. The fix is at the root: the rule files
are read with PyYAML's C loader instead, so ``yaml_rs`` never runs. Every rule file the pinned
``device_detector`` ships loads to the same data either way (tests/apivideo/test_useragents.py
checks all of them, in a subprocess, on its main thread); PyYAML is thread-safe, and the first
parse costs about the same (most of it is compiling the rules' regular expressions).

The parser's answer is mapped in one place, :func:`platform`, with Matomo's own desktop rule
(a desktop operating system with no device match and no mobile-only browser is a desktop).
"""
from __future__ import annotations

import atexit
import functools
import threading
from types import SimpleNamespace
from typing import Any

import yaml

from .constants import UNKNOWN
from .pools import Platform

Triple = tuple[str, str, str]
#: device_detector keeps process-wide caches (functools caches of its rule files); one parse at a
#: time keeps them consistent. Process-wide because the library's caches are.
_DETECTOR_LOCK = threading.Lock()
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pyyaml_loads(text: str | bytes) -> Any:
    """``yaml_rs.loads``'s contract (a YAML document in, plain data out), by PyYAML."""
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader


#: what replaces the ``yaml_rs`` module inside ``device_detector.yaml_loader``
PYYAML_READER = SimpleNamespace(loads=_pyyaml_loads, __name__="emulator.apivideo.useragents.PYYAML_READER")


@functools.lru_cache(maxsize=1)
def detector_class() -> type:
    """``DeviceDetector``, with its rule-file reader switched to PyYAML (idempotent, process-wide).

    Imported lazily: the analytics routes do not need the collector's parser.
    """
    from device_detector import DeviceDetector, yaml_loader

    if not hasattr(yaml_loader, "yaml_rs"):
        raise RuntimeError("device_detector.yaml_loader no longer reads its rules through yaml_rs: "
                           "check emulator/apivideo/useragents.py against the installed device_detector")
    yaml_loader.yaml_rs = PYYAML_READER
    return DeviceDetector


def desktop_os_families() -> frozenset[str]:
    """Matomo's desktop operating-system families (GNU/Linux, Mac, Windows, Chrome OS...)."""
    detector_class()
    from device_detector.parser.settings import DESKTOP_OS

    return frozenset(DESKTOP_OS)


UNKNOWN_PLATFORM = Platform((UNKNOWN,) * 3, (UNKNOWN,) * 3, (UNKNOWN,) * 3)


def known(value: Any) -> str:
    """The detector's value, or the vendor's ``"unknown"`` for nothing / "Unknown"."""
    text = str(getattr(value, "value", value) or "").strip()
    return UNKNOWN if not text or text.lower() == UNKNOWN else text


def _os(name: str, short: str, version: str) -> Triple:
    """DECISION: Windows in the vendor example's form (``Microsoft Windows``, ``W10``, ``Windows10``)."""
    if name == "Windows":
        if not version:
            return "Microsoft Windows", UNKNOWN, UNKNOWN
        return "Microsoft Windows", "W" + version.replace(".", ""), "Windows" + version
    return known(name), known(short), known(version)


def device_type(found: Any, os_family: str) -> str:
    """The detector's device type, else Matomo's rule: a desktop OS without a mobile-only browser is a desktop.

    (device_detector applies that rule only when the UA carries a desktop fragment, so desktop
    Chrome on Linux came out "unknown" while Linux Firefox was "desktop".)
    """
    kind = known(found.device_type())
    if kind == UNKNOWN and os_family in desktop_os_families() and not found.uses_mobile_browser():
        return "desktop"
    return kind


@functools.lru_cache(maxsize=1024)
def platform(user_agent: str) -> Platform:
    """Device, OS and client of a User-Agent (cached: a page sends the same one with every beacon)."""
    if not user_agent.strip():
        return UNKNOWN_PLATFORM
    detector = detector_class()
    with _DETECTOR_LOCK:
        found = detector(user_agent, skip_bot_detection=True).parse()
        os_data = found.all_details.get("os") or {}
        device = (device_type(found, str(os_data.get("family") or "")),
                  known(found.device_brand()), known(found.device_model()))
        os = _os(str(os_data.get("name") or ""), str(os_data.get("short_name") or ""),
                 str(os_data.get("version") or ""))
        client = (known(found.client_type()), known(found.client_name()), known(found.client_version()))
    return Platform(device, os, client)


#: what pages send most: parsing these once compiles the rules every later parse needs
WARM_UP_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.1 "
    "Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:146.0) Gecko/20100101 Firefox/146.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile "
    "Safari/537.36",
)
_WARM_UP = threading.Lock()
_WARM = threading.Event()
_STOP = threading.Event()


def warm_up_in_background() -> threading.Thread | None:
    """Compile the rules once per process on a daemon thread, so no beacon waits 1-3 s for them.

    A player's first ping waiting that long made the real module send its next pings without the
    session id the first reply carries, splitting one playback into several sessions. Started when
    an app registers the collector; the ready line never waits for it (a beacon that arrives
    first simply waits for the lock). Process-wide, as the parser's caches are.
    """
    if not _WARM_UP.acquire(blocking=False):
        return None  # started before in this process (the lock is never released)
    thread = threading.Thread(target=_warm_up, name="user-agent-rules", daemon=True)
    thread.start()
    atexit.register(_finish_warm_up, thread)
    return thread


def _warm_up() -> None:
    try:
        for agent in WARM_UP_AGENTS:
            if _STOP.is_set():
                return
            platform(agent)
    finally:
        _WARM.set()


def _finish_warm_up(thread: threading.Thread) -> None:
    """At interpreter exit, let the warm-up end first (it stops after the agent it is parsing).

    A daemon thread still inside the parser's Rust extension (ahocorasick_rs) when the interpreter
    finalizes is ended by a forced unwind, which that extension catches: glibc then aborts the
    process ("FATAL: exception not rethrown"). `analytics-emulator serve` leaves with os._exit
    instead, so that SIGTERM stays quick.
    """
    _STOP.set()
    thread.join(timeout=60)


def wait_warm(timeout: float | None = None) -> bool:
    """Wait for the warm-up (started if it was not); True once the rules are compiled."""
    warm_up_in_background()
    return _WARM.wait(timeout)
