"""`serve --verbose`: one log line per request, as text or JSON, after the answer went out.

A WSGI wrapper outside everything else (tenant prefix, transport faults), so the line carries what
the client saw: the path as sent, the status (none when a fault drops the connection), the fault
rule that fired, and the duration (as the journal counts it: the app's time plus a latency fault's
delay, which the server adds on the wire). It reads the fault from the request's pipeline state
(emulator.flask_pipeline); it changes nothing in the request or the answer.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

from .pipeline import STATE_KEY, RequestState
from .tenancy import TENANT_ENVIRON

ACCESS_LOGGER = "emulator.access"


class AccessLog:
    """Wraps a WSGI app; logs one ``emulator.access`` INFO record per request."""

    def __init__(self, wsgi_app: Callable, logger: logging.Logger | None = None) -> None:
        self.wsgi_app = wsgi_app
        self.logger = logger or logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        seen = {"method": environ.get("REQUEST_METHOD", ""), "path": environ.get("PATH_INFO", ""),
                "query": environ.get("QUERY_STRING", ""), "status": None}

        def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
            seen["status"] = int(status[:3])
            return start_response(status, headers, exc_info)

        try:
            result = self.wsgi_app(environ, capture)
        except BaseException:  # a reset, an empty answer or a hang: the connection is dropped
            self._log(environ, seen, started)
            raise
        if isinstance(result, list):  # already complete; keep the list (the server sends it in one go)
            self._log(environ, seen, started)
            return result
        return _Closing(result, lambda: self._log(environ, seen, started))

    def _log(self, environ: dict, seen: dict, started: float) -> None:
        state: RequestState | None = environ.get(STATE_KEY)
        if state is None:  # a control or dashboard request before the pipeline: no fault, timed from here
            status, rule_id, kind, duration = seen["status"], None, None, (time.perf_counter() - started) * 1000
        else:
            rule_id = state.rule.id if state.rule is not None else None
            status, kind, duration = state.answered(seen["status"]), state.fault_kind, state.duration_ms(started)
        request = {
            "method": seen["method"], "path": seen["path"], "query": seen["query"],
            "status": status, "fault": rule_id, "fault_kind": kind,
            "duration_ms": round(duration, 3),
            "tenant": environ.get(TENANT_ENVIRON), "remote_addr": environ.get("REMOTE_ADDR"),
        }
        self.logger.info("%s", _request_text(request), extra={"request": request})


class _Closing:
    """The app's iterable, with a callback once the server closes it (after the last byte or a drop)."""

    def __init__(self, result: Iterable[bytes], after: Callable[[], None]) -> None:
        self.result, self.after = result, after

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.after()


def _request_text(request: dict) -> str:
    """``GET /path?query 200 fault=ID(kind) 1.234ms``; ``-`` for no status or no fault."""
    target = request["path"] + (f"?{request['query']}" if request["query"] else "")
    fault = f"{request['fault']}({request['fault_kind']})" if request["fault"] else "-"
    status = request["status"] if request["status"] is not None else "-"
    return f"{request['method']} {target} {status} fault={fault} {request['duration_ms']:.1f}ms"


def _timestamp(record: logging.LogRecord) -> str:
    instant = datetime.fromtimestamp(record.created, timezone.utc)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.") + f"{instant.microsecond // 1000:03d}Z"


class TextFormatter(logging.Formatter):
    """``2024-03-01T12:00:00.123Z GET /path 200 fault=- 1.2ms``; other records get their level."""

    def format(self, record: logging.LogRecord) -> str:
        if hasattr(record, "request"):
            line = f"{_timestamp(record)} {record.getMessage()}"
        else:
            line = f"{_timestamp(record)} {record.levelname.lower()} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for CI log collectors: time, level, message and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {"time": _timestamp(record), "level": record.levelname.lower(),
                                    "logger": record.name, "message": record.getMessage()}
        document.update(getattr(record, "request", {}))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure(verbose: bool, log_format: str, stream: Any = None) -> logging.Handler:
    """Send the ``emulator`` loggers to stderr in ``log_format``; INFO (every request) when verbose."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger = logging.getLogger("emulator")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False
    return handler
