"""Request bodies: JSON parsing and field checks that name the bad or missing field.

Values must also survive both databases: PostgreSQL rejects NUL characters in text and JSONB, lone
surrogates cannot be encoded, and its integers are 32-bit, so those are refused here with a 400.
"""

from __future__ import annotations

import json
import math
from typing import Any

from store.enums import TaskClass
from store.types import MAX_INTEGER

MAX_INT = MAX_INTEGER
MAX_SLUG = 200
MAX_IDEMPOTENCY_KEY = 255
MAX_PROJECT_IDS = 1000


class BadRequest(Exception):
    """A 400 with Orchestra's body `{"error": 400, "message": ...}`."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _reject_constant(name: str) -> Any:
    raise BadRequest(f"The request body is not valid JSON: {name} is not a JSON number")


def parse_body(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object; Orchestra's client sends JSON without a Content-Type, so none is required."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise BadRequest("The request body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} "
                         f"column {exc.colno}") from None
    except RecursionError:
        raise BadRequest("The request body is nested too deeply") from None
    except ValueError:  # an integer literal longer than Python's 4300-digit conversion limit
        raise BadRequest("The request body is not valid JSON: it holds a number too large to read") from None
    if not isinstance(value, dict):
        raise BadRequest("The request body must be a JSON object")
    return value


def check_storable(value: Any, field: str) -> None:
    """Raise unless every string (and key) in `value` can be stored as text on PostgreSQL and SQLite."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            _check_text(item, field)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(key, field)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) >= 10**100:
            raise BadRequest(f"{field} holds a number too large to store")
        elif isinstance(item, float) and not math.isfinite(item):
            # json reads 1e999 as infinity, which JSON cannot carry back out (nor PostgreSQL's JSONB store).
            raise BadRequest(f"{field} holds a number too large to store")


def _check_text(text: str, field: str) -> None:
    if "\x00" in text:
        raise BadRequest(f"{field} must not contain NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{field} must be valid Unicode text (it holds an unpaired surrogate)") from None


def text_field(data: dict[str, Any], field: str, *, max_length: int | None = None) -> str:
    value = data[field]
    if not isinstance(value, str):
        raise BadRequest(f"{field} must be a string")
    if max_length is not None and len(value) > max_length:
        raise BadRequest(f"{field} is longer than {max_length} characters")
    _check_text(value, field)
    return value


def int_field(value: Any, field: str) -> int:
    """An integer (or a string of digits, which Orchestra's Django forms accepted) within 32 bits."""
    if isinstance(value, str) and len(value) < 20:
        try:
            value = int(value)
        except ValueError:  # "--5", "²": isdigit() says yes, int() says no
            raise BadRequest(f"{field} must be an integer") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{field} must be an integer")
    if not -MAX_INT - 1 <= value <= MAX_INT:
        raise BadRequest(f"{field} is out of range (a 32-bit integer)")
    return value


def id_value(value: Any) -> int | None:
    """A database id, or None when `value` is not an integer that could be one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_INT:
        return None
    return value


def task_class(value: Any) -> TaskClass:
    """Orchestra's rule: 'real' is a real project, any other string a training one."""
    if not isinstance(value, str):
        raise BadRequest("task_class must be a string: 'real' or 'training'")
    return TaskClass.REAL if value == "real" else TaskClass.TRAINING


def idempotency_key(value: str | None) -> str | None:
    """The header as sent; printable ASCII only, since other bytes arrive as Latin-1 mojibake (a Structured
    Fields string, as the IETF Idempotency-Key draft defines it)."""
    if value is None:
        return None
    if not value or len(value) > MAX_IDEMPOTENCY_KEY or not (value.isascii() and value.isprintable()):
        raise BadRequest(f"The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII "
                         "characters")
    return value
