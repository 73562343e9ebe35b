"""conversations.*: create, invite, kick, archive, unarchive, open, info, members, setTopic, setPurpose."""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import ApiError, missing_argument
from sandbox.methods import resolve
from sandbox.methods.args import Args
from sandbox.slack import FakeSlack
from sandbox.state import BOT_USER_ID, Channel

NAME_LIMIT = 80
TOPIC_LIMIT = 250
PURPOSE_LIMIT = 250
_NAME_CHARS = re.compile(r"^[a-z0-9_\-]+$")


def _check_name(slack: FakeSlack, name: str) -> None:
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > NAME_LIMIT:
        raise ApiError("invalid_name_maxlength")
    if not _NAME_CHARS.match(name):
        raise ApiError("invalid_name_specials")
    if slack.workspace.channel_by_name(name) is not None:
        raise ApiError("name_taken")


def create(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.create: a channel the bot creates and belongs to."""
    name = args.text("name")
    _check_name(slack, name)
    workspace = slack.workspace
    channel = Channel(
        id=workspace.new_id("C"),
        name=name,
        creator=BOT_USER_ID,
        created=workspace.now(),
        is_private=args.flag("is_private"),
        members=[BOT_USER_ID],
    )
    workspace.channels[channel.id] = channel
    workspace.messages[channel.id] = []
    workspace.touch()
    return {"channel": channel.to_slack()}


def _administrable(slack: FakeSlack, args: Args) -> Channel:
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    if channel.is_archived:
        raise ApiError("is_archived")
    return channel


def invite(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.invite: add users to a channel the bot is in."""
    users = args.id_list("users")
    if not users:
        raise missing_argument("users")
    channel = _administrable(slack, args)
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    for user_id in users:
        if user_id == BOT_USER_ID:
            raise ApiError("cant_invite_self")
        resolve.user(slack.workspace, user_id)
        if user_id in channel.members:
            raise ApiError("already_in_channel")
    channel.members.extend(users)
    slack.workspace.touch()
    return {"channel": channel.to_slack()}


def kick(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.kick: remove a user from a channel the bot is in."""
    user_id = args.required("user")
    channel = _administrable(slack, args)
    if user_id == BOT_USER_ID:
        raise ApiError("cant_kick_self")
    resolve.user(slack.workspace, user_id)
    if user_id not in channel.members:
        raise ApiError("not_in_channel")
    channel.members.remove(user_id)
    slack.workspace.touch()
    return {"errors": {}}


def archive(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.archive."""
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    if channel.is_archived:
        raise ApiError("already_archived")
    if channel.is_im:
        raise ApiError("method_not_supported_for_channel_type")
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    channel.is_archived = True
    slack.workspace.touch()
    return {}


def unarchive(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.unarchive."""
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    if not channel.is_archived:
        raise ApiError("not_archived")
    channel.is_archived = False
    slack.workspace.touch()
    return {}


def open_conversation(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.open: the bot's DM with one user (group DMs are not simulated)."""
    if args.get("channel"):
        channel = resolve.conversation(slack.workspace, args.text("channel"))
        return {"channel": channel.to_slack() if args.flag("return_im") else {"id": channel.id}}
    users = args.id_list("users")
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 1:
        raise ApiError("not_supported", ["[ERROR] the sandbox only opens DMs with one user"])
    user = resolve.user(slack.workspace, users[0])
    existing = slack.workspace.im_with(user.id, create=False)
    channel = existing or slack.workspace.im_with(user.id)
    assert channel is not None
    body: dict[str, Any] = {"channel": channel.to_slack() if args.flag("return_im") else {"id": channel.id}}
    if existing is not None:
        body.update({"no_op": True, "already_open": True})
    return body


def info(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.info."""
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    return {"channel": channel.to_slack(member_count=args.flag("include_num_members"))}


def members(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.members, paginated with cursor/limit."""
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 100)
    page = channel.members[start:start + limit]
    more = start + limit < len(channel.members)
    return {"members": list(page), "response_metadata": {"next_cursor": str(start + limit) if more else ""}}


def _set_text(slack: FakeSlack, args: Args, field: str, limit: int) -> dict[str, Any]:
    value = args.text(field)
    if args.get(field) is None and field not in args.values:
        raise missing_argument(field)
    channel = _administrable(slack, args)
    if len(value) > limit:
        raise ApiError("too_long")
    setattr(channel, field, value)
    slack.workspace.touch()
    return {"channel": channel.to_slack()}


def set_topic(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.setTopic."""
    return _set_text(slack, args, "topic", TOPIC_LIMIT)


def set_purpose(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """conversations.setPurpose."""
    body = _set_text(slack, args, "purpose", PURPOSE_LIMIT)
    body["purpose"] = body["channel"]["purpose"]["value"]
    return body


METHODS = {
    "conversations.create": create,
    "conversations.invite": invite,
    "conversations.kick": kick,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
    "conversations.open": open_conversation,
    "conversations.info": info,
    "conversations.members": members,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
}
