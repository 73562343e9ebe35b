"""Finding elements in blocks the way a person does: by visible text and labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.elements import Located, iter_elements


@dataclass(frozen=True)
class Hit:
    """An element found by its text; `value` is the overflow option to pick, if any."""

    found: Located
    value: str | None = None


def _plain(obj: Any) -> str:
    return str(obj.get("text") or "") if isinstance(obj, dict) else ""


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def clickables(blocks: list[dict[str, Any]], text: str) -> list[Hit]:
    """Buttons whose label is `text`, and overflow options whose text is `text`."""
    exact: list[Hit] = []
    loose: list[Hit] = []
    for found in iter_elements(blocks):
        element = found.element
        if element.get("type") == "button":
            label = _plain(element.get("text"))
            if label == text:
                exact.append(Hit(found))
            elif _same(label, text):
                loose.append(Hit(found))
        elif element.get("type") == "overflow":
            for option in element.get("options") or []:
                label = _plain(option.get("text"))
                if label == text:
                    exact.append(Hit(found, str(option.get("value"))))
                elif _same(label, text):
                    loose.append(Hit(found, str(option.get("value"))))
    return exact or loose


def fields(blocks: list[dict[str, Any]], label: str) -> list[Located]:
    """Inputs whose label is `label`; else selects/pickers whose placeholder or section text is `label`."""
    by_label = [f for f in iter_elements(blocks) if f.where == "input" and _same(_plain(f.block.get("label")), label)]
    if by_label:
        return by_label
    others = []
    for found in iter_elements(blocks):
        if found.where == "input" or found.element.get("type") in ("button", "overflow"):
            continue
        if _same(_plain(found.element.get("placeholder")), label) or (
            found.where == "accessory" and _same(_plain(found.block.get("text")), label)
        ):
            others.append(found)
    return others


def label_of(blocks: list[dict[str, Any]], block_id: str) -> str:
    """The label of the input block with `block_id` (or the id itself)."""
    for block in blocks:
        if block.get("block_id") == block_id and block.get("type") == "input":
            return _plain(block.get("label")) or block_id
    return block_id
