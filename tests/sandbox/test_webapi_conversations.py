"""conversations.*: channel administration with Slack's rules and error codes."""

import pytest
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from tests.sandbox.helpers import error_code


def test_create_makes_a_private_channel_the_bot_belongs_to(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="project-12", is_private=True).data["channel"]
    assert (channel["name"], channel["is_private"], channel["is_member"]) == ("project-12", True, True)
    info = sandbox.channel("#project-12")
    assert info.members == ["UTUTTIBOT1"]
    assert info.is_private


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Project 12", "invalid_name_specials"),
        ("project.12", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ],
)
def test_create_enforces_channel_name_rules(slack_client: WebClient, name: str, error: str) -> None:
    assert error_code(lambda: slack_client.conversations_create(name=name)) == error


def test_create_refuses_a_taken_name(slack_client: WebClient) -> None:
    slack_client.conversations_create(name="project-1")
    assert error_code(lambda: slack_client.conversations_create(name="project-1")) == "name_taken"


def test_invite_adds_members_and_kick_removes_them(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1", is_private=True).data["channel"]["id"]
    slack_client.conversations_invite(channel=channel, users="UDEMO00001,UJEDITOR01")
    assert sandbox.channel(channel).member_names == ["tutti", "demo", "journalism-editor"]
    slack_client.conversations_kick(channel=channel, user="UDEMO00001")
    assert "UDEMO00001" not in sandbox.channel(channel).members
    assert slack_client.conversations_members(channel=channel).data["members"] == ["UTUTTIBOT1", "UJEDITOR01"]


def test_invite_errors(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1").data["channel"]["id"]
    slack_client.conversations_invite(channel=channel, users="UDEMO00001")
    assert error_code(lambda: slack_client.conversations_invite(channel=channel, users="UDEMO00001")) == \
        "already_in_channel"
    assert error_code(lambda: slack_client.conversations_invite(channel=channel, users="UTUTTIBOT1")) == \
        "cant_invite_self"
    assert error_code(lambda: slack_client.conversations_invite(channel=channel, users="UNOBODY01")) == \
        "user_not_found"
    assert error_code(lambda: slack_client.conversations_invite(channel="C404", users="UDEMO00001")) == \
        "channel_not_found"
    outside = sandbox.create_channel("elsewhere", bot_member=False)
    assert error_code(lambda: slack_client.conversations_invite(channel=outside.id, users="UDEMO00001")) == \
        "not_in_channel"
    slack_client.conversations_archive(channel=channel)
    assert error_code(lambda: slack_client.conversations_invite(channel=channel, users="UJEDITOR01")) == \
        "is_archived"


def test_kick_errors(slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1").data["channel"]["id"]
    assert error_code(lambda: slack_client.conversations_kick(channel=channel, user="UDEMO00001")) == \
        "not_in_channel"
    assert error_code(lambda: slack_client.conversations_kick(channel=channel, user="UTUTTIBOT1")) == \
        "cant_kick_self"
    assert error_code(lambda: slack_client.conversations_kick(channel=channel, user="UNOBODY01")) == \
        "user_not_found"


def test_archive_and_unarchive(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1").data["channel"]["id"]
    slack_client.conversations_archive(channel=channel)
    assert sandbox.channel(channel).is_archived
    assert error_code(lambda: slack_client.conversations_archive(channel=channel)) == "already_archived"
    slack_client.conversations_unarchive(channel=channel)
    assert not sandbox.channel(channel).is_archived
    assert error_code(lambda: slack_client.conversations_unarchive(channel=channel)) == "not_archived"


def test_open_gives_the_same_dm_each_time(slack_client: WebClient) -> None:
    first = slack_client.conversations_open(users="UDEMO00001").data
    again = slack_client.conversations_open(users="UDEMO00001", return_im=True).data
    assert first["channel"]["id"] == again["channel"]["id"]
    assert again["already_open"] is True
    assert again["channel"]["user"] == "UDEMO00001"
    assert error_code(lambda: slack_client.conversations_open(users="UNOBODY01")) == "user_not_found"


def test_info_and_members(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1").data["channel"]["id"]
    info = slack_client.conversations_info(channel=channel, include_num_members=True).data["channel"]
    assert (info["name"], info["num_members"], info["is_archived"]) == ("p1", 1, False)
    assert error_code(lambda: slack_client.conversations_info(channel="C404")) == "channel_not_found"
    assert error_code(lambda: slack_client.conversations_members(channel="C404")) == "channel_not_found"
    hidden = sandbox.create_channel("hidden", is_private=True, bot_member=False)
    assert error_code(lambda: slack_client.conversations_info(channel=hidden.id)) == "channel_not_found"


def test_set_topic_and_purpose(sandbox: Sandbox, slack_client: WebClient) -> None:
    channel = slack_client.conversations_create(name="p1").data["channel"]["id"]
    topic = slack_client.conversations_setTopic(channel=channel, topic="Flood coverage").data
    assert topic["channel"]["topic"]["value"] == "Flood coverage"
    slack_client.conversations_setPurpose(channel=channel, purpose="Project 12")
    info = sandbox.channel(channel)
    assert (info.topic, info.purpose) == ("Flood coverage", "Project 12")
    assert error_code(lambda: slack_client.conversations_setTopic(channel=channel, topic="x" * 251)) == "too_long"
    outside = sandbox.create_channel("elsewhere", bot_member=False)
    assert error_code(lambda: slack_client.conversations_setPurpose(channel=outside.id, purpose="x")) == \
        "not_in_channel"
