"""What a person does in Slack (open Home, press, type, submit, close, slash) and its effect."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox import blockkit, payloads
from sandbox.delivery import MODAL_TROUBLE, AppAnswer, Delivery
from sandbox.elements import Located, action_entry, find_option, iter_elements, state_key
from sandbox.errors import ApiError
from sandbox.methods import chat
from sandbox.methods.views import new_modal, replace_view
from sandbox.slack import FakeSlack, ResponseUrlTarget
from sandbox.state import MODAL_STACK_LIMIT, File, Message, User, View

SLACKBOT = "USLACKBOT"


class InteractionError(Exception):
    """The person cannot do that here (no such element, no modal open, unknown option...)."""


@dataclass
class Target:
    """Where an element lives: a view (modal or Home) or a message."""

    view_id: str | None = None
    channel_id: str | None = None
    message_ts: str | None = None


@dataclass
class Outcome:
    """What the person noticed: whether it worked, Slack's error if not, and any replies."""

    ok: bool
    error: str | None = None
    answer: AppAnswer | None = None
    replies: list[Message] = field(default_factory=list)


def _outcome(answer: AppAnswer) -> Outcome:
    return Outcome(ok=answer.acked, error=answer.error, answer=answer)


class Interactions:
    """Performs people's actions against a FakeSlack and delivers them to the app."""

    def __init__(self, slack: FakeSlack, delivery: Delivery | None = None) -> None:
        self.slack = slack
        self.workspace = slack.workspace
        self.delivery = delivery or Delivery(slack)

    def _user(self, user_id: str) -> User:
        user = self.workspace.find_user(user_id)
        if user is None:
            raise InteractionError(f"no such user: {user_id}")
        return user

    # -- Home ----------------------------------------------------------------------------

    def open_home(self, user_id: str) -> Outcome:
        """The person opens the app's Home tab: app_home_opened goes to the app."""
        with self.workspace.lock:
            user = self._user(user_id)
            dm = self.workspace.im_with(user.id)
            assert dm is not None
            event = payloads.app_home_opened(user, dm.id, self.workspace.homes.get(user.id),
                                             self.workspace.next_ts())
            envelope = payloads.event_envelope(event, self.workspace.now())
        return _outcome(self.delivery.event(envelope))

    # -- elements ------------------------------------------------------------------------

    def _surface(self, user: User, target: Target) -> tuple[View | None, Message | None]:
        if target.view_id:
            view = self.workspace.find_view(view_id=target.view_id)
            if view is None or view.user_id != user.id:
                raise InteractionError(f"{user.name} cannot see view {target.view_id}")
            return view, None
        message = self.workspace.find_message(target.channel_id or "", target.message_ts or "")
        if message is None or (message.ephemeral_to not in (None, user.id)):
            raise InteractionError(f"{user.name} cannot see message {target.message_ts}")
        return None, message

    @staticmethod
    def _locate(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> Located:
        for found in iter_elements(blocks):
            if found.block_id == block_id and (not action_id or found.action_id == action_id):
                return found
        raise InteractionError(f"no element {block_id}/{action_id}")

    def act(self, user_id: str, target: Target, block_id: str, action_id: str, value: Any = None) -> Outcome:
        """The person presses a button, picks an option, types or uploads into one element."""
        with self.workspace.lock:
            user = self._user(user_id)
            view, message = self._surface(user, target)
            blocks = view.blocks if view is not None else message.blocks  # type: ignore[union-attr]
            found = self._locate(blocks, block_id, action_id)
            entry = self._state_entry(found.element, value)
            if view is not None and entry is not None and state_key(entry["type"]):
                view.state.setdefault(found.block_id, {})[found.action_id] = entry
                view.errors.pop(found.block_id, None)  # Slack clears an input's error as it is edited
                self.workspace.touch()
            dispatches = found.where != "input" or bool(found.block.get("dispatch_action"))
            if not dispatches:
                return Outcome(ok=True)
            response_url = None
            channel_json = None
            message_json = None
            if message is not None:
                channel = self.workspace.channels[message.channel]
                channel_json = {"id": channel.id, "name": channel.name if not channel.is_im else "directmessage"}
                message_json = chat.message_json(self.slack, message)
                response_url = self.slack.new_response_url(
                    ResponseUrlTarget(channel_id=channel.id, user_id=user.id, message_ts=message.ts))

        def build() -> dict[str, Any]:
            with self.workspace.lock:
                action = action_entry(found, entry, self.workspace.next_ts())
                return payloads.block_actions(
                    user, self.slack.triggers.issue(user.id), [action], view=view, message=message_json,
                    channel=channel_json, response_url=response_url,
                    is_ephemeral=message is not None and message.ephemeral_to is not None,
                )

        return _outcome(self.delivery.interaction(build))

    def _state_entry(self, element: dict[str, Any], value: Any) -> dict[str, Any] | None:
        """The state/actions value an element takes when the person gives it `value`."""
        kind = str(element.get("type"))
        if kind == "button":
            return None
        if kind == "overflow":
            option = find_option(element, str(value))
            if option is None:
                raise InteractionError(f"no option {value!r}")
            return {"type": kind, "selected_option": copy.deepcopy(option)}
        key = state_key(kind)
        if key is None:
            return {"type": kind}
        if key == "selected_option":
            option = None if value is None else find_option(element, str(value))
            if value is not None and option is None:
                raise InteractionError(f"no option {value!r}")
            return {"type": kind, key: copy.deepcopy(option)}
        if key == "selected_options":
            options = []
            for item in _as_list(value):
                option = find_option(element, str(item))
                if option is None:
                    raise InteractionError(f"no option {item!r}")
                options.append(copy.deepcopy(option))
            return {"type": kind, key: options}
        if key in ("selected_user", "selected_users"):
            ids = [self._user(str(v)).id for v in _as_list(value)]
            return {"type": kind, key: ids if key == "selected_users" else (ids[0] if ids else None)}
        if key == "files":
            with self.workspace.lock:
                files = [self.workspace.files[f].to_slack(self.slack.config.root_url) for f in _as_list(value)]
            return {"type": kind, key: files}
        if key.endswith("s") and key != "value":
            return {"type": kind, key: [str(v) for v in _as_list(value)]}
        return {"type": kind, key: None if value is None else str(value)}

    def upload_file(self, user_id: str, name: str, content: bytes, mimetype: str) -> File:
        """A file the person uploads (into a file_input), owned by them."""
        with self.workspace.lock:
            user = self._user(user_id)
            file = File(id=self.workspace.new_id("F"), name=name, user=user.id, created=self.workspace.now(),
                        mimetype=mimetype, content=content, uploaded=True, completed=True)
            self.workspace.files[file.id] = file
            return file

    # -- modals --------------------------------------------------------------------------

    def submit(self, user_id: str) -> Outcome:
        """The person presses the modal's submit button: view_submission and its response_action."""
        with self.workspace.lock:
            user = self._user(user_id)
            view = self.workspace.top_modal(user.id)
            if view is None:
                raise InteractionError(f"{user.name} has no modal open")
            if view.submit is None:
                raise InteractionError("this modal has no submit button")

        def build() -> dict[str, Any]:
            with self.workspace.lock:
                return payloads.view_submission(user, view, self.slack.triggers.issue(user.id))

        answer = self.delivery.interaction(build)
        with self.workspace.lock:
            if not answer.acked:
                view.notice = MODAL_TROUBLE
                self.workspace.touch()
                return Outcome(ok=False, error=MODAL_TROUBLE if answer.timed_out else answer.error, answer=answer)
            view.notice = ""
            error = self._apply_response_action(user, view, answer.json() or {})
            self.workspace.touch()
            return Outcome(ok=error is None, error=error, answer=answer)

    def _apply_response_action(self, user: User, view: View, body: dict[str, Any]) -> str | None:
        stack = self.workspace.modal_stack(user.id)
        action = body.get("response_action")
        if action is None:
            if view in stack:
                stack.remove(view)
            return None
        if action == "errors":
            errors = body.get("errors") or {}
            input_ids = {b.get("block_id") for b in view.blocks if b.get("type") == "input"}
            unknown = [k for k in errors if k not in input_ids]
            if unknown:
                view.notice = MODAL_TROUBLE
                return f"response_action errors name blocks that are not input blocks: {unknown}"
            view.errors = {str(k): str(v) for k, v in errors.items()}
            return None
        if action == "clear":
            stack.clear()
            return None
        if action in ("update", "push"):
            spec = body.get("view")
            problems = blockkit.validate_view(spec)
            if not problems and (spec or {}).get("type") != "modal":
                problems = ["[ERROR] must be modal [json-pointer:/view/type]"]
            if problems:
                view.notice = MODAL_TROUBLE
                return "; ".join(problems)
            assert isinstance(spec, dict)
            if action == "update":
                replace_view(self.slack, view, spec)
            elif len(stack) >= MODAL_STACK_LIMIT:
                view.notice = MODAL_TROUBLE
                return "push_limit_reached"
            else:
                stack.append(new_modal(self.slack, user.id, spec, below=view))
            return None
        view.notice = MODAL_TROUBLE
        return f"unknown response_action: {action}"

    def close(self, user_id: str) -> Outcome:
        """The person closes the top modal (or all of them, with clear_on_close)."""
        with self.workspace.lock:
            user = self._user(user_id)
            stack = self.workspace.modal_stack(user.id)
            if not stack:
                raise InteractionError(f"{user.name} has no modal open")
            view = stack[-1]
            cleared = view.clear_on_close and len(stack) > 1
            if view.clear_on_close:
                stack.clear()
            else:
                stack.pop()
            self.workspace.touch()
            if not view.notify_on_close:
                return Outcome(ok=True)
            payload = payloads.view_closed(user, view, cleared)
        return _outcome(self.delivery.interaction(lambda: payload))

    # -- messages and slash commands -----------------------------------------------------

    def post_user_message(self, user_id: str, channel_id: str, text: str) -> Message:
        """The person writes a plain message in a conversation they belong to."""
        with self.workspace.lock:
            user = self._user(user_id)
            channel = self.workspace.channels.get(channel_id)
            if channel is None or user.id not in channel.members:
                raise InteractionError(f"{user.name} is not in {channel_id}")
            if channel.is_archived:
                raise InteractionError("the channel is archived")
            return self.workspace.add_message(
                Message(ts=self.workspace.next_ts(), channel=channel.id, text=text, user=user.id))

    def slash(self, user_id: str, channel_id: str, command: str, text: str) -> Outcome:
        """The person runs a slash command; the app's immediate answer becomes a reply."""
        with self.workspace.lock:
            user = self._user(user_id)
            channel = self.workspace.channels.get(channel_id)
            if channel is None:
                raise InteractionError(f"no conversation {channel_id}")
            response_url = self.slack.new_response_url(ResponseUrlTarget(channel_id=channel.id, user_id=user.id))
            form = payloads.slash_command(user, command, text, channel.id,
                                          "directmessage" if channel.is_im else channel.name,
                                          self.slack.triggers.issue(user.id), response_url)
        answer = self.delivery.command(form)
        with self.workspace.lock:
            if not answer.acked:
                reason = "operation_timeout" if answer.timed_out else "dispatch_failed"
                note = self.workspace.add_message(Message(
                    ts=self.workspace.next_ts(), channel=channel.id, user=SLACKBOT,
                    text=f'{command} failed with the error "{reason}"', ephemeral_to=user.id))
                return Outcome(ok=False, error=note.text, answer=answer, replies=[note])
            body = answer.json()
            if body is None and answer.body.strip():
                body = {"text": answer.body}
            if not body:
                return Outcome(ok=True, answer=answer)
            try:
                reply = self.respond(ResponseUrlTarget(channel_id=channel.id, user_id=user.id), body)
            except ApiError as error:
                return Outcome(ok=False, error=error.code, answer=answer)
            return Outcome(ok=True, answer=answer, replies=[reply] if reply else [])

    def respond(self, target: ResponseUrlTarget, body: dict[str, Any]) -> Message | None:
        """Apply a slash-command answer or a response_url POST: replace, delete, or post a reply."""
        with self.workspace.lock:
            channel = self.workspace.channels[target.channel_id]
            original = (self.workspace.find_message(channel.id, target.message_ts)
                        if target.message_ts else None)
            if _truthy(body.get("delete_original")):
                if original is not None:
                    original.deleted = True
                    self.workspace.touch()
                return None
            text, blocks = str(body.get("text") or ""), body.get("blocks")
            chat.checked_content(text, blocks, require=not body.get("attachments"))
            if _truthy(body.get("replace_original")) and original is not None:
                original.text = text
                original.blocks = chat.checked_content(text, blocks, require=False)
                original.edited = {"user": original.user or "", "ts": self.workspace.next_ts()}
                self.workspace.touch()
                return original
            ephemeral_to = None if body.get("response_type") == "in_channel" else target.user_id
            return chat.bot_message(self.slack, channel, text, blocks, thread_ts=body.get("thread_ts"),
                                    ephemeral_to=ephemeral_to)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return list(value)
    return [value]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def file_ids(files: Iterable[File]) -> list[str]:
    """Ids of uploaded files, for act() on a file_input."""
    return [f.id for f in files]
