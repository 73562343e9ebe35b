"""Parsing JSON that people wrote (workflow files, --data): strict JSON, and a message instead of a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


class JsonInputError(ValueError):
    """The text is not JSON Tutti can store; the message says where or why."""


def _no_constant(name: str) -> Any:
    raise JsonInputError(f"Invalid JSON: {name} is not a JSON number; write a number or null")


def parse(text: str, *, object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """Like json.loads, but NaN and Infinity, nesting deeper than Python can follow, and unpaired surrogate
    escapes (\\ud800) are refused with JsonInputError, as is a syntax error."""
    try:
        value = json.loads(text, object_pairs_hook=object_pairs_hook, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"Invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise JsonInputError("Invalid JSON: it is nested too deeply") from None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError("Invalid JSON: a string holds an unpaired surrogate escape such as \\ud800") from None
    except RecursionError:
        raise JsonInputError("Invalid JSON: it is nested too deeply") from None
    return value
