"""`analytics-emulator serve | validate | scenarios | wait`, with the manners of a command-line tool.

Mistakes get one line on stderr naming the flag and the value (exit 2 for usage, 1 for a problem
found at run time), never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import errno
import json
import logging
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .app import (
    OPTION,
    ScenarioError,
    ServerLimits,
    Settings,
    bundled_descriptions,
    bundled_names,
    check_scenario_text,
    configure_logging,
    create_app,
)

PROG = "analytics-emulator"
DEFAULT_URL = "http://127.0.0.1:8023"
ALLOWED_HOSTS_ENV = "ANALYTICS_EMULATOR_ALLOWED_HOSTS"  # comma-separated, added to --allowed-host
LOOPBACK = ("127.0.0.1", "localhost", "::1")
log = logging.getLogger("emulator.cli")


# -- option types: a bad value names the flag (argparse prefixes "argument --flag:") ------------------
def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535 (0 takes a free port), got {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text}")
    return value


# Settings fields the serve command exposes, and their flags: errors from Settings name the field,
# the user typed the flag. The limits' flags are settings.OPTION's (the names their errors quote).
SETTING_FLAGS = {**OPTION, "control_token": "--control-token", "max_connections": "--max-connections",
                 "keep_alive_timeout": "--keep-alive-timeout", "head_timeout": "--head-timeout",
                 "body_timeout": "--body-timeout", "fault_max_ms": "--hang-max-ms"}
#: limits given their own flag above (with a hand-written help); every other OPTION gets one generated
_HAND_WRITTEN = ("journal_cap", "max_tenants", "max_body_bytes", "hang_max_ms", "allowed_hosts")
#: the limits that bound a scenario's validation (also flags of `validate`)
SCENARIO_LIMITS = ("max_generated", "max_scenario_values", "max_scenario_messages", "max_nesting_depth")


def flag_message(message: str) -> str:
    """``max_tenants: expected ...`` → ``--max-tenants: expected ...``."""
    match = re.match(r"([a-z_]+)(\[\d+\])?:", message)
    if match and match.group(1) in SETTING_FLAGS:
        return SETTING_FLAGS[match.group(1)] + message[len(match.group(1)):]
    return message


def scenario_hint(name: str) -> str:
    """`` (did you mean 'vendor-outage'?)`` for a near miss of a bundled name, else empty."""
    if "/" in name or Path(name).suffix:
        return ""
    close = difflib.get_close_matches(name, bundled_names(), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _setting_defaults() -> dict:
    """The defaults of the app's Settings and the server's limits, for --help."""
    return {f.name: f.default for cls in (ServerLimits, Settings) for f in dataclasses.fields(cls)}


def given_limits(args: argparse.Namespace, names: Iterable[str]) -> dict[str, Any]:
    """The limits given on the command line (absent ones keep the Settings default)."""
    return {name: getattr(args, name) for name in names
            if name != "allowed_hosts" and getattr(args, name, None) is not None}


def add_limit_flags(parser: argparse.ArgumentParser, names: Iterable[str], defaults: dict) -> None:
    """One ``--flag N`` per limit, named as settings.OPTION names it (docs/limits.md lists them)."""
    for name in names:
        kind = float if isinstance(defaults[name], float) else int
        parser.add_argument(OPTION[name], dest=name, type=kind, default=None, metavar="N",
                            help=f"the {name} limit (default: {defaults[name]:,}; docs/limits.md)")


# -- serve -------------------------------------------------------------------------------------------
def _serve(args: argparse.Namespace) -> int:
    configure_logging(args.verbose, args.log_format)
    settings = {"control_token": args.control_token, **given_limits(args, OPTION)}
    allowed = list(args.allowed_hosts or [])
    allowed += [h.strip() for h in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if h.strip()]
    if allowed:
        settings["allowed_hosts"] = allowed
    try:
        app = create_app(args.scenario, seed=args.seed, **settings)
    except ScenarioError as exc:
        messages = list(exc.messages)
        if len(messages) == 1 and "not a bundled scenario" in messages[0]:
            messages[0] += scenario_hint(args.scenario)
        print("\n".join(messages), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"{PROG} serve: {flag_message(str(exc))}", file=sys.stderr)
        return 1
    if args.verbose:
        app.log_requests()
    try:
        server = app.serve(args.host, args.port, max_connections=args.max_connections,
                           keep_alive_timeout=args.keep_alive_timeout, head_timeout=args.head_timeout,
                           body_timeout=args.body_timeout)
    except ValueError as exc:
        print(f"{PROG} serve: {flag_message(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{PROG} serve: {_listen_error(args.host, args.port, exc)}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    print(f"ready {server.url}", flush=True)
    if args.host not in LOOPBACK and not args.control_token:
        log.warning("the control API is open to anyone who can reach %s; consider --control-token", args.host)
    while not stop.wait(0.5):
        pass
    server.stop()
    # Leave without finalizing the interpreter: a background thread (the user-agent rules'
    # warm-up) may be inside a Rust extension, which a finalizing interpreter aborts in
    # (emulator/apivideo/useragents.py). Everything is stopped and closed; flush and go.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _listen_error(host: str, port: int, exc: OSError) -> str:
    """Why the socket could not listen, and what to do about it."""
    if exc.errno != errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    probe = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    health = f"http://{'[' + probe + ']' if ':' in probe else probe}:{port}/_emulator/health"
    if _answers(health, 200, timeout=1.0):
        who = f"an analytics emulator already runs there ({health} answers)"
    else:
        who = f"another program holds it (an emulator would answer {health})"
    return f"port {port} on {host} is already in use: {who}; stop it, or use --port 0 for a free port"


def _answers(url: str, status: int, timeout: float, headers: dict | None = None) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=timeout) as r:
            return r.status == status
    except (OSError, ValueError):
        return False


# -- wait --------------------------------------------------------------------------------------------
def _wait(args: argparse.Namespace) -> int:
    base = args.url.rstrip("/")
    for suffix in ("/_emulator/ready", "/_emulator/health", "/_emulator"):
        base = base.removesuffix(suffix)
    if not re.match(r"https?://[^/]", base):
        print(f"{PROG} wait: expected an http:// or https:// URL, got {args.url!r}", file=sys.stderr)
        return 2
    url = f"{base}/_emulator/ready"
    headers = {"Authorization": f"Bearer {args.control_token}"} if args.control_token else {}
    deadline = time.monotonic() + args.timeout
    last = "no answer yet"
    while True:
        remaining = deadline - time.monotonic()
        try:
            request = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(request, timeout=max(0.1, min(2.0, remaining))) as response:
                body = response.read()
            try:
                scenario = json.loads(body).get("scenario")
            except (ValueError, AttributeError):
                scenario = None
            print(f"ready {base}" + (f" (scenario {scenario})" if scenario else ""), flush=True)
            return 0
        except urllib.error.HTTPError as error:
            if error.code == 401:
                print(f"{PROG} wait: {url} answers 401: the emulator needs --control-token", file=sys.stderr)
                return 1
            last = f"{error.code} {error.reason}"
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            last = getattr(reason, "strerror", None) or str(reason)
        if time.monotonic() + args.interval >= deadline:
            print(f"{PROG} wait: {url} did not answer 200 within {args.timeout:g} s (last: {last})",
                  file=sys.stderr)
            return 1
        time.sleep(args.interval)


# -- validate, scenarios -----------------------------------------------------------------------------
def _validate(args: argparse.Namespace) -> int:
    try:
        settings = Settings.from_options(given_limits(args, SCENARIO_LIMITS))
    except (TypeError, ValueError) as exc:
        print(f"{PROG} validate: {flag_message(str(exc))}", file=sys.stderr)
        return 1
    failed = False
    for name in args.paths:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"{name}:1: cannot read: {exc}")
            failed = True
            continue
        try:
            check_scenario_text(text, str(path), settings)
            print(f"{name}: ok")
        except ScenarioError as exc:
            print("\n".join(exc.messages))
            failed = True
    return 1 if failed else 0


def _scenarios(args: argparse.Namespace) -> int:
    rows = bundled_descriptions()
    width = max((len(n) for n, _ in rows), default=0)
    for name, description in rows:
        print(f"{name.ljust(width)}  {description}")
    return 0


# -- the parser --------------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (and a pointer to --help)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """Shows each option's default, unless it has none worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help_text = action.help or ""
        if "%(default)" in help_text or action.default in (None, False, argparse.SUPPRESS) \
                or not action.option_strings:
            return help_text
        return f"{help_text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    limits = _setting_defaults()
    parser = _Parser(prog=PROG, formatter_class=_Help,
                     description="Offline emulator of the 23 Video and api.video analytics APIs.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the emulated APIs, the control API and the dashboard",
                           formatter_class=_Help,
                           description="Serve until Ctrl-C or SIGTERM; prints 'ready URL' once it answers.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=port_number, default=8023, help="0 takes a free port")
    serve.add_argument("--scenario", default="default", metavar="NAME|PATH",
                       help="bundled scenario name (see 'scenarios') or a YAML file")
    serve.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    serve.add_argument("--control-token", default=None, metavar="T",
                       help="require 'Authorization: Bearer T' on /_emulator (default: open)")
    serve.add_argument("--allowed-host", action="append", dest="allowed_hosts", default=None, metavar="NAME",
                       help="a Host name the control API and dashboard accept besides the loopback names; "
                            f"repeatable; also read from ${ALLOWED_HOSTS_ENV} (comma-separated)")
    serve.add_argument("--journal-cap", type=int, default=None, metavar="N",
                       help=f"journal entries kept per tenant (default: {limits['journal_cap']})")
    serve.add_argument("--max-tenants", type=int, default=None, metavar="N",
                       help=f"tenants kept before the least recently used goes (default: {limits['max_tenants']})")
    serve.add_argument("--max-body-bytes", type=int, default=None, metavar="N",
                       help=f"request body cap, 413 past it (default: {limits['max_body_bytes']})")
    serve.add_argument("--hang-max-ms", "--fault-max-ms", dest="hang_max_ms", type=float, default=None, metavar="MS",
                       help="longest a fault may hold an answer: hang, latency, slow_body "
                            f"(default: {limits['hang_max_ms']:g})")
    serve.add_argument("--max-connections", type=int, default=None, metavar="N",
                       help=f"open connections served at once; more get 503 (default: {limits['max_connections']})")
    serve.add_argument("--keep-alive-timeout", type=float, default=None, metavar="S",
                       help=f"seconds an idle connection is kept (default: {limits['keep_alive_timeout']:g})")
    serve.add_argument("--head-timeout", type=float, default=None, metavar="S",
                       help=f"seconds to send a request head (default: {limits['head_timeout']:g})")
    serve.add_argument("--body-timeout", type=float, default=None, metavar="S",
                       help=f"seconds to send a request body (default: {limits['body_timeout']:g})")
    add_limit_flags(serve, [n for n in OPTION if n not in _HAND_WRITTEN], limits)
    serve.add_argument("--verbose", action="store_true",
                       help="log one line per request to stderr: time, method, path and query, status, fault, "
                            "duration")
    serve.add_argument("--log-format", choices=("text", "json"), default="text",
                       help="format of the log lines on stderr (json: one object per line)")
    serve.set_defaults(func=_serve)

    wait = sub.add_parser("wait", help="wait until an emulator answers /_emulator/ready (for CI scripts)",
                          formatter_class=_Help,
                          description="Exit 0 once URL/_emulator/ready answers 200, 1 after the timeout.")
    wait.add_argument("url", nargs="?", default=DEFAULT_URL, metavar="URL", help=f"(default: {DEFAULT_URL})")
    wait.add_argument("--timeout", type=positive_seconds, default=30.0, metavar="S", help="seconds to wait")
    wait.add_argument("--interval", type=positive_seconds, default=0.2, metavar="S", help="seconds between tries")
    wait.add_argument("--control-token", default=None, metavar="T", help="the server's --control-token")
    wait.set_defaults(func=_wait)

    validate = sub.add_parser("validate", help="check scenario files", formatter_class=_Help,
                              description="Exit 1 with 'file:line: message' for each problem.")
    validate.add_argument("paths", nargs="+", metavar="PATH")
    add_limit_flags(validate, SCENARIO_LIMITS, limits)
    validate.set_defaults(func=_validate)
    scenarios = sub.add_parser("scenarios", help="list the bundled scenarios", formatter_class=_Help)
    scenarios.set_defaults(func=_scenarios)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
