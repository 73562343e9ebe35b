"""chat.postMessage, chat.postEphemeral, chat.update, chat.delete."""

from __future__ import annotations

from typing import Any

from sandbox import blockkit
from sandbox.elements import normalize_blocks
from sandbox.errors import ApiError
from sandbox.methods import resolve
from sandbox.methods.args import Args
from sandbox.slack import FakeSlack
from sandbox.state import BOT_ID, BOT_USER_ID, Channel, Message

TEXT_LIMIT = 40_000


def checked_content(text: str, blocks: Any, require: bool = True) -> list[dict[str, Any]]:
    """Validate message text and blocks the way Slack does; the blocks as stored."""
    if blocks is not None:
        errors = blockkit.validate_message_blocks(blocks)
        if errors:
            raise ApiError("invalid_blocks", errors)
    if require and not text and not blocks:
        raise ApiError("no_text")
    if len(text) > TEXT_LIMIT:
        raise ApiError("msg_too_long")
    return normalize_blocks(blocks)


def bot_message(slack: FakeSlack, channel: Channel, text: str, blocks: Any, thread_ts: str | None = None,
                ephemeral_to: str | None = None, files: list[str] | None = None) -> Message:
    """Store a message from the bot (content must already be validated)."""
    workspace = slack.workspace
    message = Message(
        ts=workspace.next_ts(),
        channel=channel.id,
        text=text,
        blocks=normalize_blocks(blocks),
        user=BOT_USER_ID,
        bot_id=BOT_ID,
        thread_ts=thread_ts,
        ephemeral_to=ephemeral_to,
        files=list(files or []),
    )
    return workspace.add_message(message)


def message_json(slack: FakeSlack, message: Message) -> dict[str, Any]:
    """A stored message as Slack returns it, with file objects expanded."""
    return message.to_slack(slack.workspace.file_objects(message.files, slack.config.root_url))


def post_message(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """chat.postMessage: to a channel id, '#name', or a user id (the bot's DM with them)."""
    channel = resolve.postable(slack.workspace, args.required("channel"))
    text, blocks = args.text("text"), args.json("blocks")
    checked_content(text, blocks, require=not args.get("attachments"))
    message = bot_message(slack, channel, text, blocks, thread_ts=args.get("thread_ts"))
    return {"channel": channel.id, "ts": message.ts, "message": message_json(slack, message)}


def post_ephemeral(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """chat.postEphemeral: a message only `user` sees."""
    workspace = slack.workspace
    channel = resolve.postable(workspace, args.required("channel"))
    user = resolve.user(workspace, args.required("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks = args.text("text"), args.json("blocks")
    checked_content(text, blocks, require=not args.get("attachments"))
    message = bot_message(slack, channel, text, blocks, thread_ts=args.get("thread_ts"), ephemeral_to=user.id)
    return {"message_ts": message.ts}


def _own_message(slack: FakeSlack, args: Args, refusal: str) -> tuple[Channel, Message]:
    channel = resolve.conversation(slack.workspace, args.required("channel"))
    message = slack.workspace.find_message(channel.id, str(args.required("ts")))
    if message is None or message.ephemeral_to is not None:
        raise ApiError("message_not_found")
    if message.bot_id != BOT_ID:
        raise ApiError(refusal)
    return channel, message


def update(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """chat.update: new text and/or blocks for a bot message (blocks kept unless given)."""
    channel, message = _own_message(slack, args, "cant_update_message")
    if channel.is_archived:
        raise ApiError("is_archived")
    blocks = args.json("blocks")
    text = args.text("text", message.text if blocks is None else "")
    stored = checked_content(text, blocks if blocks is not None else message.blocks, require=False)
    message.text = text
    message.blocks = stored
    message.edited = {"user": BOT_USER_ID, "ts": slack.workspace.next_ts()}
    slack.workspace.touch()
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message_json(slack, message)}


def delete(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """chat.delete: remove a bot message."""
    channel, message = _own_message(slack, args, "cant_delete_message")
    message.deleted = True
    slack.workspace.touch()
    return {"channel": channel.id, "ts": message.ts}


METHODS = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
}
