"""Block Kit for a step's declarative form: inputs pre-filled from a draft, `show` items, read-only values.

Pure functions returning Block Kit JSON; Slack's limits hold by construction (texts truncated, blocks capped).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from views.ids import Action
from workflows.definition import FormField, StepDef
from workflows.forms import fields_of, parse_number

MAX_BLOCKS = 100
TEXT_LIMIT = 3000
LABEL_LIMIT = 2000
PLACEHOLDER_LIMIT = 150
MAX_IMAGES = 10
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
TRUNCATED = "…"
CHAR_BUDGET = 90_000  # JSON per group of blocks, so a whole view stays under Slack's 250 kB
CHECKBOX_VALUE = "yes"


# --- small text helpers ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text safe to put inside mrkdwn (Slack's three escapes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


def plain(text: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def mrkdwn(text: str, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text or " ", limit)}


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "context", "elements": [mrkdwn(text)]}
    if block_id:
        block["block_id"] = block_id
    return block


def divider() -> dict[str, Any]:
    return {"type": "divider"}


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2, ensure_ascii=False)
    return str(value)


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://")) and len(value) <= TEXT_LIMIT


def _labelled(label: str, body: str) -> str:
    head = f"*{escape(clip(label, 200))}*\n"
    return head + clip(body, TEXT_LIMIT - len(head))


def _link(url: str, label: str | None = None) -> str:
    text = escape(label or url).replace("|", "¦")
    return f"<{url}|{text}>" if _is_url(url) else escape(url)


def _image(url: str, label: str) -> dict[str, Any]:
    return {"type": "image", "image_url": url, "alt_text": clip(label, LABEL_LIMIT), "title": plain(label, 200)}


def _image_url(item: Any) -> str | None:
    """An image's URL from a bare URL or a stored/Slack file object."""
    if _is_url(item):
        return str(item)
    if isinstance(item, dict):
        url = item.get("url") or item.get("src") or item.get("image") or item.get("url_private")
        if _is_url(url):
            return str(url)
    return None


# --- what the step shows ---------------------------------------------------------------------------------


def show_blocks(shown: Iterable[tuple[str, str, Any]], budget: int) -> list[dict[str, Any]]:
    """Blocks for `(label, kind, value)` items, at most `budget` of them (the last saying what was left out)."""
    blocks: list[dict[str, Any]] = []
    for label, kind, value in shown:
        blocks.extend(_show_item(label, kind, value))
    return fit(blocks, budget)


def fit(blocks: list[dict[str, Any]], budget: int, max_chars: int = CHAR_BUDGET) -> list[dict[str, Any]]:
    """`blocks` cut to `budget` blocks and about `max_chars` of JSON, with a note in place of what did not fit."""
    if budget <= 0:
        return []
    kept, used = 0, 0
    for block in blocks:
        used += len(json.dumps(block))
        if used > max_chars:
            break
        kept += 1
    if kept == len(blocks) and kept <= budget:
        return blocks
    kept = min(kept, budget - 1)
    left_out = len(blocks) - kept
    return [*blocks[:kept], context(f"_{left_out} more item{'s' if left_out != 1 else ''} not shown here._")]


def _show_item(label: str, kind: str, value: Any) -> list[dict[str, Any]]:
    if kind == "image":
        url = _image_url(value)
        return [_image(url, label)] if url else [section(_labelled(label, escape(_as_text(value))))]
    if kind == "images":
        items = value if isinstance(value, list) else [value]
        urls = [u for u in (_image_url(i) for i in items) if u]
        blocks = [_image(url, f"{label} {n}" if len(urls) > 1 else label)
                  for n, url in enumerate(urls[:MAX_IMAGES], start=1)]
        if len(urls) > MAX_IMAGES:
            blocks.append(context(f"_{len(urls) - MAX_IMAGES} more image(s) in {escape(label)} not shown._"))
        return blocks or [section(_labelled(label, escape(_as_text(value))))]
    if kind == "link":
        if isinstance(value, list):
            return [section(_labelled(label, "\n".join(_link(str(v)) for v in value)))]
        return [section(_labelled(label, _link(str(value))))]
    if kind == "json":
        body = clip(json.dumps(value, indent=2, ensure_ascii=False, default=str), TEXT_LIMIT - 300)
        return [section(_labelled(label, f"```{escape(body)}```"))]
    return [section(_labelled(label, escape(_as_text(value))))]


