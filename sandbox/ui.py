"""The browser UI: the page, a long-polled JSON state per person, and the actions a person takes."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, request, send_from_directory

from sandbox.errors import ApiError
from sandbox.interactions import InteractionError, Interactions, Outcome, Target
from sandbox.state import Channel, Message, Workspace

STATIC = Path(__file__).parent / "static"
LONG_POLL_SECONDS = 15.0


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")


def _outcome(outcome: Outcome) -> Response:
    return _json({"ok": outcome.ok, "error": outcome.error})


def _conversations(workspace: Workspace, user_id: str) -> list[dict[str, Any]]:
    """Channels the person belongs to (and public ones), plus their DM with the app."""
    listed = []
    for channel in workspace.channels.values():
        if channel.is_im:
            if channel.im_user == user_id:
                listed.append({"id": channel.id, "name": "Tutti", "kind": "dm", "archived": False,
                               "member": True})
            continue
        member = user_id in channel.members
        if channel.is_private and not member:
            continue
        listed.append({"id": channel.id, "name": channel.name, "kind": "private" if channel.is_private else "public",
                       "archived": channel.is_archived, "member": member, "topic": channel.topic})
    listed.sort(key=lambda c: (c["kind"] == "dm", c["name"]))
    return listed


def _message(workspace: Workspace, message: Message) -> dict[str, Any]:
    author = workspace.users.get(message.user or "")
    files = [{"id": f, "name": workspace.files[f].name, "mimetype": workspace.files[f].mimetype}
             for f in message.files if f in workspace.files]
    return {
        "ts": message.ts,
        "author": "Slackbot" if message.user == "USLACKBOT" else (author.real_name if author else "?"),
        "is_bot": message.bot_id is not None or message.user == "USLACKBOT",
        "text": message.text,
        "blocks": message.blocks,
        "ephemeral": message.ephemeral_to is not None,
        "edited": message.edited is not None,
        "files": files,
    }


def _view(view: Any, depth: int = 0) -> dict[str, Any] | None:
    if view is None:
        return None
    data = view.to_slack()
    data.update({"errors": view.errors, "notice": view.notice, "depth": depth})
    return data


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def ui_blueprint(interactions: Interactions) -> Blueprint:
    """Routes of the browser UI (served to 127.0.0.1 only)."""
    blueprint = Blueprint("ui", __name__)
    slack = interactions.slack
    workspace = slack.workspace

    @blueprint.before_request
    def local_only() -> None:
        if not _is_loopback(request.remote_addr):
            abort(403)

    @blueprint.route("/")
    def index() -> Response:
        return send_from_directory(STATIC, "index.html")

    @blueprint.route("/static/<path:name>")
    def static(name: str) -> Response:
        return send_from_directory(STATIC, name)

    @blueprint.route("/_ui/users")
    def users() -> Response:
        workspace.learn_users()  # people the app added since the page was last loaded
        with workspace.lock:
            people = [{"id": u.id, "name": u.name, "real_name": u.real_name, "is_admin": u.is_admin}
                      for u in workspace.users.values() if not u.is_bot]
        return _json(people)

    @blueprint.route("/_ui/state")
    def state() -> Response:
        user_id = request.args.get("user", "")
        since = int(request.args.get("since", "-1"))
        with workspace.changed:
            if since == workspace.version:
                workspace.changed.wait(LONG_POLL_SECONDS)
            user = workspace.users.get(user_id)
            if user is None:
                return _json({"error": "unknown user"}, 404)
            conversation_id = request.args.get("conv") or ""
            channel: Channel | None = workspace.channels.get(conversation_id)
            visible = channel is not None and (not channel.is_private or user.id in channel.members)
            stack = workspace.modals.get(user.id) or []
            body = {
                "version": workspace.version,
                "user": {"id": user.id, "name": user.name, "real_name": user.real_name},
                "users": {u.id: u.name for u in workspace.users.values()},
                "channels": {c.id: c.name for c in workspace.channels.values() if not c.is_im},
                "home": _view(workspace.homes.get(user.id)),
                "modal": _view(stack[-1], len(stack)) if stack else None,
                "conversations": _conversations(workspace, user.id),
                "messages": [_message(workspace, m) for m in workspace.visible_messages(channel.id, user.id)]
                if channel is not None and visible else [],
            }
        return _json(body)

    def _perform(action: Any) -> Response:
        try:
            return _outcome(action())
        except (InteractionError, ApiError, KeyError) as error:
            return _json({"ok": False, "error": str(error)}, 400)

    @blueprint.route("/_ui/home", methods=["POST"])
    def home() -> Response:
        data = request.get_json(force=True)
        return _perform(lambda: interactions.open_home(data["user"]))

    @blueprint.route("/_ui/act", methods=["POST"])
    def act() -> Response:
        data = request.get_json(force=True)
        target = Target(view_id=data.get("view_id"), channel_id=data.get("channel"), message_ts=data.get("ts"))
        return _perform(lambda: interactions.act(data["user"], target, data["block_id"], data["action_id"],
                                                 data.get("value")))

    @blueprint.route("/_ui/upload", methods=["POST"])
    def upload() -> Response:
        form = request.form
        ids = [interactions.upload_file(form["user"], f.filename or "upload", f.read(),
                                        f.mimetype or "application/octet-stream").id
               for f in request.files.getlist("files")]
        target = Target(view_id=form["view_id"])
        return _perform(lambda: interactions.act(form["user"], target, form["block_id"], form["action_id"], ids))

    @blueprint.route("/_ui/submit", methods=["POST"])
    def submit() -> Response:
        data = request.get_json(force=True)
        return _perform(lambda: interactions.submit(data["user"]))

    @blueprint.route("/_ui/close", methods=["POST"])
    def close() -> Response:
        data = request.get_json(force=True)
        return _perform(lambda: interactions.close(data["user"]))

    @blueprint.route("/_ui/send", methods=["POST"])
    def send() -> Response:
        data = request.get_json(force=True)
        user_id, channel_id, text = data["user"], data["channel"], str(data.get("text", "")).strip()
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            return _perform(lambda: interactions.slash(user_id, channel_id, command, rest))
        try:
            interactions.post_user_message(user_id, channel_id, text)
        except InteractionError as error:
            return _json({"ok": False, "error": str(error)}, 400)
        return _json({"ok": True})

    @blueprint.route("/_ui/files/<file_id>")
    def file(file_id: str) -> Response:
        with workspace.lock:
            stored = workspace.files.get(file_id)
            if stored is None or not stored.uploaded:
                abort(404)
            return Response(stored.content, mimetype=stored.mimetype)

    return blueprint
