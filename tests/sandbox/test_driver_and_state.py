"""The driver reads like a person, the state resets and seeds, and mrkdwn renders as Slack shows it."""

import pytest
from slack_sdk import WebClient

from sandbox.driver import DriverError, Sandbox
from sandbox.render import mrkdwn_text
from sandbox.sample_users import sample_users
from sandbox.state import Workspace

BUTTONS = [{"type": "actions", "elements": [
    {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Accept"}},
    {"type": "overflow", "action_id": "more", "options": [
        {"text": {"type": "plain_text", "text": "Snooze"}, "value": "snooze"}]}]}]


def test_sample_users_match_the_bundled_workflows() -> None:
    users = {u.id: (u.name, u.email) for u in sample_users()}
    assert users["UDEMO00001"] == ("demo", "noreply-simple1@example.org")
    assert users["UJEDITOR01"] == ("journalism-editor", "noreply-journalism1@example.org")
    assert users["UJCOPYED01"] == ("journalism-copy-editor", "noreply-journalism6@example.org")
    assert len(users) == 7


def test_reset_keeps_only_the_bot_and_the_admin() -> None:
    workspace = Workspace()
    workspace.seed_users(sample_users())
    workspace.reset()
    assert sorted(workspace.users) == ["UADMIN0001", "UTUTTIBOT1"]
    assert workspace.users["UADMIN0001"].is_admin


def test_people_are_found_by_id_name_or_email(sandbox: Sandbox) -> None:
    assert sandbox.as_user("UJEDITOR01") is sandbox.as_user("journalism-editor")
    assert sandbox.as_user("noreply-simple1@example.org").user.id == "UDEMO00001"
    with pytest.raises(DriverError):
        sandbox.as_user("nobody")


def test_mrkdwn_renders_mentions_channels_and_links() -> None:
    names = {"U1": "alice", "C1": "news"}.get
    assert mrkdwn_text("Hi <@U1> in <#C1> see <https://x.org|docs> &amp; <!here>", names, names) == \
        "Hi @alice in #news see docs & @here"


def test_click_finds_buttons_and_overflow_items_in_the_dm(sandbox: Sandbox, slack_client: WebClient,
                                                          scripted_app) -> None:
    slack_client.chat_postMessage(channel="UDEMO00001", text="offer", blocks=BUTTONS)
    demo = sandbox.as_user("demo")
    assert demo.click("Snooze").ok
    assert scripted_app.received[-1].body["actions"][0]["selected_option"]["value"] == "snooze"


def test_click_on_something_missing_says_so_and_within_picks_the_message(
    sandbox: Sandbox, slack_client: WebClient
) -> None:
    waited = sandbox.wait_seconds
    sandbox.wait_seconds = 0.2
    try:
        sandbox.create_channel("team", members=["demo"])
        slack_client.chat_postMessage(channel="#team", text="x", blocks=BUTTONS)
        slack_client.chat_postMessage(channel="#team", text="y", blocks=BUTTONS)
        demo = sandbox.as_user("demo")
        with pytest.raises(DriverError, match="no button or menu item 'Decline'"):
            demo.click("Decline", within="#team")
        message = demo.messages("#team")[0]
        assert demo.click("Accept", within=message).ok is False  # no app URL set: nobody answered
        assert "No app request URL" in demo.last_outcome.error
    finally:
        sandbox.wait_seconds = waited


def test_channel_info_reads_like_slack(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p9", is_private=True).data["channel"]["id"]
    slack_client.conversations_invite(channel=channel, users="UDEMO00001")
    slack_client.conversations_archive(channel=channel)
    info = sandbox.channel("#p9")
    assert (info.is_private, info.is_archived, info.member_names) == (True, True, ["tutti", "demo"])
    with pytest.raises(DriverError):
        sandbox.as_user("journalism-editor").messages("#p9")
