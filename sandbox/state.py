"""The sandbox workspace: team, users, channels, messages, views and files, behind one lock."""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sandbox.clock import Clock

TEAM_ID = "T0TUTTI001"
TEAM_DOMAIN = "tutti-sandbox"
TEAM_NAME = "Tutti Sandbox"
BOT_USER_ID = "UTUTTIBOT1"
BOT_ID = "BTUTTIBOT1"
APP_ID = "ATUTTI0001"
BOT_NAME = "tutti"
ADMIN_USER_ID = "UADMIN0001"
MODAL_STACK_LIMIT = 3
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
ID_CLOCK_EPOCH = 1_704_067_200  # 2024-01-01 UTC: ids that never repeat count milliseconds from here

log = logging.getLogger(__name__)

#: Where a workspace learns people it has not met: every person who should be a member (see learn_users).
Directory = Callable[[], Iterable["User"]]


@dataclass
class User:
    """A member of the workspace (a person or the app's bot user)."""

    id: str
    name: str
    real_name: str
    email: str = ""
    tz: str = "America/New_York"
    is_admin: bool = False
    is_bot: bool = False
    bot_id: str | None = None

    def to_slack(self) -> dict[str, Any]:
        """The user object as users.info returns it."""
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
            "team": TEAM_ID,
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = APP_ID
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "deleted": False,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz,
            "tz_offset": 0,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": self.is_admin,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 0,
        }


@dataclass
class Channel:
    """A public or private channel, or a DM between the bot and one user (is_im)."""

    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: str = ""
    purpose: str = ""
    is_archived: bool = False

    def to_slack(self, member_count: bool = True) -> dict[str, Any]:
        """The conversation object as conversations.info returns it."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_member": BOT_USER_ID in self.members,
            "created": self.created,
            "creator": self.creator,
            "unlinked": 0,
            "topic": {"value": self.topic, "creator": self.creator if self.topic else "", "last_set": 0},
            "purpose": {"value": self.purpose, "creator": self.creator if self.purpose else "", "last_set": 0},
            "previous_names": [],
        }
        if member_count:
            data["num_members"] = len(self.members)
        return data


@dataclass
class Message:
    """A message in a conversation; ephemeral ones are seen by one user only."""

    ts: str
    channel: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    bot_id: str | None = None
    thread_ts: str | None = None
    edited: dict[str, str] | None = None
    deleted: bool = False
    ephemeral_to: str | None = None
    files: list[str] = field(default_factory=list)

    def to_slack(self, files: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
        """The message object as Slack returns it in API answers and payloads."""
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "text": self.text}
        if self.user:
            data["user"] = self.user
        if self.bot_id:
            data["bot_id"] = self.bot_id
            data["app_id"] = APP_ID
        if self.blocks:
            data["blocks"] = copy.deepcopy(self.blocks)
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.edited:
            data["edited"] = dict(self.edited)
        file_list = list(files)
        if file_list:
            data["files"] = file_list
            data["upload"] = False
        data["team"] = TEAM_ID
        return data


@dataclass
class View:
    """A modal or a Home tab as it is stored for one user."""

    id: str
    type: str
    user_id: str
    blocks: list[dict[str, Any]]
    title: dict[str, Any] | None = None
    close: dict[str, Any] | None = None
    submit: dict[str, Any] | None = None
    private_metadata: str = ""
    callback_id: str = ""
    external_id: str = ""
    hash: str = ""
    clear_on_close: bool = False
    notify_on_close: bool = False
    submit_disabled: bool = False
    root_view_id: str | None = None
    previous_view_id: str | None = None
    state: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""

    def to_slack(self) -> dict[str, Any]:
        """The view object as views.* methods and interaction payloads carry it."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": copy.deepcopy(self.blocks),
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": copy.deepcopy(self.state)},
            "hash": self.hash,
            "title": copy.deepcopy(self.title) if self.title else {"type": "plain_text", "text": "View Title"},
            "clear_on_close": self.clear_on_close,
            "notify_on_close": self.notify_on_close,
            "close": copy.deepcopy(self.close),
            "submit": copy.deepcopy(self.submit),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id or self.id,
            "app_id": APP_ID,
            "external_id": self.external_id,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }


