"""Server-side Block Kit validation with Slack's limits and its json-pointer error messages."""

from __future__ import annotations

import json
from typing import Any

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
VIEW_SIZE_LIMIT = 250_000
PRIVATE_METADATA_LIMIT = 3000
ID_LIMIT = 255

KNOWN_BLOCKS = {
    "section", "header", "divider", "context", "actions", "input", "image", "rich_text", "file", "video",
    "markdown",
}
INPUT_ELEMENTS = {
    "plain_text_input", "number_input", "email_text_input", "url_text_input", "static_select",
    "multi_static_select", "external_select", "multi_external_select", "users_select", "multi_users_select",
    "conversations_select", "multi_conversations_select", "channels_select", "multi_channels_select",
    "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons", "file_input", "rich_text_input",
}
INTERACTIVE_ELEMENTS = (INPUT_ELEMENTS - {"file_input", "number_input", "email_text_input", "url_text_input"}) | {
    "button", "overflow", "workflow_button"
}
ACCESSORY_ELEMENTS = INTERACTIVE_ELEMENTS | {"image"}
SELECTS_WITH_OPTIONS = {"static_select", "multi_static_select"}


class _Checker:
    """Collects errors for one payload; `root` is the json-pointer prefix ('' or '/view')."""

    def __init__(self, surface: str, root: str) -> None:
        self.surface = surface
        self.root = root
        self.errors: list[str] = []

    def fail(self, message: str, path: str) -> None:
        self.errors.append(f"[ERROR] {message} [json-pointer:{self.root}{path}]")

    def max_len(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", path)

    def max_items(self, value: Any, limit: int, path: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.fail(f"no more than {limit} items allowed", path)

    def text(self, obj: Any, limit: int, path: str, plain_only: bool = False, required: bool = True) -> None:
        """A text composition object: type plain_text/mrkdwn and a length limit."""
        if obj is None:
            if required:
                self.fail("missing required field: text", path)
            return
        if not isinstance(obj, dict):
            self.fail("expected an object", path)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", f"{path}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail("must be more than 0 characters", f"{path}/text")
            return
        self.max_len(text, limit, f"{path}/text")

    def options(self, options: Any, limit: int, path: str, text_limit: int = 75) -> None:
        if not isinstance(options, list):
            self.fail("expected an array", path)
            return
        self.max_items(options, limit, path)
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                self.fail("expected an object", f"{path}/{i}")
                continue
            self.text(option.get("text"), text_limit, f"{path}/{i}/text")
            self.max_len(option.get("value"), 150, f"{path}/{i}/value")
            if option.get("description") is not None:
                self.text(option.get("description"), 75, f"{path}/{i}/description")

    def element(self, el: Any, path: str, allowed: set[str]) -> None:
        """One block element (button, select, input, ...)."""
        if not isinstance(el, dict):
            self.fail("expected an object", path)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.fail(f"unsupported type: {kind}", f"{path}/type")
            return
        self.max_len(el.get("action_id"), ID_LIMIT, f"{path}/action_id")
        if "placeholder" in el:
            self.text(el["placeholder"], 150, f"{path}/placeholder", plain_only=True)
        if kind == "button":
            self.text(el.get("text"), 75, f"{path}/text", plain_only=True)
            self.max_len(el.get("value"), 2000, f"{path}/value")
            self.max_len(el.get("url"), 3000, f"{path}/url")
            if el.get("style") not in (None, "primary", "danger"):
                self.fail("must be one of primary, danger", f"{path}/style")
        elif kind in SELECTS_WITH_OPTIONS:
            if "option_groups" in el:
                self.max_items(el["option_groups"], 100, f"{path}/option_groups")
                for g, group in enumerate(el["option_groups"] or []):
                    self.text(group.get("label"), 75, f"{path}/option_groups/{g}/label", plain_only=True)
                    self.options(group.get("options"), 100, f"{path}/option_groups/{g}/options")
            else:
                self.options(el.get("options"), 100, f"{path}/options")
        elif kind == "overflow":
            self.options(el.get("options"), 5, f"{path}/options")
            if isinstance(el.get("options"), list) and len(el["options"]) < 1:
                self.fail("must have at least 1 item", f"{path}/options")
        elif kind in ("checkboxes", "radio_buttons"):
            self.options(el.get("options"), 10, f"{path}/options")
        elif kind == "plain_text_input":
            max_length = el.get("max_length")
            if isinstance(max_length, int) and max_length > 3000:
                self.fail("must be less than 3001", f"{path}/max_length")
        elif kind == "image":
            self.max_len(el.get("image_url"), 3000, f"{path}/image_url")
            if not el.get("alt_text"):
                self.fail("missing required field: alt_text", path)
            self.max_len(el.get("alt_text"), 2000, f"{path}/alt_text")
        elif kind == "file_input":
            max_files = el.get("max_files")
            if isinstance(max_files, int) and not 1 <= max_files <= 10:
                self.fail("must be between 1 and 10", f"{path}/max_files")

    def block(self, block: Any, path: str) -> None:
        """One layout block."""
        if not isinstance(block, dict):
            self.fail("expected an object", path)
            return
        kind = block.get("type")
        if kind not in KNOWN_BLOCKS:
            self.fail(f"unsupported type: {kind}", f"{path}/type")
            return
        self.max_len(block.get("block_id"), ID_LIMIT, f"{path}/block_id")
        if kind == "section":
            self.section(block, path)
        elif kind == "header":
            self.text(block.get("text"), 150, f"{path}/text", plain_only=True)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail("must have at least 1 item", f"{path}/elements")
                return
            self.max_items(elements, 10, f"{path}/elements")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "image":
                    self.element(el, f"{path}/elements/{i}", {"image"})
                else:
                    self.text(el, 3000, f"{path}/elements/{i}")
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                self.fail("must have at least 1 item", f"{path}/elements")
                return
            self.max_items(elements, 25, f"{path}/elements")
            seen: set[str] = set()
            for i, el in enumerate(elements):
                self.element(el, f"{path}/elements/{i}", INTERACTIVE_ELEMENTS)
                action_id = el.get("action_id") if isinstance(el, dict) else None
                if action_id:
                    if action_id in seen:
                        self.fail(f"action_id must be unique within a block: {action_id}",
                                  f"{path}/elements/{i}/action_id")
                    seen.add(action_id)
        elif kind == "input":
            self.input(block, path)
        elif kind == "image":
            self.max_len(block.get("image_url"), 3000, f"{path}/image_url")
            if not block.get("alt_text") and not block.get("slack_file"):
                self.fail("missing required field: alt_text", path)
            self.max_len(block.get("alt_text"), 2000, f"{path}/alt_text")
            if block.get("title") is not None:
                self.text(block.get("title"), 2000, f"{path}/title", plain_only=True)

    def section(self, block: dict[str, Any], path: str) -> None:
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            self.fail("must provide either text or fields", path)
        if text is not None:
            self.text(text, 3000, f"{path}/text")
        if fields is not None:
            if not isinstance(fields, list):
                self.fail("expected an array", f"{path}/fields")
            else:
                self.max_items(fields, 10, f"{path}/fields")
                for i, item in enumerate(fields):
                    self.text(item, 2000, f"{path}/fields/{i}")
        if block.get("accessory") is not None:
            self.element(block["accessory"], f"{path}/accessory", ACCESSORY_ELEMENTS)

    def input(self, block: dict[str, Any], path: str) -> None:
        if self.surface != "modal":
            self.fail(f"input blocks are not allowed in a {self.surface}", f"{path}/type")
            return
        self.text(block.get("label"), 2000, f"{path}/label", plain_only=True)
        if block.get("hint") is not None:
            self.text(block.get("hint"), 2000, f"{path}/hint", plain_only=True)
        if block.get("element") is None:
            self.fail("missing required field: element", path)
            return
        self.element(block["element"], f"{path}/element", INPUT_ELEMENTS)

    def blocks(self, blocks: Any, limit: int, path: str) -> None:
        """A list of blocks: count, each block, unique block_ids."""
        if not isinstance(blocks, list):
            self.fail("expected an array", path)
            return
        self.max_items(blocks, limit, path)
        seen: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{path}/{i}")
            block_id = block.get("block_id") if isinstance(block, dict) else None
            if block_id:
                if block_id in seen:
                    self.fail(f"block_id must be unique: {block_id}", f"{path}/{i}/block_id")
                seen.add(block_id)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Errors for a message's blocks (empty when valid)."""
    checker = _Checker("message", "")
    checker.blocks(blocks, MESSAGE_BLOCK_LIMIT, "/blocks")
    return checker.errors


def validate_view(view: Any) -> list[str]:
    """Errors for a modal or Home view (empty when valid)."""
    if not isinstance(view, dict):
        return ["[ERROR] expected an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return ["[ERROR] must be one of modal, home [json-pointer:/view/type]"]
    checker = _Checker(kind, "/view")
    if len(json.dumps(view)) > VIEW_SIZE_LIMIT:
        checker.fail(f"view must be smaller than {VIEW_SIZE_LIMIT} bytes", "")
    checker.blocks(view.get("blocks"), VIEW_BLOCK_LIMIT, "/blocks")
    checker.max_len(view.get("private_metadata"), PRIVATE_METADATA_LIMIT, "/private_metadata")
    checker.max_len(view.get("callback_id"), ID_LIMIT, "/callback_id")
    checker.max_len(view.get("external_id"), ID_LIMIT, "/external_id")
    if kind == "modal":
        checker.text(view.get("title"), 24, "/title", plain_only=True)
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.text(view[key], 24, f"/{key}", plain_only=True)
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_input and view.get("submit") is None:
            checker.fail("submit is required when the view has input blocks", "/submit")
    else:
        for key in ("submit", "close"):
            if view.get(key) is not None:
                checker.fail(f"{key} is not allowed in a home view", f"/{key}")
    return checker.errors
