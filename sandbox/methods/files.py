"""files.getUploadURLExternal, files.completeUploadExternal, files.info."""

from __future__ import annotations

import mimetypes
from typing import Any

from sandbox.errors import ApiError
from sandbox.methods import resolve
from sandbox.methods.args import Args
from sandbox.methods.chat import bot_message, checked_content
from sandbox.slack import FakeSlack
from sandbox.state import BOT_USER_ID, File

FILE_SIZE_LIMIT = 1024 * 1024 * 1024


def get_upload_url(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """files.getUploadURLExternal: reserve a file id and hand out where to POST its bytes."""
    filename = args.text("filename")
    length = args.get("length")
    if not filename:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: filename"])
    if length is None:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: length"])
    if int(length) > FILE_SIZE_LIMIT:
        raise ApiError("file_size_too_large")
    workspace = slack.workspace
    file = File(
        id=workspace.new_id("F"),
        name=filename,
        user=BOT_USER_ID,
        created=workspace.now(),
        mimetype=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        expected_length=int(length),
    )
    workspace.files[file.id] = file
    return {"upload_url": f"{slack.config.root_url.rstrip('/')}/_upload/{file.id}", "file_id": file.id}


def complete_upload(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """files.completeUploadExternal: finish uploads, sharing them into a conversation if asked."""
    entries = args.json("files")
    if not isinstance(entries, list) or not entries:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: files"])
    workspace = slack.workspace
    files: list[File] = []
    for entry in entries:
        file = workspace.files.get(str(entry.get("id", "")))
        if file is None or not file.uploaded:
            raise ApiError("file_not_found")
        files.append(file)
    channel_ref = args.get("channel_id") or (args.id_list("channels") or [None])[0]
    if channel_ref:
        channel = resolve.postable(workspace, str(channel_ref))
        comment = args.text("initial_comment")
        checked_content(comment, None, require=False)
        for file in files:
            file.channels.append(channel.id)
        bot_message(slack, channel, comment, None, thread_ts=args.get("thread_ts"), files=[f.id for f in files])
    for file, entry in zip(files, entries, strict=True):
        file.title = str(entry.get("title") or file.name)
        file.completed = True
    workspace.touch()
    return {"files": [f.to_slack(slack.config.root_url) for f in files]}


def info(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """files.info."""
    file = slack.workspace.files.get(args.text("file"))
    if file is None or not file.uploaded:
        if not args.get("file"):
            raise ApiError("invalid_arguments", ["[ERROR] missing required field: file"])
        raise ApiError("file_not_found")
    return {"file": file.to_slack(slack.config.root_url), "comments": [],
            "response_metadata": {"next_cursor": ""}}


METHODS = {
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
    "files.info": info,
}