@dataclass
class File:
    """An uploaded file: by the app (files.getUploadURLExternal) or by a user (file_input)."""

    id: str
    name: str
    user: str
    created: int
    title: str = ""
    mimetype: str = "application/octet-stream"
    content: bytes = b""
    expected_length: int | None = None
    uploaded: bool = False
    completed: bool = False
    channels: list[str] = field(default_factory=list)

    @property
    def filetype(self) -> str:
        """Slack's short file type: the extension, lower-case."""
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else "binary"

    def to_slack(self, base_url: str) -> dict[str, Any]:
        """The file object as files.info returns it."""
        url = f"{base_url.rstrip('/')}/files-pri/{TEAM_ID}-{self.id}/{self.name}"
        return {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": TEAM_ID,
            "editable": False,
            "size": len(self.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": url,
            "url_private_download": url + "?download=1",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{self.user}/{self.id}/{self.name}",
            "channels": list(self.channels),
            "groups": [],
            "ims": [],
            "comments_count": 0,
        }


class Workspace:
    """All sandbox state, guarded by one re-entrant lock; callers hold `lock` while they read or write."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.directory: Directory | None = None
        self._id_floor = 0
        self._counters: dict[str, int] = {}
        self.reset()

    def reset(self) -> None:
        """Forget everything and seed the bot user and the admin."""
        with self.lock:
            self.users: dict[str, User] = {}
            self.channels: dict[str, Channel] = {}
            self.messages: dict[str, list[Message]] = {}
            self.homes: dict[str, View] = {}
            self.modals: dict[str, list[View]] = {}
            self.files: dict[str, File] = {}
            self.version = 0
            if not self._id_floor:  # a workspace whose ids never repeat keeps counting across resets
                self._counters = {}
            self._last_ts = 0.0
            self.users[BOT_USER_ID] = User(
                id=BOT_USER_ID, name=BOT_NAME, real_name="Tutti", is_bot=True, bot_id=BOT_ID
            )
            self.seed_users([default_admin()])
            self.touch()

    def touch(self) -> None:
        """Note a visible change so polling UIs and waiting drivers wake up."""
        with self.lock:
            self.version += 1
            self.changed.notify_all()

    def seed_users(self, users: Iterable[User]) -> None:
        """Add (or replace) workspace members."""
        with self.lock:
            for user in users:
                self.users[user.id] = copy.copy(user)
            self.touch()

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as C0000000003."""
        with self.lock:
            count = max(self._counters.get(prefix, 0), self._id_floor) + 1
            self._counters[prefix] = count
            return f"{prefix}{count:010d}"

    def never_reuse_ids(self) -> None:
        """From now on, ids never repeat one issued before, even by a run whose saved state was lost.

        Counters continue from the later of what they were and the current time in milliseconds since
        2024, and survive reset(). A run issuing fewer than a thousand ids per second of its life
        therefore cannot reach the ids a later start begins with; the counters a saved state carries
        cover the rest. In-memory workspaces (tests) keep counting from 1.
        """
        with self.lock:
            self._id_floor = max(self._id_floor, int((time.time() - ID_CLOCK_EPOCH) * 1000))

    def sequences(self) -> dict[str, object]:
        """The id counters and the last message ts, as saved state carries them."""
        with self.lock:
            return {"counters": dict(self._counters), "last_ts": self._last_ts}

    def restore_sequences(self, counters: dict[str, int], last_ts: float) -> None:
        """Continue ids and timestamps from saved state (never going back)."""
        with self.lock:
            for prefix, count in counters.items():
                self._counters[prefix] = max(self._counters.get(prefix, 0), int(count))
            self._last_ts = max(self._last_ts, float(last_ts))

    def learn_users(self) -> int:
        """Add the directory's people who are not members yet; how many were added.

        Never overwrites a member: the workspace is the truth about a person's profile. Call it without
        holding `lock`, since the directory may be slow (it reads the app's database in `make dev`).
        """
        if self.directory is None:
            return 0
        try:
            people = list(self.directory())
        except Exception:  # the directory is someone else's code: a failed lookup must not fail the call
            log.warning("Slack sandbox: could not read the user directory", exc_info=True)
            return 0
        with self.lock:
            new = [p for p in people if p.id not in self.users]
            if new:
                self.seed_users(new)
            return len(new)

    def learn_unknown(self, refs: Iterable[str]) -> None:
        """Ask the directory once if any of these references is a user id the workspace does not know."""
        if self.directory is None:
            return
        with self.lock:
            unknown = [r for r in refs if USER_ID.fullmatch(r) and r not in self.users]
        if unknown:
            self.learn_users()

    def next_ts(self) -> str:
        """A message timestamp, unique and increasing, as Slack formats them."""
        with self.lock:
            now = max(self.clock.now(), self._last_ts + 0.000001)
            self._last_ts = now
            return f"{now:.6f}"

    def now(self) -> int:
        """Sandbox time in whole seconds."""
        return int(self.clock.now())

    # -- lookups -------------------------------------------------------------------------

    def find_user(self, key: str) -> User | None:
        """A user by id, name or email."""
        with self.lock:
            if key in self.users:
                return self.users[key]
            lowered = key.lower().lstrip("@")
            for user in self.users.values():
                if lowered in (user.name.lower(), user.email.lower()):
                    return user
            return None

    def channel_by_name(self, name: str) -> Channel | None:
        """A channel by name, with or without the leading '#'."""
        wanted = name.lstrip("#")
        with self.lock:
            for channel in self.channels.values():
                if not channel.is_im and channel.name == wanted:
                    return channel
            return None

    def im_with(self, user_id: str, create: bool = True) -> Channel | None:
        """The bot's DM with a user, opened on first use."""
        with self.lock:
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel
            if not create:
                return None
            channel = Channel(
                id=self.new_id("D"),
                name=user_id,
                creator=BOT_USER_ID,
                created=self.now(),
                is_private=True,
                is_im=True,
                im_user=user_id,
                members=[BOT_USER_ID, user_id],
            )
            self.channels[channel.id] = channel
            self.messages[channel.id] = []
            self.touch()
            return channel

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        """A live (not deleted) message by channel and ts."""
        with self.lock:
            for message in self.messages.get(channel_id, []):
                if message.ts == ts and not message.deleted:
                    return message
            return None

    def add_message(self, message: Message) -> Message:
        """Append a message to its conversation."""
        with self.lock:
            self.messages.setdefault(message.channel, []).append(message)
            self.touch()
            return message

    def visible_messages(self, channel_id: str, user_id: str) -> list[Message]:
        """Messages of a conversation as one user sees them (own ephemerals included)."""
        with self.lock:
            return [
                m
                for m in self.messages.get(channel_id, [])
                if not m.deleted and (m.ephemeral_to is None or m.ephemeral_to == user_id)
            ]

    def find_view(self, view_id: str = "", external_id: str = "") -> View | None:
        """A modal (anywhere on any user's stack) or Home view by id or external_id."""
        with self.lock:
            candidates: list[View] = list(self.homes.values())
            for stack in self.modals.values():
                candidates.extend(stack)
            for view in candidates:
                if view_id and view.id == view_id:
                    return view
                if external_id and view.external_id == external_id:
                    return view
            return None

    def modal_stack(self, user_id: str) -> list[View]:
        """The user's open modals, bottom first (empty when none is open)."""
        with self.lock:
            return self.modals.setdefault(user_id, [])

    def top_modal(self, user_id: str) -> View | None:
        """The modal the user is looking at, if any."""
        stack = self.modal_stack(user_id)
        return stack[-1] if stack else None

    def file_objects(self, file_ids: Iterable[str], base_url: str) -> list[dict[str, Any]]:
        """File objects for ids that exist."""
        with self.lock:
            return [self.files[f].to_slack(base_url) for f in file_ids if f in self.files]


def default_admin() -> User:
    """The workspace admin every fresh sandbox has."""
    return User(
        id=ADMIN_USER_ID,
        name="admin",
        real_name="Ada Admin",
        email="admin@example.org",
        tz="Europe/London",
        is_admin=True,
    )
