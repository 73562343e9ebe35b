"""Keeping a sandbox's workspace on disk, so a restarted `make dev` finds its Slack as it left it.

One JSON file holds the users, channels, messages, Home tabs, file records and id counters. A background
thread rewrites it shortly after changes (a burst of changes costs one write, and an API call never waits
for one) and once more on stop; each write goes to a temporary file that is fsynced and renamed over the
old one, so a crash leaves the previous snapshot or the new one, never half of one. Uploaded bytes go once
each into a folder beside it (`sandbox-files/`), so snapshots do not grow with uploads. Open modals, trigger
ids, response URLs, faults and recorded calls are not kept: a restart is like reloading Slack.

Loading turns on Workspace.never_reuse_ids(), so ids keep increasing even when the file was lost.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import IO, Any, Literal

from sandbox.state import Channel, File, Message, User, View, Workspace

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = 1
SAVE_DELAY = 0.3  # seconds a burst of changes may last before it is written
_SAFE_FILE_ID = re.compile(r"[A-Z0-9]+")

log = logging.getLogger(__name__)

Loaded = Literal["restored", "missing", "unreadable"]


class StateUnreadable(ValueError):
    """The saved state is corrupt or in a format this sandbox does not read."""


class StateInUse(RuntimeError):
    """Another running sandbox keeps its workspace in the same file."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} is in use by another running sandbox")
        self.path = path


def snapshot(workspace: Workspace) -> dict[str, Any]:
    """The workspace as plain JSON-able data, without file contents (call holding the lock)."""
    return {
        "format": FORMAT,
        **workspace.sequences(),
        "users": [asdict(u) for u in workspace.users.values()],
        "channels": [asdict(c) for c in workspace.channels.values()],
        "messages": {cid: [asdict(m) for m in messages] for cid, messages in workspace.messages.items()},
        "homes": [asdict(v) for v in workspace.homes.values()],
        "files": [{f.name: getattr(file, f.name) for f in fields(File) if f.name != "content"}
                  for file in workspace.files.values()],
    }


