"""A Python driver that uses the sandbox the way a person uses Slack ("as alice, click 'Open task'")."""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sandbox import finder
from sandbox.elements import Located
from sandbox.faults import Faults
from sandbox.interactions import InteractionError, Interactions, Outcome, Target
from sandbox.recorder import ApiCall
from sandbox.render import blocks_text, mrkdwn_text
from sandbox.sample_users import sample_users
from sandbox.server import RunningSandbox, start_sandbox
from sandbox.slack import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET
from sandbox.state import BOT_USER_ID, Channel, Message, User, View, Workspace

T = TypeVar("T")
WAIT_SECONDS = 10.0
QUIET_SECONDS = 0.15


class DriverError(AssertionError):
    """The person could not do what the test asked (nothing to click, no such field...)."""


@dataclass(frozen=True)
class MessageView:
    """A message as a person sees it."""

    ts: str
    channel: str
    text: str
    author: str
    is_bot: bool
    ephemeral: bool
    edited: bool
    blocks: list[dict[str, Any]]
    files: list[str]
    thread_ts: str | None = None


@dataclass(frozen=True)
class ViewSnapshot:
    """A modal or the Home tab as a person sees it, with errors shown under inputs."""

    id: str
    type: str
    title: str
    text: str
    blocks: list[dict[str, Any]]
    errors: dict[str, str]
    notice: str
    callback_id: str
    private_metadata: str
    state: dict[str, Any]
    depth: int = 0

    def __contains__(self, text: str) -> bool:
        return text in self.text


@dataclass(frozen=True)
class ChannelInfo:
    """What a person can read about a channel."""

    id: str
    name: str
    is_private: bool
    is_archived: bool
    members: list[str]
    member_names: list[str]
    topic: str
    purpose: str


