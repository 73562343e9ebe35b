"""views.open, views.push, views.update, views.publish."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox import blockkit
from sandbox.elements import initial_state, normalize_blocks
from sandbox.errors import ApiError, missing_argument
from sandbox.methods import resolve
from sandbox.methods.args import Args
from sandbox.slack import FakeSlack
from sandbox.state import MODAL_STACK_LIMIT, View


def _checked_view(args: Args, expected_type: str | None = None) -> dict[str, Any]:
    view = args.json("view")
    if view is None:
        raise missing_argument("view")
    errors = blockkit.validate_view(view)
    if not errors and expected_type and view.get("type") != expected_type:
        errors = [f"[ERROR] must be {expected_type} [json-pointer:/view/type]"]
    if errors:
        raise ApiError("invalid_arguments", errors)
    return view


def _new_hash(slack: FakeSlack) -> str:
    return f"{slack.workspace.now()}.{secrets.token_hex(4)}"


def _check_external_id(slack: FakeSlack, spec: dict[str, Any], own: View | None = None) -> None:
    external_id = spec.get("external_id") or ""
    if external_id:
        other = slack.workspace.find_view(external_id=external_id)
        if other is not None and other is not own:
            raise ApiError("duplicate_external_id")


def _fill(slack: FakeSlack, view: View, spec: dict[str, Any]) -> View:
    """Copy a view spec into a stored view, keeping entered input where ids match."""
    blocks = normalize_blocks(spec.get("blocks"))
    view.blocks = blocks
    view.title = spec.get("title")
    view.close = spec.get("close")
    view.submit = spec.get("submit")
    view.private_metadata = spec.get("private_metadata") or ""
    view.callback_id = spec.get("callback_id") or ""
    view.external_id = spec.get("external_id") or ""
    view.clear_on_close = bool(spec.get("clear_on_close"))
    view.notify_on_close = bool(spec.get("notify_on_close"))
    view.submit_disabled = bool(spec.get("submit_disabled"))
    view.state = initial_state(blocks, view.state)
    view.errors = {}
    view.notice = ""
    view.hash = _new_hash(slack)
    return view


def new_modal(slack: FakeSlack, user_id: str, spec: dict[str, Any], below: View | None = None) -> View:
    """A stored modal built from `spec`, stacked above `below` if given."""
    view = View(id=slack.workspace.new_id("V"), type="modal", user_id=user_id, blocks=[])
    if below is not None:
        view.previous_view_id = below.id
        view.root_view_id = below.root_view_id or below.id
    return _fill(slack, view, spec)


def replace_view(slack: FakeSlack, view: View, spec: dict[str, Any]) -> View:
    """Put new content into an existing view (same id, new hash)."""
    return _fill(slack, view, spec)


def open_view(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """views.open: a new modal for the user who caused the trigger."""
    trigger_id = args.required("trigger_id")
    spec = _checked_view(args, "modal")
    _check_external_id(slack, spec)
    user_id = slack.triggers.exchange(trigger_id)
    view = new_modal(slack, user_id, spec)
    slack.workspace.modals[user_id] = [view]
    slack.workspace.touch()
    return {"view": view.to_slack()}


def push_view(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """views.push: a modal on top of the user's stack (at most three deep)."""
    trigger_id = args.required("trigger_id")
    spec = _checked_view(args, "modal")
    _check_external_id(slack, spec)
    user_id = slack.triggers.exchange(trigger_id)
    stack = slack.workspace.modal_stack(user_id)
    if len(stack) >= MODAL_STACK_LIMIT:
        raise ApiError("push_limit_reached")
    view = new_modal(slack, user_id, spec, below=stack[-1] if stack else None)
    stack.append(view)
    slack.workspace.touch()
    return {"view": view.to_slack()}


def update_view(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """views.update: by view_id or external_id, refused with hash_conflict on a stale hash."""
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if not view_id and not external_id:
        raise missing_argument("view_id")
    view = slack.workspace.find_view(view_id=view_id, external_id=external_id)
    if view is None:
        raise ApiError("not_found")
    spec = _checked_view(args, view.type)
    expected_hash = args.text("hash")
    if expected_hash and expected_hash != view.hash:
        raise ApiError("hash_conflict")
    _check_external_id(slack, spec, own=view)
    replace_view(slack, view, spec)
    slack.workspace.touch()
    return {"view": view.to_slack()}


def publish_view(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """views.publish: the user's Home tab."""
    user = resolve.user(slack.workspace, args.required("user_id"))
    spec = _checked_view(args, "home")
    home = slack.workspace.homes.get(user.id)
    expected_hash = args.text("hash")
    if home is not None and expected_hash and expected_hash != home.hash:
        raise ApiError("hash_conflict")
    if home is None:
        home = View(id=slack.workspace.new_id("V"), type="home", user_id=user.id, blocks=[])
        slack.workspace.homes[user.id] = home
    _check_external_id(slack, spec, own=home)
    replace_view(slack, home, spec)
    slack.workspace.touch()
    return {"view": home.to_slack()}


METHODS = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish_view,
}