# --- the form's inputs -----------------------------------------------------------------------------------


def _option(field: FormField, value: str) -> dict[str, Any] | None:
    for option in field.options:
        if option.value == value:
            return {"text": plain(option.label, 75), "value": option.value}
    return None


def number_text(number: float) -> str:
    """A number in full, as a number input shows it: 12345.67 stays 12345.67, 10000000 has no exponent."""
    if isinstance(number, int):
        return str(number)
    return format(Decimal(repr(number)).normalize(), "f")


def input_element(field: FormField, value: Any) -> dict[str, Any]:
    """The input element for one field, pre-filled with `value` when it is a usable one."""
    action_id = Action.FORM_VALUE.value
    kind = field.type
    element: dict[str, Any]
    if kind in ("text", "long_text"):
        element = {"type": "plain_text_input", "action_id": action_id, "multiline": kind == "long_text"}
        if field.min_length:
            element["min_length"] = field.min_length
        element["max_length"] = min(field.max_length or TEXT_LIMIT, TEXT_LIMIT)
        if isinstance(value, str) and value:
            element["initial_value"] = value[: element["max_length"]]
    elif kind == "number":
        element = {"type": "number_input", "action_id": action_id, "is_decimal_allowed": field.decimal}
        if field.min_value is not None:
            element["min_value"] = number_text(field.min_value)
        if field.max_value is not None:
            element["max_value"] = number_text(field.max_value)
        number = parse_number(value)
        if number is not None:
            element["initial_value"] = number_text(number)
    elif kind == "select":
        element = {"type": "static_select", "action_id": action_id,
                   "options": [_option(field, o.value) for o in field.options]}
        initial = _option(field, value) if isinstance(value, str) else None
        if initial:
            element["initial_option"] = initial
    elif kind == "multi_select":
        element = {"type": "multi_static_select", "action_id": action_id,
                   "options": [_option(field, o.value) for o in field.options]}
        chosen = [o for o in (_option(field, v) for v in value if isinstance(v, str))
                  if o] if isinstance(value, list) else []
        if chosen:
            element["initial_options"] = chosen
    elif kind == "date":
        element = {"type": "datepicker", "action_id": action_id}
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                element["initial_date"] = date.fromisoformat(value).isoformat()
    elif kind == "url":
        element = {"type": "url_text_input", "action_id": action_id}
        if _is_url(value):
            element["initial_value"] = value
    elif kind == "email":
        element = {"type": "email_text_input", "action_id": action_id}
        if isinstance(value, str) and value:
            element["initial_value"] = value[:TEXT_LIMIT]
    elif kind == "user":
        element = {"type": "users_select", "action_id": action_id}
        if isinstance(value, str) and value:
            element["initial_user"] = value
    elif kind == "files":
        element = {"type": "file_input", "action_id": action_id, "max_files": field.max_files or 10}
        filetypes = [t.lstrip(".").lower() for t in getattr(field, "filetypes", ()) or ()]
        if filetypes:
            element["filetypes"] = filetypes
    else:  # checkbox
        option = {"text": plain(field.placeholder or "Yes", 75), "value": CHECKBOX_VALUE}
        element = {"type": "checkboxes", "action_id": action_id, "options": [option]}
        if value is True:
            element["initial_options"] = [option]
    if field.placeholder and kind not in ("checkbox", "files"):
        element["placeholder"] = plain(field.placeholder, PLACEHOLDER_LIMIT)
    return element


def stored_files(value: Any) -> list[dict[str, Any]]:
    """The stored file references in a files field's value (what earlier saves or submissions attached)."""
    return [v for v in value if isinstance(v, dict) and v.get("id")] if isinstance(value, list) else []


def input_block(field: FormField, value: Any) -> dict[str, Any]:
    """An input block for one field: block_id is the field key; optional unless required."""
    attached = stored_files(value) if field.type == "files" else []
    hint = field.hint or ""
    if attached:
        names = ", ".join(str(f.get("name") or f.get("id")) for f in attached)
        hint = (f"{hint} " if hint else "") + f"Already attached: {names}. Uploading files replaces them."
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.key,
        "label": plain(field.label, LABEL_LIMIT),
        "element": input_element(field, value),
        # A file input cannot be pre-filled: files attached earlier count, so the field may stay empty.
        "optional": not field.required or bool(attached),
    }
    if hint:
        block["hint"] = plain(hint, LABEL_LIMIT)
    return block