@dataclass
class Sandbox:
    """Test-side handle on a running sandbox."""

    running: RunningSandbox
    wait_seconds: float = WAIT_SECONDS
    _sessions: dict[str, UserSession] = field(default_factory=dict)

    @classmethod
    def start(cls, app_request_url: str | None = None, signing_secret: str = DEFAULT_SIGNING_SECRET,
              bot_token: str = DEFAULT_BOT_TOKEN, seed_samples: bool = True) -> Sandbox:
        """Serve a sandbox on 127.0.0.1 on a free port."""
        sandbox = cls(start_sandbox(app_request_url, signing_secret=signing_secret, bot_token=bot_token))
        if seed_samples:
            sandbox.seed_users(sample_users())
        return sandbox

    def stop(self) -> None:
        """Stop the server."""
        self.running.stop()

    # -- configuration -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For WebClient(base_url=...)."""
        return self.running.base_url

    @property
    def ui_url(self) -> str:
        """The browser UI."""
        return self.running.ui_url

    @property
    def bot_token(self) -> str:
        """The token the app must present."""
        return self.running.slack.config.bot_token

    @property
    def signing_secret(self) -> str:
        """The secret deliveries are signed with."""
        return self.running.slack.config.signing_secret

    @property
    def app_request_url(self) -> str | None:
        """Where events, interactions and commands are delivered."""
        return self.running.slack.config.app_request_url

    @app_request_url.setter
    def app_request_url(self, url: str | None) -> None:
        self.running.slack.config.app_request_url = url

    @property
    def ack_timeout(self) -> float:
        """How long the sandbox waits for the app's ack (Slack: 3 s)."""
        return self.running.slack.config.ack_timeout

    @ack_timeout.setter
    def ack_timeout(self, seconds: float) -> None:
        self.running.slack.config.ack_timeout = seconds

    @property
    def workspace(self) -> Workspace:
        """The raw state, for assertions the driver does not cover."""
        return self.running.slack.workspace

    @property
    def interactions(self) -> Interactions:
        """The action layer shared with the browser UI."""
        return self.running.interactions

    @property
    def faults(self) -> Faults:
        """Fault injection (rate_limit, fail, delay, duplicate_next, sign_with_wrong_secret)."""
        return self.running.slack.faults

    #: Whether open_home() should wait for the app to publish Home (the product does; some test apps don't).
    expects_home_publish: bool = False
    #: Optional probe the test provides: True when the app has no listener work in flight.
    app_idle: Callable[[], bool] | None = None

    def reset(self, seed_samples: bool = True) -> None:
        """A fresh workspace (admin and, by default, the sample workers)."""
        self.running.slack.reset()
        self._sessions.clear()
        if seed_samples:
            self.seed_users(sample_users())

    def seed_users(self, users: Iterable[User]) -> None:
        """Add workspace members."""
        self.workspace.seed_users(users)

    def trigger_id(self, user: str) -> str:
        """A fresh trigger id as if `user` had just interacted (for calling views.open directly)."""
        return self.running.slack.triggers.issue(self.user(user).id)

    def advance_time(self, seconds: float) -> None:
        """Move the sandbox clock (expires trigger ids without sleeping)."""
        self.running.slack.clock.advance(seconds)

    # -- people and places ---------------------------------------------------------------

    def user(self, key: str) -> User:
        """A user by id, name or email."""
        user = self.workspace.find_user(key)
        if user is None:
            raise DriverError(f"no user {key!r} in the sandbox")
        return user

    def as_user(self, key: str) -> UserSession:
        """Act as a person, by id, name or email."""
        user = self.user(key)
        if user.id not in self._sessions:
            self._sessions[user.id] = UserSession(self, user)
        return self._sessions[user.id]

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Every Web API call the app made (optionally of one method), oldest first."""
        return self.running.slack.recorder.calls(method)

    def find_channel(self, ref: str) -> Channel:
        """A conversation by '#name', name or id."""
        with self.workspace.lock:
            channel = self.workspace.channel_by_name(ref) or self.workspace.channels.get(ref)
            if channel is None:
                raise DriverError(f"no channel {ref!r}")
            return channel

    def channel(self, ref: str) -> ChannelInfo:
        """Name, privacy, archived flag, members, topic and purpose of a channel."""
        with self.workspace.lock:
            channel = self.find_channel(ref)
            names = [self.workspace.users[m].name for m in channel.members if m in self.workspace.users]
            return ChannelInfo(id=channel.id, name=channel.name, is_private=channel.is_private,
                               is_archived=channel.is_archived, members=list(channel.members),
                               member_names=names, topic=channel.topic, purpose=channel.purpose)

    def create_channel(self, name: str, members: Iterable[str] = (), is_private: bool = False,
                       bot_member: bool = True) -> ChannelInfo:
        """A channel created by a person (the admin), for test set-up."""
        with self.workspace.lock:
            ids = [self.user(m).id for m in members]
            if bot_member:
                ids.append(BOT_USER_ID)
            channel = Channel(id=self.workspace.new_id("C"), name=name.lstrip("#"), creator="UADMIN0001",
                              created=self.workspace.now(), is_private=is_private, members=ids)
            self.workspace.channels[channel.id] = channel
            self.workspace.messages[channel.id] = []
            self.workspace.touch()
        return self.channel(channel.id)

    # -- waiting -------------------------------------------------------------------------

    def settle(self, quiet: float = QUIET_SECONDS, timeout: float | None = None) -> None:
        """Wait until the app has made no Web API call for `quiet` seconds (its after-ack work is done).

        If the test told the sandbox how to ask the app whether it is idle (`app_idle`), wait for that too:
        an app that acks first may still be working on something it has not yet told Slack about.
        """
        recorder = self.running.slack.recorder
        deadline = time.monotonic() + (timeout or self.wait_seconds)
        while time.monotonic() < deadline:
            quiet_enough = recorder.in_flight == 0 and time.monotonic() - recorder.last_activity >= quiet
            if quiet_enough and (self.app_idle is None or self.app_idle()):
                return
            time.sleep(0.02)

    def wait_for(self, probe: Callable[[], T | None], what: str, timeout: float | None = None) -> T:
        """Poll `probe` until it returns something truthy; DriverError naming `what` otherwise."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.wait_seconds)
        last_error: Exception | None = None
        while True:
            try:
                result = probe()
                if result:
                    return result
            except (DriverError, InteractionError) as error:
                last_error = error
            if time.monotonic() >= deadline:
                detail = f" ({last_error})" if last_error else ""
                raise DriverError(f"gave up waiting for {what}{detail}")
            with self.workspace.changed:
                self.workspace.changed.wait(0.05)

    # -- rendering helpers ---------------------------------------------------------------

    def _user_name(self, user_id: str) -> str | None:
        user = self.workspace.users.get(user_id)
        return user.name if user else None

    def _channel_name(self, channel_id: str) -> str | None:
        channel = self.workspace.channels.get(channel_id)
        return channel.name if channel else None

    def render_blocks(self, blocks: list[dict[str, Any]]) -> str:
        """Visible text of blocks."""
        return blocks_text(blocks, self._user_name, self._channel_name)

    def message_view(self, message: Message) -> MessageView:
        """A stored message as a person reads it."""
        text = self.render_blocks(message.blocks) if message.blocks else mrkdwn_text(
            message.text, self._user_name, self._channel_name)
        author = "Slackbot" if message.user == "USLACKBOT" else (self._user_name(message.user or "") or "?")
        return MessageView(ts=message.ts, channel=message.channel, text=text, author=author,
                           is_bot=message.bot_id is not None, ephemeral=message.ephemeral_to is not None,
                           edited=message.edited is not None, blocks=message.blocks, files=list(message.files),
                           thread_ts=message.thread_ts)

    def view_snapshot(self, view: View, depth: int = 0) -> ViewSnapshot:
        """A stored view as a person sees it."""
        errors = {finder.label_of(view.blocks, block_id): text for block_id, text in view.errors.items()}
        return ViewSnapshot(id=view.id, type=view.type, title=str((view.title or {}).get("text") or ""),
                            text=self.render_blocks(view.blocks), blocks=view.blocks, errors=errors,
                            notice=view.notice, callback_id=view.callback_id,
                            private_metadata=view.private_metadata, state=view.state, depth=depth)