def restore(workspace: Workspace, data: Any, contents: dict[str, bytes]) -> None:
    """Replace the workspace's state with a snapshot's (StateUnreadable if it does not fit)."""
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StateUnreadable(f"not a format {FORMAT} sandbox state")
        users = {u.id: u for u in (User(**d) for d in data["users"])}
        channels = {c.id: c for c in (Channel(**d) for d in data["channels"])}
        messages = {cid: [Message(**d) for d in items] for cid, items in data["messages"].items()}
        homes = {v.user_id: v for v in (View(**d) for d in data["homes"])}
        files = {f.id: f for f in (File(**d) for d in data["files"])}
        counters = {str(k): int(v) for k, v in data["counters"].items()}
        last_ts = float(data["last_ts"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise StateUnreadable(f"{type(error).__name__}: {error}") from None
    for file in files.values():
        file.content = contents.get(file.id, b"")
        file.uploaded = file.uploaded and file.id in contents
    with workspace.lock:
        workspace.reset()
        workspace.users.update(users)
        workspace.channels, workspace.messages, workspace.homes, workspace.files = channels, messages, homes, files
        workspace.restore_sequences(counters, last_ts)
        workspace.touch()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that readers (and a crash) see the old or the new bytes, nothing between."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class WorkspaceStore:
    """Saves one workspace to `path` (and uploads to `<stem>-files/` beside it), and loads it back."""

    def __init__(self, workspace: Workspace, path: Path, delay: float = SAVE_DELAY) -> None:
        self.workspace = workspace
        self.path = Path(path)
        self.contents_dir = self.path.with_name(f"{self.path.stem}-files")
        self.delay = delay
        self.loaded: Loaded | None = None
        self._saved_version = -1
        self._saved_contents: dict[str, int] = {}  # file id -> length written
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[str] | None = None

    def load(self) -> Loaded:
        """Restore the saved workspace if there is one; an unreadable one is set aside with one warning.

        Takes the file for this store until stop(): StateInUse if another running sandbox has it.
        """
        self._take_file()
        self.workspace.never_reuse_ids()
        try:
            data = json.loads(self.path.read_bytes())
            restore(self.workspace, data, self._read_contents(data))
            self.loaded = "restored"
        except FileNotFoundError:
            self.loaded = "missing"
        except (OSError, ValueError) as error:  # ValueError covers bad JSON and StateUnreadable
            log.warning("Slack sandbox: %s is unreadable (%s); starting with an empty workspace%s.",
                        self.path, error, self._set_aside())
            self.loaded = "unreadable"
        self._saved_version = self.workspace.version
        return self.loaded

    def _take_file(self) -> None:
        """Hold an exclusive lock on `<file>.lock`, so two sandboxes never overwrite each other's saves."""
        if fcntl is None:  # not POSIX: no guard
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115 - held until stop()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise StateInUse(self.path) from None
        self._lock_file = handle

    def _set_aside(self) -> str:
        """Keep an unreadable state file for a post-mortem instead of overwriting it; says where."""
        aside = self.path.with_name(self.path.name + ".unreadable")
        try:
            os.replace(self.path, aside)
        except OSError:
            return ""
        return f" (the old file is kept as {aside.name})"

    def _read_contents(self, data: Any) -> dict[str, bytes]:
        """The saved bytes of the files a snapshot names (malformed entries are restore()'s to refuse)."""
        files = data.get("files") if isinstance(data, dict) else None
        ids = [f.get("id") for f in files if isinstance(f, dict)] if isinstance(files, list) else []
        contents = {}
        for file_id in ids:
            path = self.contents_dir / str(file_id)
            if isinstance(file_id, str) and _SAFE_FILE_ID.fullmatch(file_id) and path.is_file():
                contents[file_id] = path.read_bytes()
        self._saved_contents = {k: len(v) for k, v in contents.items()}
        return contents

    def save(self) -> None:
        """Write the workspace now."""
        with self._save_lock:
            with self.workspace.lock:
                version = self.workspace.version
                data = snapshot(self.workspace)
                uploads = [(f.id, f.content) for f in self.workspace.files.values()
                           if f.uploaded and self._saved_contents.get(f.id) != len(f.content)]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if uploads:
                self.contents_dir.mkdir(exist_ok=True)
            for file_id, content in uploads:  # before the snapshot that names them
                write_atomically(self.contents_dir / file_id, content)
                self._saved_contents[file_id] = len(content)
            write_atomically(self.path, json.dumps(data, separators=(",", ":")).encode())
            self._saved_version = version

    def start(self) -> None:
        """Save in the background after every change until stop()."""
        self._thread = threading.Thread(target=self._run, name="sandbox-store", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background saver and write what it has not written yet."""
        self._stopping.set()
        with self.workspace.changed:
            self.workspace.changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._save_logged()
        if self._lock_file is not None:
            self._lock_file.close()  # releases the lock
            self._lock_file = None

    def _run(self) -> None:
        pause = self.delay
        while not self._stopping.is_set():
            with self.workspace.changed:
                self.workspace.changed.wait_for(
                    lambda: self.workspace.version != self._saved_version or self._stopping.is_set())
            if self._stopping.wait(pause):
                return  # stop() writes the last snapshot
            started = time.monotonic()
            self._save_logged()
            # A big workspace is written less often, so saving takes at most about a fifth of the time.
            pause = max(self.delay, 4 * (time.monotonic() - started))

    def _save_logged(self) -> None:
        try:
            self.save()
        except OSError as error:
            log.warning("Slack sandbox: could not save the workspace to %s: %s", self.path, error)
        except Exception:  # the saver thread must outlive a bug: the next change tries again
            log.exception("Slack sandbox: saving the workspace to %s failed", self.path)
