"""auth.test and chat.* answer like slack.com/api, errors included."""

import requests
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from tests.sandbox.helpers import error_code, slack_error

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*Hello* <@UDEMO00001>"}}


def test_auth_test_names_the_bot_and_the_team(slack_client: WebClient) -> None:
    data = slack_client.auth_test().data
    assert data["user_id"] == "UTUTTIBOT1"
    assert data["bot_id"] == "BTUTTIBOT1"
    assert data["team_id"] == "T0TUTTI001"


def test_a_wrong_token_is_invalid_auth_and_no_token_is_not_authed(sandbox: Sandbox) -> None:
    assert error_code(lambda: WebClient(token="xoxb-wrong", base_url=sandbox.base_url).auth_test()) == "invalid_auth"
    answer = requests.post(sandbox.base_url + "auth.test", timeout=5).json()
    assert answer == {"ok": False, "error": "not_authed"}


def test_token_may_also_come_as_a_form_field(sandbox: Sandbox) -> None:
    answer = requests.post(sandbox.base_url + "auth.test", data={"token": sandbox.bot_token}, timeout=5).json()
    assert answer["ok"] is True


def test_unknown_method_is_unknown_method(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.api_call("chat.frobnicate")) == "unknown_method"


def test_post_message_to_a_channel_by_name_shows_up_for_members(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("news", members=["demo"])
    answer = slack_client.chat_postMessage(channel="#news", text="fallback", blocks=[SECTION]).data
    assert answer["channel"] == sandbox.channel("#news").id
    assert answer["message"]["bot_id"] == "BTUTTIBOT1"
    assert sandbox.as_user("demo").last_message("#news").text == "*Hello* @demo"


def test_post_message_to_a_user_id_lands_in_their_dm(sandbox: Sandbox, slack_client: WebClient) -> None:
    answer = slack_client.chat_postMessage(channel="UJEDITOR01", text="You have an offer").data
    assert answer["channel"].startswith("D")
    assert [m.text for m in sandbox.as_user("journalism-editor").dms()] == ["You have an offer"]
    assert sandbox.as_user("demo").dms() == []


def test_post_message_form_encoded_blocks_are_parsed(sandbox: Sandbox) -> None:
    sandbox.create_channel("news")
    answer = requests.post(sandbox.base_url + "chat.postMessage", timeout=5,
                           headers={"Authorization": f"Bearer {sandbox.bot_token}"},
                           data={"channel": "#news", "blocks": '[{"type": "divider"}]'}).json()
    assert answer["ok"] is True
    assert answer["message"]["blocks"][0]["type"] == "divider"


def test_post_message_errors(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("not-mine", bot_member=False)
    sandbox.create_channel("secret", is_private=True, bot_member=False)
    archived = sandbox.create_channel("old")
    slack_client.conversations_archive(channel=archived.id)
    assert error_code(lambda: slack_client.chat_postMessage(channel="C999", text="x")) == "channel_not_found"
    assert error_code(lambda: slack_client.chat_postMessage(channel="#not-mine", text="x")) == "not_in_channel"
    assert error_code(lambda: slack_client.chat_postMessage(channel="#secret", text="x")) == "channel_not_found"
    assert error_code(lambda: slack_client.chat_postMessage(channel="#old", text="x")) == "is_archived"
    sandbox.create_channel("ok")
    assert error_code(lambda: slack_client.chat_postMessage(channel="#ok")) == "no_text"
    assert error_code(lambda: slack_client.chat_postMessage(channel="#ok", text="x" * 40_001)) == "msg_too_long"


def test_missing_channel_is_invalid_arguments_with_a_message(slack_client: WebClient) -> None:
    data = slack_error(lambda: slack_client.api_call("chat.postMessage", json={"text": "hi"}))
    assert data["error"] == "invalid_arguments"
    assert data["response_metadata"]["messages"] == ["[ERROR] missing required field: channel"]


def test_post_ephemeral_is_seen_by_one_member_only(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("team", members=["demo", "journalism-editor"])
    answer = slack_client.chat_postEphemeral(channel="#team", user="UDEMO00001", text="Only you").data
    assert answer["message_ts"]
    assert sandbox.as_user("demo").last_message("#team").ephemeral
    assert sandbox.as_user("journalism-editor").messages("#team") == []
    assert error_code(
        lambda: slack_client.chat_postEphemeral(channel="#team", user="UJCOPYED01", text="x")) == "user_not_in_channel"
    assert error_code(
        lambda: slack_client.chat_postEphemeral(channel="#team", user="UNOBODY", text="x")) == "user_not_found"


def test_update_replaces_text_and_marks_the_message_edited(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("team", members=["demo"])
    posted = slack_client.chat_postMessage(channel="#team", text="Offer: task 7", blocks=[SECTION]).data
    updated = slack_client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Taken",
                                       blocks=[{"type": "section", "text": {"type": "plain_text", "text": "Taken"}}])
    assert updated["ts"] == posted["ts"]
    seen = sandbox.as_user("demo").last_message("#team")
    assert (seen.text, seen.edited) == ("Taken", True)


def test_update_and_delete_errors(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = sandbox.create_channel("team", members=["demo"])
    human = sandbox.as_user("demo").say("#team", "my own words")
    assert error_code(lambda: slack_client.chat_update(channel=channel.id, ts="1.000001", text="x")) == \
        "message_not_found"
    assert error_code(lambda: slack_client.chat_update(channel=channel.id, ts=human.ts, text="x")) == \
        "cant_update_message"
    assert error_code(lambda: slack_client.chat_delete(channel=channel.id, ts=human.ts)) == "cant_delete_message"
    assert error_code(lambda: slack_client.chat_delete(channel=channel.id, ts="1.000001")) == "message_not_found"


def test_delete_removes_the_message(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = sandbox.create_channel("team", members=["demo"])
    posted = slack_client.chat_postMessage(channel=channel.id, text="oops").data
    assert slack_client.chat_delete(channel=channel.id, ts=posted["ts"]).data["ts"] == posted["ts"]
    assert sandbox.as_user("demo").messages("#team") == []


def test_every_call_is_recorded_with_its_answer(sandbox: Sandbox, slack_client: WebClient) -> None:
    slack_client.auth_test()
    error_code(lambda: slack_client.chat_postMessage(channel="C404", text="x"))
    calls = sandbox.calls("chat.postMessage")
    assert len(calls) == 1
    assert calls[0].args == {"channel": "C404", "text": "x"}
    assert calls[0].response["error"] == "channel_not_found"
    assert [c.method for c in sandbox.calls()] == ["auth.test", "chat.postMessage"]
