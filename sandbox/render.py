"""Block Kit and mrkdwn as the plain text a person reads (for driver assertions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_ANGLE = re.compile(r"<([^<>|]+)(?:\|([^<>]+))?>")

NameOf = Callable[[str], str | None]


def mrkdwn_text(text: str, user_name: NameOf, channel_name: NameOf) -> str:
    """Resolve <@U..>, <#C..|name>, <!here> and <url|label> into what Slack displays."""

    def replace(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return "@" + (label or user_name(target[1:]) or target[1:])
        if target.startswith("#"):
            return "#" + (label or channel_name(target[1:]) or target[1:])
        if target.startswith("!date^"):
            return label or ""
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    return _ANGLE.sub(replace, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text(obj: Any, user_name: NameOf, channel_name: NameOf) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text") or "")
    return mrkdwn_text(text, user_name, channel_name) if obj.get("type") == "mrkdwn" else text


def _element_text(element: dict[str, Any], user_name: NameOf, channel_name: NameOf) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), user_name, channel_name)}]"
    if kind == "image":
        return ""
    placeholder = _text(element.get("placeholder"), user_name, channel_name)
    return f"[{placeholder}]" if placeholder else ""


def blocks_text(blocks: list[dict[str, Any]], user_name: NameOf, channel_name: NameOf) -> str:
    """The visible text of a list of blocks, one line per block (buttons shown as [Label])."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        parts: list[str] = []
        if kind in ("section", "header"):
            parts.append(_text(block.get("text"), user_name, channel_name))
            parts.extend(_text(f, user_name, channel_name) for f in block.get("fields") or [])
            if isinstance(block.get("accessory"), dict):
                parts.append(_element_text(block["accessory"], user_name, channel_name))
        elif kind == "context":
            parts.extend(_text(e, user_name, channel_name) for e in block.get("elements") or [])
        elif kind == "actions":
            parts.extend(_element_text(e, user_name, channel_name) for e in block.get("elements") or [])
        elif kind == "input":
            parts.append(_text(block.get("label"), user_name, channel_name))
        elif kind == "image":
            parts.append(_text(block.get("title"), user_name, channel_name) or str(block.get("alt_text") or ""))
        elif kind == "markdown":
            parts.append(str(block.get("text") or ""))
        line = " ".join(p for p in parts if p)
        if line:
            lines.append(line)
    return "\n".join(lines)
