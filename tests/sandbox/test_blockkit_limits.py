"""Slack's Block Kit limits, enforced server-side: one test per limit, each naming the offending path."""

from typing import Any

import pytest
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from tests.sandbox.helpers import slack_error


def text(n: int, kind: str = "plain_text") -> dict[str, Any]:
    return {"type": kind, "text": "x" * n}


def section(n: int = 5) -> dict[str, Any]:
    return {"type": "section", "text": text(n, "mrkdwn")}


def button(label: int = 5, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": text(label), **extra}


def option(label: int = 5, value: str = "v") -> dict[str, Any]:
    return {"text": text(label), "value": value}


def input_block(element: dict[str, Any], label: int = 5, **extra: Any) -> dict[str, Any]:
    return {"type": "input", "label": text(label), "element": element, **extra}


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": text(5), "submit": text(6), "blocks": blocks}
    view.update(extra)
    return view


MESSAGE_LIMITS = [
    ("more than 50 blocks", [section()] * 51, "no more than 50 items allowed [json-pointer:/blocks]"),
    ("section text over 3000", [section(), section(3001)],
     "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"),
    ("header text over 150", [{"type": "header", "text": text(151)}],
     "must be less than 151 characters [json-pointer:/blocks/0/text/text]"),
    ("button text over 75", [{"type": "actions", "elements": [button(76)]}],
     "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"),
    ("field text over 2000", [{"type": "section", "fields": [text(2001, "mrkdwn")]}],
     "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]"),
    ("more than 10 fields", [{"type": "section", "fields": [text(3, "mrkdwn")] * 11}],
     "no more than 10 items allowed [json-pointer:/blocks/0/fields]"),
    ("block_id over 255", [{"type": "divider", "block_id": "b" * 256}],
     "must be less than 256 characters [json-pointer:/blocks/0/block_id]"),
    ("action_id over 255", [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
     "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]"),
    ("option text over 75",
     [{"type": "actions", "elements": [{"type": "static_select", "placeholder": text(3), "options": [option(76)]}]}],
     "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]"),
    ("more than 100 options",
     [{"type": "actions", "elements": [{"type": "static_select", "placeholder": text(3),
                                        "options": [option(3, str(i)) for i in range(101)]}]}],
     "no more than 100 items allowed [json-pointer:/blocks/0/elements/0/options]"),
    ("more than 25 action elements",
     [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
     "no more than 25 items allowed [json-pointer:/blocks/0/elements]"),
    ("more than 10 context elements", [{"type": "context", "elements": [text(3, "mrkdwn")] * 11}],
     "no more than 10 items allowed [json-pointer:/blocks/0/elements]"),
    ("placeholder over 150",
     [{"type": "actions", "elements": [{"type": "datepicker", "placeholder": text(151)}]}],
     "must be less than 151 characters [json-pointer:/blocks/0/elements/0/placeholder/text]"),
    ("input block in a message", [input_block({"type": "plain_text_input"})],
     "input blocks are not allowed in a message [json-pointer:/blocks/0/type]"),
    ("duplicate block_id", [{"type": "divider", "block_id": "same"}, {"type": "divider", "block_id": "same"}],
     "block_id must be unique: same [json-pointer:/blocks/1/block_id]"),
    ("duplicate action_id in a block",
     [{"type": "actions", "elements": [button(action_id="go"), button(action_id="go")]}],
     "action_id must be unique within a block: go [json-pointer:/blocks/0/elements/1/action_id]"),
]


@pytest.mark.parametrize(("blocks", "message"), [case[1:] for case in MESSAGE_LIMITS],
                         ids=[case[0] for case in MESSAGE_LIMITS])
def test_message_limit(sandbox: Sandbox, slack_client: WebClient, blocks: list[dict[str, Any]],
                       message: str) -> None:
    sandbox.create_channel("limits")
    data = slack_error(lambda: slack_client.chat_postMessage(channel="#limits", text="t", blocks=blocks))
    assert data["error"] == "invalid_blocks"
    assert data["response_metadata"]["messages"] == [f"[ERROR] {message}"]
    assert sandbox.as_user("demo").messages("#limits") == []


def test_fifty_blocks_are_fine_in_a_message(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("limits")
    assert slack_client.chat_postMessage(channel="#limits", text="t", blocks=[section()] * 50).data["ok"]


VIEW_LIMITS = [
    ("more than 100 blocks", modal([section()] * 101), "no more than 100 items allowed [json-pointer:/view/blocks]"),
    ("title over 24", modal([section()], title=text(25)),
     "must be less than 25 characters [json-pointer:/view/title/text]"),
    ("submit over 24", modal([section()], submit=text(25)),
     "must be less than 25 characters [json-pointer:/view/submit/text]"),
    ("close over 24", modal([section()], close=text(25)),
     "must be less than 25 characters [json-pointer:/view/close/text]"),
    ("input label over 2000", modal([input_block({"type": "plain_text_input"}, label=2001)]),
     "must be less than 2001 characters [json-pointer:/view/blocks/0/label/text]"),
    ("private_metadata over 3000", modal([section()], private_metadata="m" * 3001),
     "must be less than 3001 characters [json-pointer:/view/private_metadata]"),
    ("input without submit", {"type": "modal", "title": text(5), "blocks": [input_block({"type": "plain_text_input"})]},
     "submit is required when the view has input blocks [json-pointer:/view/submit]"),
    ("view over 250 kB", modal([section()] * 10, private_metadata="", callback_id="c",
                                blocks_padding="p" * 250_001),
     "view must be smaller than 250000 bytes [json-pointer:/view]"),
]


@pytest.mark.parametrize(("view", "message"), [case[1:] for case in VIEW_LIMITS], ids=[c[0] for c in VIEW_LIMITS])
def test_modal_limit(sandbox: Sandbox, slack_client: WebClient, view: dict[str, Any], message: str) -> None:
    data = slack_error(lambda: slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=view))
    assert data["error"] == "invalid_arguments"
    assert data["response_metadata"]["messages"] == [f"[ERROR] {message}"]
    assert sandbox.as_user("demo").modal() is None


def test_home_rejects_input_blocks(sandbox: Sandbox, slack_client: WebClient) -> None:
    home = {"type": "home", "blocks": [input_block({"type": "plain_text_input"})]}
    data = slack_error(lambda: slack_client.views_publish(user_id="UDEMO00001", view=home))
    assert data["response_metadata"]["messages"] == [
        "[ERROR] input blocks are not allowed in a home [json-pointer:/view/blocks/0/type]"]


def test_home_rejects_a_submit_button(sandbox: Sandbox, slack_client: WebClient) -> None:
    home = {"type": "home", "submit": text(6), "blocks": [section()]}
    data = slack_error(lambda: slack_client.views_publish(user_id="UDEMO00001", view=home))
    assert data["response_metadata"]["messages"] == [
        "[ERROR] submit is not allowed in a home view [json-pointer:/view/submit]"]


def test_home_allows_a_hundred_blocks(sandbox: Sandbox, slack_client: WebClient) -> None:
    home = {"type": "home", "blocks": [section()] * 100}
    assert slack_client.views_publish(user_id="UDEMO00001", view=home).data["ok"]
