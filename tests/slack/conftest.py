"""Tutti wired to the Slack sandbox over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.container import Tutti
from bot.settings import Settings
from sandbox.driver import Sandbox, UserSession, ViewSnapshot
from sandbox.state import User
from store.enums import OutboxStatus
from store.models import OutboxMessage
from tests.support.world import World
from workflows import files


def double_click(sandbox: Sandbox, person: UserSession, label: str) -> ViewSnapshot | None:
    """Press `label` in the open modal with Slack delivering the press twice (a double click); the modal after."""
    sandbox.faults.duplicate_next("interaction")
    person.click(label)
    sandbox.settle()
    return person.modal()


class SlackWorld(World):
    """A World whose Slack deliveries go to the sandbox; `settle()` delivers until the outbox is empty."""

    def __init__(self, tutti: Tutti, root: Path, sandbox: Sandbox) -> None:
        super().__init__(tutti, root)
        self.sandbox = sandbox

    def worker(self, username: str, *certs: str, **kwargs: Any) -> int:
        """A worker who is also a user of the sandbox workspace."""
        worker_id = super().worker(username, *certs, **kwargs)
        slack_id = f"U{username.upper()[:9]}"
        if self.sandbox.workspace.find_user(slack_id) is None:
            self.sandbox.seed_users([User(id=slack_id, name=username, real_name=username.title(),
                                          email=f"{username}@example.org")])
        return worker_id

    def settle(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self.tutti.dispatcher.sweep()
            with self.tutti.database.read() as session:
                pending = session.scalar(
                    select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.PENDING)
                )
            if not pending:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{pending} outbox messages still pending after {timeout}s")
            time.sleep(0.05)

    def dead_messages(self) -> list[OutboxMessage]:
        with self.tutti.database.read() as session:
            return list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)))


@pytest.fixture
def slack_settings(settings: Settings, sandbox: Sandbox) -> Settings:
    return settings.with_(slack_enabled=True, slack_api_url=sandbox.base_url, slack_bot_token=sandbox.bot_token,
                          slack_signing_secret=sandbox.signing_secret)


@pytest.fixture
def slack_world(slack_settings: Settings, sandbox: Sandbox, tmp_path: Path) -> Iterator[SlackWorld]:
    tutti = Tutti(slack_settings, manual_jobs=True)
    yield SlackWorld(tutti, tmp_path, sandbox)
    tutti.close()
    files.configure_storage(None)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so tests can wait until the app is idle."""

    def __init__(self) -> None:
        super().__init__(max_workers=16, thread_name_prefix="slack-test")
        self._lock = threading.Lock()
        self._in_flight = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _: Future[Any]) -> None:
        with self._lock:
            self._in_flight -= 1

    def idle(self) -> bool:
        with self._lock:
            return self._in_flight == 0


class ServedTutti:
    """Tutti's web app served over HTTP on 127.0.0.1, the sandbox delivering to it."""

    def __init__(self, world: SlackWorld) -> None:
        from werkzeug.serving import make_server

        from bot.web import create_web_app

        self.world = world
        self.listeners = TrackingExecutor()
        self.server = make_server("127.0.0.1", 0, create_web_app(world.tutti, self.listeners), threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="tutti-web-test", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.listeners.shutdown(wait=True)


@pytest.fixture
def served(slack_world: SlackWorld, sandbox: Sandbox) -> Iterator[ServedTutti]:
    """The app answering the sandbox over real HTTP; jobs still run when a test calls `slack_world.settle()`."""
    served = ServedTutti(slack_world)
    sandbox.app_request_url = f"{served.url}/slack/events"
    sandbox.expects_home_publish = True  # Tutti publishes Home on every app_home_opened
    sandbox.app_idle = served.listeners.idle  # driver actions wait until Tutti's after-ack work is done
    yield served
    sandbox.expects_home_publish = False
    sandbox.app_idle = None
    served.stop()
