"""`analytics-emulator serve | validate | scenarios`."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import yaml

from .scenario import BUNDLED_DIR, ScenarioError, bundled_names


def bundled_descriptions() -> list[tuple[str, str]]:
    """(name, one-line description) of each bundled scenario."""
    out = []
    for name in bundled_names():
        try:
            document = yaml.safe_load((BUNDLED_DIR / f"{name}.yaml").read_text(encoding="utf-8")) or {}
            description = str(document.get("description", "")).strip().splitlines()[0:1]
        except (yaml.YAMLError, OSError, AttributeError):
            description = ["(unreadable)"]
        out.append((name, description[0] if description else ""))
    return out


def _serve(args: argparse.Namespace) -> int:
    from .app import create_app
    from .serving import make_server

    settings = {"control_token": args.control_token}
    for name in ("journal_cap", "max_tenants", "max_body_bytes", "hang_max_ms"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    try:
        app = create_app(args.scenario, seed=args.seed, **settings)
    except ScenarioError as exc:
        print("\n".join(exc.messages), file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"analytics-emulator serve: {exc}", file=sys.stderr)
        return 1
    try:
        server = make_server(app, args.host, args.port, verbose=args.verbose, max_connections=args.max_connections,
                             keep_alive_timeout=args.keep_alive_timeout, head_timeout=args.head_timeout,
                             body_timeout=args.body_timeout)
    except ValueError as exc:
        print(f"analytics-emulator serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="serve", daemon=True)
    thread.start()
    print(f"ready {server.url}", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.control_token:
        print(f"warning: the control API is open to anyone who can reach {args.host}; "
              f"consider --control-token", file=sys.stderr, flush=True)
    while not stop.wait(0.5):
        pass
    app.emulator_stopping.set()
    server.shutdown()
    server.server_close()
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .runtime import check_scenario_text

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
            check_scenario_text(text, str(path))
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analytics-emulator",
                                     description="Offline emulator of the 23 Video and api.video analytics APIs.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the emulated APIs and the control API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8023, help="0 takes a free port")
    serve.add_argument("--scenario", default="default", help="bundled scenario name or a YAML file")
    serve.add_argument("--seed", type=int, default=None, help="override the scenario's seed")
    serve.add_argument("--control-token", default=None, help="require 'Authorization: Bearer T' on /_emulator")
    serve.add_argument("--journal-cap", type=int, default=None, help="journal entries kept per tenant (100000)")
    serve.add_argument("--max-tenants", type=int, default=None, help="tenants kept before LRU eviction (256)")
    serve.add_argument("--max-body-bytes", type=int, default=None, help="request body cap, 413 past it (1 MiB)")
    serve.add_argument("--hang-max-ms", "--fault-max-ms", dest="hang_max_ms", type=float, default=None,
                       help="longest a fault may hold an answer: hang, latency, slow_body (30000)")
    serve.add_argument("--max-connections", type=int, default=None,
                       help="open connections served at once; more get 503 (1000)")
    serve.add_argument("--keep-alive-timeout", type=float, default=None, help="seconds an idle connection is kept (60)")
    serve.add_argument("--head-timeout", type=float, default=None, help="seconds to send a request head (10)")
    serve.add_argument("--body-timeout", type=float, default=None, help="seconds to send a request body (30)")
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    serve.set_defaults(func=_serve)
    validate = sub.add_parser("validate", help="check scenario files")
    validate.add_argument("paths", nargs="+")
    validate.set_defaults(func=_validate)
    scenarios = sub.add_parser("scenarios", help="list the bundled scenarios")
    scenarios.set_defaults(func=_scenarios)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
