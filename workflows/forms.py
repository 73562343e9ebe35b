"""A step's declarative form (`user_interface.slack`): what it shows, and whether submitted data satisfies it.

Pure functions of the step definition and plain data; the Slack views and the engine's submit both use them.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from workflows.definition import FormField, StepDef

_MISSING = object()
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_MAX_FILES = 10
MAX_LISTED_CHOICES = 10  # a refused choice lists the allowed ones when there are no more than this


def show_context(project: dict[str, Any], project_data: dict[str, Any],
                 prerequisites: dict[str, Any]) -> dict[str, Any]:
    """The values `show` paths resolve against."""
    return {"project": project, "project_data": project_data or {}, "prerequisites": prerequisites or {}}


def resolve(context: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any part is missing."""
    value: Any = context
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is _MISSING:
            return None
    return value


def _is_empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | tuple | dict) and not value)


def show_values(step: StepDef, context: dict[str, Any], *, review: bool = False) -> list[tuple[str, str, Any]]:
    """`(label, kind, value)` for each of the step's `show` items that has a value (`review_show` if asked)."""
    ui = step.slack_ui
    if ui is None:
        return []
    items = ui.review_show if review and ui.review_show else ui.show
    shown = []
    for item in items:
        value = resolve(context, item.path)
        if not _is_empty(value):
            shown.append((item.label, item.kind, value))
    return shown


def fields_of(step: StepDef) -> tuple[FormField, ...]:
    return step.slack_ui.fields if step.slack_ui is not None else ()


def undeclared_keys(step: StepDef, data: dict[str, Any]) -> list[str]:
    """Keys of `data` that the step's form does not declare; none when the step declares no form fields."""
    declared = {field.key for field in fields_of(step)}
    return [key for key in data if key not in declared] if declared else []


def undeclared_message(step: StepDef, keys: list[str]) -> str:
    """The refusal of data holding keys the form does not have, naming them and the form's fields."""
    fields = ", ".join(field.key for field in fields_of(step))
    noun = "field" if len(keys) == 1 else "fields"
    return f"The form of “{step.name}” has no {noun} {', '.join(keys)}; its fields are: {fields}."


def validate(step: StepDef, data: dict[str, Any]) -> dict[str, str]:
    """`{field key: message}` for every field the data does not satisfy; empty when the data is fine."""
    problems: dict[str, str] = {}
    for field in fields_of(step):
        message = check_field(field, data.get(field.key))
        if message:
            problems[field.key] = message
    return problems


def check_field(field: FormField, value: Any) -> str | None:
    """What is wrong with one field's value, in words the person filling it in can act on; None if fine."""
    if _is_empty(value) or (isinstance(value, str) and not value.strip()):
        if field.required:
            if field.type == "checkbox":
                return f"Tick “{field.label}” to continue."
            if field.type == "files":
                return f"Attach at least one file to “{field.label}”."
            return f"“{field.label}” is required."
        return None
    checker = _CHECKS.get(field.type)
    return checker(field, value) if checker else None


def _text(field: FormField, value: Any) -> str | None:
    if not isinstance(value, str):
        return f"“{field.label}” must be text."
    length = len(value.strip())
    if field.min_length is not None and length < field.min_length:
        return f"“{field.label}” needs at least {field.min_length} characters (it has {length})."
    if field.max_length is not None and len(value) > field.max_length:
        return f"“{field.label}” takes at most {field.max_length} characters (it has {len(value)})."
    return None


def parse_number(value: Any) -> float | int | None:
    """A number from an int, a float or numeric text; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _number(field: FormField, value: Any) -> str | None:
    number = parse_number(value)
    if number is None:
        return f"“{field.label}” must be a number."
    if not field.decimal and not float(number).is_integer():
        return f"“{field.label}” must be a whole number."
    if field.min_value is not None and number < field.min_value:
        return f"“{field.label}” must be at least {field.min_value:g}."
    if field.max_value is not None and number > field.max_value:
        return f"“{field.label}” must be at most {field.max_value:g}."
    return None


def _choices(field: FormField) -> str:
    """`: “a”, “b”` listing the field's choices, or "" when there are too many to list."""
    if not field.options or len(field.options) > MAX_LISTED_CHOICES:
        return ""
    return ": " + ", ".join(f"“{option.value}”" for option in field.options)


def _select(field: FormField, value: Any) -> str | None:
    allowed = {option.value for option in field.options}
    if not isinstance(value, str) or value not in allowed:
        return f"Pick one of the choices offered for “{field.label}”{_choices(field)}."
    return None


def _multi_select(field: FormField, value: Any) -> str | None:
    allowed = {option.value for option in field.options}
    if not isinstance(value, list | tuple):
        return f"“{field.label}” must be a list of choices{_choices(field)}."
    unknown = [str(v) for v in value if v not in allowed]
    if unknown:
        offered = f" (it offers{_choices(field)})" if _choices(field) else ""
        return f"“{field.label}” has choices that are not offered: {', '.join(unknown)}{offered}."
    return None


def _date(field: FormField, value: Any) -> str | None:
    if isinstance(value, str) and _DATE.match(value):
        try:
            date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return f"“{field.label}” must be a date written YYYY-MM-DD."


def _url(field: FormField, value: Any) -> str | None:
    if not isinstance(value, str) or not _URL.match(value.strip()):
        return f"“{field.label}” must be a web address starting with http:// or https://."
    return None


def _email(field: FormField, value: Any) -> str | None:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        return f"“{field.label}” must be an email address like name@example.org."
    return None


def _user(field: FormField, value: Any) -> str | None:
    if not isinstance(value, str) or not _SLACK_USER.match(value):
        return f"Pick a person for “{field.label}”."
    return None


def _files(field: FormField, value: Any) -> str | None:
    if not isinstance(value, list | tuple):
        return f"“{field.label}” must be a list of files."
    limit = field.max_files or DEFAULT_MAX_FILES
    if len(value) > limit:
        return f"“{field.label}” takes at most {limit} file{'s' if limit != 1 else ''} ({len(value)} attached)."
    for item in value:
        is_ref = isinstance(item, str) and bool(item)
        if not is_ref and not (isinstance(item, dict) and (item.get("id") or item.get("url"))):
            return f"“{field.label}” has an entry that is not a file."
    return None


def _checkbox(field: FormField, value: Any) -> str | None:
    if not isinstance(value, bool):
        return f"“{field.label}” must be ticked or not."
    return None


_CHECKS = {
    "text": _text,
    "long_text": _text,
    "number": _number,
    "select": _select,
    "multi_select": _multi_select,
    "date": _date,
    "url": _url,
    "email": _email,
    "user": _user,
    "files": _files,
    "checkbox": _checkbox,
}


def summary(step: StepDef, problems: dict[str, str]) -> str:
    """One message listing every problem, in the form's order."""
    order = [f.key for f in fields_of(step)]
    messages = [problems[key] for key in order if key in problems]
    messages += [message for key, message in problems.items() if key not in order]
    return "The form is not complete: " + " ".join(messages)
