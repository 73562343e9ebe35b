"""What Slack does with block elements: generated ids, input state values and action payloads."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Elements whose state lives under selected_option(s) etc., keyed by element type.
_STATE_KEYS = {
    "plain_text_input": "value",
    "number_input": "value",
    "email_text_input": "value",
    "url_text_input": "value",
    "static_select": "selected_option",
    "external_select": "selected_option",
    "radio_buttons": "selected_option",
    "multi_static_select": "selected_options",
    "multi_external_select": "selected_options",
    "checkboxes": "selected_options",
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "file_input": "files",
}
_INITIAL_KEYS = {
    "value": "initial_value",
    "selected_option": "initial_option",
    "selected_options": "initial_options",
    "selected_user": "initial_user",
    "selected_users": "initial_users",
    "selected_conversation": "initial_conversation",
    "selected_conversations": "initial_conversations",
    "selected_channel": "initial_channel",
    "selected_channels": "initial_channels",
    "selected_date": "initial_date",
    "selected_time": "initial_time",
}
_LIST_KEYS = {"selected_options", "selected_users", "selected_conversations", "selected_channels", "files"}


@dataclass(frozen=True)
class Located:
    """An element found in a list of blocks, with the block that holds it."""

    block: dict[str, Any]
    element: dict[str, Any]
    where: str  # "input", "actions", "accessory"

    @property
    def block_id(self) -> str:
        """The holding block's id."""
        return str(self.block.get("block_id", ""))

    @property
    def action_id(self) -> str:
        """The element's action id."""
        return str(self.element.get("action_id", ""))


def _generated_id(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest()[:5]


def normalize_blocks(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A copy of `blocks` with the block_ids and action_ids Slack generates when they are missing."""
    result = copy.deepcopy(blocks or [])
    for index, block in enumerate(result):
        if not isinstance(block, dict):
            continue
        if not block.get("block_id"):
            block["block_id"] = _generated_id(f"{index}:{block.get('type')}:{sorted(block)}")
        for position, element in enumerate(_block_elements(block)):
            if not element.get("action_id"):
                element["action_id"] = _generated_id(f"{block['block_id']}:{position}:{element.get('type')}")
    return result


def _block_elements(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block.get("type") == "actions":
        return [e for e in block.get("elements") or [] if isinstance(e, dict)]
    accessory = block.get("accessory")
    if block.get("type") == "section" and isinstance(accessory, dict) and accessory.get("type") != "image":
        return [accessory]
    if block.get("type") == "input" and isinstance(block.get("element"), dict):
        return [block["element"]]
    return []


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[Located]:
    """Every interactive or input element in `blocks`, in display order."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        where = {"actions": "actions", "section": "accessory", "input": "input"}.get(str(block.get("type")))
        if where is None:
            continue
        for element in _block_elements(block):
            yield Located(block=block, element=element, where=where)


def state_key(element_type: str) -> str | None:
    """The key under which an element's value sits in state.values (None for buttons, overflows)."""
    return _STATE_KEYS.get(element_type)


def empty_value(element: dict[str, Any]) -> dict[str, Any]:
    """An element's state entry before the user touched it (its initial value, if any)."""
    kind = str(element.get("type"))
    key = state_key(kind)
    entry: dict[str, Any] = {"type": kind}
    if key is None:
        return entry
    initial = element.get(_INITIAL_KEYS.get(key, ""))
    if initial is not None:
        entry[key] = copy.deepcopy(initial)
    elif key in _LIST_KEYS:
        entry[key] = []
    else:
        entry[key] = None
    return entry


def initial_state(blocks: list[dict[str, Any]], previous: dict[str, dict[str, dict[str, Any]]] | None = None
                  ) -> dict[str, dict[str, dict[str, Any]]]:
    """state.values for a view: input blocks, keeping what the user entered where ids are unchanged."""
    previous = previous or {}
    state: dict[str, dict[str, dict[str, Any]]] = {}
    for found in iter_elements(blocks):
        kept = previous.get(found.block_id, {}).get(found.action_id)
        if kept is not None and kept.get("type") == found.element.get("type"):
            state.setdefault(found.block_id, {})[found.action_id] = copy.deepcopy(kept)
        elif found.where == "input":
            state.setdefault(found.block_id, {})[found.action_id] = empty_value(found.element)
    return state


def find_option(element: dict[str, Any], value: str) -> dict[str, Any] | None:
    """The option (from options or option_groups) whose value or visible text is `value`."""
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value or (option.get("text") or {}).get("text") == value:
            return option
    return None


def action_entry(found: Located, state_entry: dict[str, Any] | None, action_ts: str) -> dict[str, Any]:
    """The `actions[0]` object Slack puts in a block_actions payload."""
    element = found.element
    action: dict[str, Any] = {
        "type": element.get("type"),
        "action_id": found.action_id,
        "block_id": found.block_id,
        "action_ts": action_ts,
    }
    if element.get("type") == "button":
        action["text"] = copy.deepcopy(element.get("text"))
        if "value" in element:
            action["value"] = element["value"]
        if "style" in element:
            action["style"] = element["style"]
    if element.get("placeholder"):
        action["placeholder"] = copy.deepcopy(element["placeholder"])
    if state_entry:
        for key, value in state_entry.items():
            if key != "type":
                action[key] = copy.deepcopy(value)
    return action
