"""Finding the conversation or user a call names, with the errors Slack gives when it cannot."""

from __future__ import annotations

from sandbox.errors import ApiError
from sandbox.state import BOT_USER_ID, Channel, User, Workspace


def user(workspace: Workspace, user_id: str) -> User:
    """A user by id (user_not_found otherwise)."""
    found = workspace.users.get(user_id)
    if found is None:
        raise ApiError("user_not_found")
    return found


def conversation(workspace: Workspace, ref: str) -> Channel:
    """A conversation by id, '#name' or user id (the bot's DM), as the bot can see it."""
    channel: Channel | None
    if ref.startswith("#"):
        channel = workspace.channel_by_name(ref)
    elif ref[:1] in ("U", "W") and ref in workspace.users:
        channel = workspace.im_with(ref)
    else:
        channel = workspace.channels.get(ref)
    # A private channel the bot is not in does not exist, as far as the bot can tell.
    if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
        raise ApiError("channel_not_found")
    return channel


def postable(workspace: Workspace, ref: str) -> Channel:
    """A conversation the bot may post into (not_in_channel / is_archived otherwise)."""
    channel = conversation(workspace, ref)
    if BOT_USER_ID not in channel.members:
        raise ApiError("not_in_channel")
    if channel.is_archived:
        raise ApiError("is_archived")
    return channel