def form_blocks(step: StepDef, draft: dict[str, Any]) -> list[dict[str, Any]]:
    """One input block per field of the step, pre-filled from the draft."""
    return [input_block(field, draft.get(field.key)) for field in fields_of(step)]


def read_state(step: StepDef, state_values: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` back into task data, by field key (files as their Slack file objects)."""
    data: dict[str, Any] = {}
    for field in fields_of(step):
        entry = (state_values.get(field.key) or {}).get(Action.FORM_VALUE.value)
        if entry is None:
            continue
        data[field.key] = _state_value(field, entry)
    return data


def _state_value(field: FormField, entry: dict[str, Any]) -> Any:
    kind = field.type
    if kind in ("text", "long_text", "url", "email"):
        return entry.get("value") or ""
    if kind == "number":
        raw = entry.get("value")
        number = parse_number(raw) if raw not in (None, "") else None
        return number if number is not None else (raw or None)
    if kind == "select":
        option = entry.get("selected_option")
        return option.get("value") if option else None
    if kind == "multi_select":
        return [o.get("value") for o in entry.get("selected_options") or []]
    if kind == "date":
        return entry.get("selected_date")
    if kind == "user":
        return entry.get("selected_user")
    if kind == "files":
        return list(entry.get("files") or [])
    return any(o.get("value") == CHECKBOX_VALUE for o in entry.get("selected_options") or [])


# --- submitted work, read-only ---------------------------------------------------------------------------


def _is_image_file(item: dict[str, Any]) -> bool:
    content_type = str(item.get("content_type") or item.get("mimetype") or "")
    name = str(item.get("name") or "").lower()
    return content_type in IMAGE_TYPES or name.endswith(IMAGE_SUFFIXES)


def value_blocks(field: FormField, value: Any) -> list[dict[str, Any]]:
    """One field's submitted value as read-only blocks: text, links, images."""
    label = field.label
    if value is None or value == "" or value == []:
        return [section(_labelled(label, "_(empty)_"))]
    kind = field.type
    if kind == "files" and isinstance(value, list):
        files = [v for v in value if isinstance(v, dict)]
        links = "\n".join(_link(str(f.get("url") or ""), str(f.get("name") or f.get("id") or "file")) for f in files)
        blocks = [section(_labelled(label, links or escape(_as_text(value))))]
        images = [f for f in files if _is_image_file(f) and _is_url(f.get("url"))][:MAX_IMAGES]
        blocks.extend(_image(str(f["url"]), str(f.get("name") or label)) for f in images)
        return blocks
    if kind == "select":
        option = _option(field, value) if isinstance(value, str) else None
        return [section(_labelled(label, escape(option["text"]["text"] if option else _as_text(value))))]
    if kind == "multi_select" and isinstance(value, list):
        names = [(_option(field, v) or {"text": {"text": str(v)}})["text"]["text"] for v in value]
        return [section(_labelled(label, escape(", ".join(names))))]
    if kind == "url":
        return [section(_labelled(label, _link(str(value))))]
    if kind == "user" and isinstance(value, str):
        return [section(_labelled(label, f"<@{value}>"))]
    if kind == "checkbox":
        return [section(_labelled(label, "Yes" if value is True else "No"))]
    return [section(_labelled(label, escape(_as_text(value))))]


def submitted_blocks(step: StepDef, data: dict[str, Any], budget: int) -> list[dict[str, Any]]:
    """Every field's submitted value (or the raw data for a step without a form), within `budget` blocks."""
    fields = fields_of(step)
    if not fields:
        visible = {k: v for k, v in data.items() if not k.startswith("_")}
        if not visible:
            return fit([section("_No data was submitted._")], budget)
        body = clip(json.dumps(visible, indent=2, ensure_ascii=False, default=str), TEXT_LIMIT - 300)
        return fit([section(_labelled("Submitted data", f"```{escape(body)}```"))], budget)
    blocks: list[dict[str, Any]] = []
    for field in fields:
        blocks.extend(value_blocks(field, data.get(field.key)))
    return fit(blocks, budget)