class UserSession:
    """One person using the sandbox: Home, modals, messages, slash commands."""

    def __init__(self, sandbox: Sandbox, user: User) -> None:
        self.sandbox = sandbox
        self.user = user
        self.last_outcome: Outcome | None = None

    def __repr__(self) -> str:
        return f"<UserSession {self.user.name}>"

    @property
    def _ws(self) -> Workspace:
        return self.sandbox.workspace

    def _done(self, outcome: Outcome) -> Outcome:
        self.last_outcome = outcome
        self.sandbox.settle()
        return outcome

    # -- Home and modals -----------------------------------------------------------------

    def open_home(self, expect_publish: bool | None = None) -> Outcome:
        """Open the app's Home tab (the app gets app_home_opened) and wait for the app to publish it.

        Events are acked before the app does its work, so "quiet for a moment" is not enough on a busy
        machine: wait for the views.publish this event causes. By default that happens only for an app that
        has published this person's Home before or publishes on first open; pass False for apps that never do.
        """
        def published() -> int:
            return sum(1 for call in self.sandbox.calls("views.publish") if call.args.get("user_id") == self.user.id)

        before = published()
        outcome = self._done(self.sandbox.interactions.open_home(self.user.id))
        if expect_publish is None:
            expect_publish = self.sandbox.expects_home_publish
        if outcome.ok and expect_publish:
            deadline = time.monotonic() + self.sandbox.wait_seconds
            while published() == before and time.monotonic() < deadline:
                time.sleep(0.02)
            self.sandbox.settle()
        return outcome

    def home(self) -> ViewSnapshot | None:
        """The Home tab as last published for this person."""
        with self._ws.lock:
            view = self._ws.homes.get(self.user.id)
            return self.sandbox.view_snapshot(view) if view else None

    def modal(self) -> ViewSnapshot | None:
        """The modal on top of this person's stack, with its errors, or None."""
        with self._ws.lock:
            stack = self._ws.modals.get(self.user.id) or []
            return self.sandbox.view_snapshot(stack[-1], depth=len(stack)) if stack else None

    def wait_for_modal(self, title: str | None = None) -> ViewSnapshot:
        """Wait for a modal (with this title, if given) to be open."""
        def probe() -> ViewSnapshot | None:
            modal = self.modal()
            return modal if modal and (title is None or modal.title == title) else None
        return self.sandbox.wait_for(probe, f"a modal{' titled ' + repr(title) if title else ''}")

    def submit(self) -> Outcome:
        """Press the modal's submit button."""
        self.sandbox.wait_for(self.modal, "an open modal")
        return self._done(self.sandbox.interactions.submit(self.user.id))

    def close(self) -> Outcome:
        """Press the modal's close button."""
        self.sandbox.wait_for(self.modal, "an open modal")
        return self._done(self.sandbox.interactions.close(self.user.id))

    # -- finding things ------------------------------------------------------------------

    def _surfaces(self, within: Any) -> list[tuple[Target, list[dict[str, Any]]]]:
        """Where to look, in order: the given place, else the top modal, else Home, else DMs."""
        ws = self._ws
        with ws.lock:
            if isinstance(within, MessageView):
                message = ws.find_message(within.channel, within.ts)
                return [(Target(channel_id=within.channel, message_ts=within.ts), message.blocks)] if message else []
            if within == "home":
                home = ws.homes.get(self.user.id)
                return [(Target(view_id=home.id), home.blocks)] if home else []
            if within == "modal":
                top = ws.top_modal(self.user.id)
                return [(Target(view_id=top.id), top.blocks)] if top else []
            if isinstance(within, str):
                channel = self.sandbox.find_channel(within)
                return self._message_surfaces(channel.id)
            top = ws.top_modal(self.user.id)
            if top is not None:
                return [(Target(view_id=top.id), top.blocks)]
            found = []
            home = ws.homes.get(self.user.id)
            if home is not None:
                found.append((Target(view_id=home.id), home.blocks))
            dm = ws.im_with(self.user.id, create=False)
            if dm is not None:
                found.extend(self._message_surfaces(dm.id))
            return found

    def _message_surfaces(self, channel_id: str) -> list[tuple[Target, list[dict[str, Any]]]]:
        messages = self._ws.visible_messages(channel_id, self.user.id)
        return [(Target(channel_id=channel_id, message_ts=m.ts), m.blocks) for m in reversed(messages)]

    def _find_clickable(self, text: str, within: Any, index: int | None = None) -> tuple[Target, finder.Hit]:
        for target, blocks in self._surfaces(within):
            hits = finder.clickables(blocks, text)
            if index is not None and hits:
                if index >= len(hits):
                    raise DriverError(f"only {len(hits)} buttons read {text!r}")
                return target, hits[index]
            if len(hits) > 1:
                raise DriverError(f"{len(hits)} buttons read {text!r}; say which with within= or index=")
            if hits:
                return target, hits[0]
        raise DriverError(f"{self.user.name} sees no button or menu item {text!r}")

    def _find_field(self, label: str, within: Any) -> tuple[Target, Located]:
        for target, blocks in self._surfaces(within):
            found = finder.fields(blocks, label)
            if len(found) > 1:
                raise DriverError(f"{len(found)} fields are labelled {label!r}")
            if found:
                return target, found[0]
        raise DriverError(f"{self.user.name} sees no field labelled {label!r}")

    # -- doing things --------------------------------------------------------------------

    def click(self, text: str, within: Any = None, index: int | None = None) -> Outcome:
        """Press the button (or overflow menu item) reading `text`; `index` picks one of several, top first."""
        target, hit = self.sandbox.wait_for(lambda: self._find_clickable(text, within, index), f"a button {text!r}")
        outcome = self.sandbox.interactions.act(self.user.id, target, hit.found.block_id, hit.found.action_id,
                                                hit.value)
        return self._done(outcome)

    def _set(self, label: str, value: Any, within: Any) -> Outcome:
        target, found = self.sandbox.wait_for(lambda: self._find_field(label, within), f"a field {label!r}")
        outcome = self.sandbox.interactions.act(self.user.id, target, found.block_id, found.action_id, value)
        return self._done(outcome)

    def fill(self, label: str, text: str, within: Any = None) -> Outcome:
        """Type into a text, number, email or url input."""
        return self._set(label, text, within)

    def select(self, label: str, option: str | list[str], within: Any = None) -> Outcome:
        """Pick an option (by its text or value) in a select or radio group; a list for multi-selects."""
        return self._set(label, option, within)

    def check(self, label: str, *options: str, within: Any = None) -> Outcome:
        """Tick exactly these checkboxes (by text or value)."""
        return self._set(label, list(options), within)

    def pick_date(self, label: str, date: str, within: Any = None) -> Outcome:
        """Pick a date, given as YYYY-MM-DD."""
        return self._set(label, date, within)

    def pick_user(self, label: str, *users: str, within: Any = None) -> Outcome:
        """Pick one user (or several, for a multi-users select) by id, name or email."""
        ids = [self.sandbox.user(u).id for u in users]
        return self._set(label, ids if len(ids) != 1 else ids[0], within)

    def upload(self, label: str, *paths: str | Path, within: Any = None) -> Outcome:
        """Upload files into a file_input."""
        ids = []
        for path in paths:
            path = Path(path)
            mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            ids.append(self.sandbox.interactions.upload_file(self.user.id, path.name, path.read_bytes(), mimetype).id)
        return self._set(label, ids, within)

    # -- conversations -------------------------------------------------------------------

    def _conversation(self, ref: str | None) -> Channel:
        if ref is None:
            channel = self._ws.im_with(self.user.id)
            assert channel is not None
            return channel
        return self.sandbox.find_channel(ref)

    def messages(self, channel: str) -> list[MessageView]:
        """Messages this person sees in a channel ('#name' or id), oldest first."""
        conversation = self._conversation(channel)
        with self._ws.lock:
            if conversation.is_private and self.user.id not in conversation.members:
                raise DriverError(f"{self.user.name} cannot see {channel}")
            return [self.sandbox.message_view(m) for m in self._ws.visible_messages(conversation.id, self.user.id)]

    def last_message(self, channel: str, containing: str | None = None) -> MessageView | None:
        """The newest message this person sees in a channel; with `containing`, waits for one."""
        if containing is None:
            shown = self.messages(channel)
            return shown[-1] if shown else None

        def probe() -> MessageView | None:
            matches = [m for m in self.messages(channel) if containing in m.text]
            return matches[-1] if matches else None
        return self.sandbox.wait_for(probe, f"a message containing {containing!r} in {channel}")

    def dms(self) -> list[MessageView]:
        """The person's DM with the app, oldest first."""
        dm = self._conversation(None)
        with self._ws.lock:
            return [self.sandbox.message_view(m) for m in self._ws.visible_messages(dm.id, self.user.id)]

    def say(self, channel: str, text: str) -> MessageView:
        """Post a plain message as this person."""
        conversation = self._conversation(channel)
        return self.sandbox.message_view(
            self.sandbox.interactions.post_user_message(self.user.id, conversation.id, text))

    def slash(self, command: str, text: str = "", channel: str | None = None) -> MessageView | None:
        """Run a slash command (in the app's DM unless `channel` is given); the reply the person sees."""
        conversation = self._conversation(channel)
        before = {m.ts for m in self._ws.visible_messages(conversation.id, self.user.id)}
        outcome = self._done(self.sandbox.interactions.slash(self.user.id, conversation.id, command, text))
        if outcome.replies:
            return self.sandbox.message_view(outcome.replies[-1])
        # The app may have acked empty and answered through response_url or chat.postEphemeral.
        later = [m for m in self._ws.visible_messages(conversation.id, self.user.id)
                 if m.ts not in before and m.user != self.user.id]
        return self.sandbox.message_view(later[-1]) if later else None
