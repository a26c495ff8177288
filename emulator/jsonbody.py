"""Reading a JSON request body safely: bounded nesting, strict constants, one error type.

``json.loads`` recurses once per nesting level, and so does everything that walks the result
afterwards (validation, serialisation, copies): a 1,000-level document is a 500 (RecursionError)
somewhere down the line. The depth is therefore counted *before* parsing, by a scan that does not
recurse, and a body nested deeper than the limit is refused as bad input. ``NaN`` and
``Infinity`` are not JSON (RFC 8259) although Python reads them; a stored NaN would make the
emulator's own answers invalid JSON, so they are refused unless the caller asks otherwise.

Vendor-neutral on purpose: callers turn :class:`JSONBodyError` into their own error format.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["DEFAULT_MAX_DEPTH", "JSONBodyError", "check_depth", "loads"]

#: Far more than any document the emulator reads (a state export nests about 10 levels), far
#: less than what the interpreter's recursion limit lets the code behind the reader walk.
DEFAULT_MAX_DEPTH = 64
#: The highest limit a setting may ask for: every walker behind the reader still has headroom.
HIGHEST_MAX_DEPTH = 200

# A whole string literal (brackets inside it do not nest), and a run of anything but brackets.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


class JSONBodyError(ValueError):
    """A body that is not acceptable JSON; ``reason`` is one of empty, encoding, depth, constant, syntax."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def check_depth(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> None:
    """Raise JSONBodyError when arrays/objects in ``text`` nest deeper than ``max_depth`` (no recursion)."""
    if text.count("[") + text.count("{") <= max_depth:
        return  # cannot nest deeper than the number of openings: no scan needed
    brackets = _NOT_BRACKETS.sub("", _STRING.sub("", text))  # both passes in C: only [ ] { } remain
    depth = 0
    for bracket in brackets:
        if bracket in "[{":
            depth += 1
            if depth > max_depth:
                raise JSONBodyError(f"the body nests arrays/objects deeper than {max_depth} levels "
                                    "(the max_nesting_depth setting)", "depth")
        else:
            depth -= 1


def _refuse_constant(name: str) -> Any:
    raise JSONBodyError(f"the body is not valid JSON: {name} is not a JSON value "
                        "(JSON has no NaN or Infinity; send a finite number)", "constant")


def loads(data: bytes | str, *, max_depth: int = DEFAULT_MAX_DEPTH, allow_constants: bool = False) -> Any:
    """Parse a request body (UTF-8 bytes, a leading BOM ignored, or text) or raise JSONBodyError."""
    if isinstance(data, (bytes, bytearray)):
        try:
            text = bytes(data).decode("utf-8")  # RFC 8259 section 8.1: JSON between systems is UTF-8
        except UnicodeDecodeError as exc:
            raise JSONBodyError(f"the body is not valid JSON: not UTF-8 text ({exc.reason} at byte {exc.start})",
                                "encoding") from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise JSONBodyError("expected a JSON body", "empty")
    check_depth(text, max_depth)
    try:
        return json.loads(text, parse_constant=None if allow_constants else _refuse_constant)
    except JSONBodyError:
        raise
    except ValueError as exc:
        raise JSONBodyError(f"the body is not valid JSON: {exc}", "syntax") from None
