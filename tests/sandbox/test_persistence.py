"""A sandbox given a state file keeps its workspace across restarts, as a real Slack workspace does."""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from sandbox.persist import StateInUse
from sandbox.sample_users import sample_users
from sandbox.server import RunningSandbox, start_sandbox


class Restartable:
    """Starts and stops sandboxes on one state file, as `make dev` does across Ctrl-C."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.running: RunningSandbox | None = None

    def start(self) -> Sandbox:
        self.running = start_sandbox(state_path=self.path)
        self.running.slack.workspace.seed_users(sample_users())
        return Sandbox(self.running)

    def stop(self) -> None:
        if self.running is not None:
            self.running.stop()
            self.running = None

    def client(self) -> WebClient:
        assert self.running is not None
        return WebClient(token=self.running.slack.config.bot_token, base_url=self.running.base_url)


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Restartable]:
    restartable = Restartable(tmp_path / "var" / "sandbox.json")
    yield restartable
    restartable.stop()


def _channel(client: WebClient, name: str, members: str = "UDEMO00001") -> str:
    channel_id = str(client.conversations_create(name=name, is_private=True)["channel"]["id"])
    client.conversations_invite(channel=channel_id, users=members)
    return channel_id


def test_restarted_sandbox_keeps_channels_messages_homes_and_dms(restartable: Restartable) -> None:
    restartable.start()
    client = restartable.client()
    channel_id = _channel(client, "project-1-rate-an-image")
    client.chat_postMessage(channel=channel_id, text="Task 2 is yours, <@UDEMO00001>")
    client.chat_postMessage(channel="UDEMO00001", text="You have a new task")
    client.views_publish(user_id="UDEMO00001", view={"type": "home", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Work in progress: project 1"}}]})
    restartable.stop()

    demo = restartable.start().as_user("demo")

    assert "Task 2 is yours" in demo.last_message("#project-1-rate-an-image").text
    assert [m.text for m in demo.dms()] == ["You have a new task"]
    assert "Work in progress: project 1" in demo.home().text
    info = restartable.client().conversations_info(channel=channel_id)["channel"]
    assert info["name"] == "project-1-rate-an-image" and not info["is_archived"]


def test_ids_keep_increasing_after_a_restart(restartable: Restartable) -> None:
    restartable.start()
    first = _channel(restartable.client(), "project-1")
    restartable.stop()

    restartable.start()
    second = _channel(restartable.client(), "project-2")

    assert second != first
    assert int(second[1:]) > int(first[1:])


def test_ids_never_repeat_even_when_the_saved_state_is_lost(restartable: Restartable) -> None:
    restartable.start()
    first = _channel(restartable.client(), "project-1")
    restartable.stop()
    restartable.path.unlink()

    restartable.start()
    second = _channel(restartable.client(), "project-2")

    assert int(second[1:]) > int(first[1:])


def test_changes_reach_the_disk_while_running_without_waiting_for_stop(restartable: Restartable) -> None:
    restartable.start()
    channel_id = _channel(restartable.client(), "project-1")

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if restartable.path.exists() and channel_id in restartable.path.read_text():
            break
        time.sleep(0.05)
    saved = json.loads(restartable.path.read_text())
    assert channel_id in [c["id"] for c in saved["channels"]]


def test_uploaded_files_survive_a_restart(restartable: Restartable) -> None:
    restartable.start()
    client = restartable.client()
    channel_id = _channel(client, "project-1")
    uploaded = client.files_upload_v2(channel=channel_id, filename="notes.txt", content=b"the mayor said yes")
    file_id = uploaded["files"][0]["id"]
    restartable.stop()

    restartable.start()
    client = restartable.client()
    url = client.files_info(file=file_id)["file"]["url_private"]

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    with urllib.request.urlopen(request, timeout=5) as body:
        assert body.read() == b"the mayor said yes"


@pytest.mark.parametrize("content", [
    b'{"format": 1, "users": [',                            # cut short
    b"\xff\xfe not json",                                    # garbage
    json.dumps({"format": 0, "channels": {}}).encode(),      # an old format
    json.dumps({"format": 1, "files": ["F1"]}).encode(),     # a malformed one
    json.dumps({"format": 1, "users": [{"nick": "x"}], "channels": [], "messages": {}, "homes": [],
                "files": [], "counters": {}, "last_ts": 0}).encode(),  # fields this version does not know
])
def test_unreadable_state_starts_fresh_with_one_warning(restartable: Restartable, content: bytes,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    restartable.path.parent.mkdir(parents=True)
    restartable.path.write_bytes(content)

    with caplog.at_level(logging.WARNING, logger="sandbox"):
        restartable.start()

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "unreadable" in warnings[0] and "starting with an empty workspace" in warnings[0]
    assert restartable.path.with_name("sandbox.json.unreadable").read_bytes() == content
    channel_id = _channel(restartable.client(), "project-1")
    assert channel_id.startswith("C")


def test_without_a_state_file_the_sandbox_lives_in_memory_and_counts_from_one(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    running = start_sandbox()
    try:
        client = WebClient(token=running.slack.config.bot_token, base_url=running.base_url)
        assert client.conversations_create(name="project-1")["channel"]["id"] == "C0000000001"
    finally:
        running.stop()
    assert list(tmp_path.iterdir()) == []


def test_two_running_sandboxes_never_share_a_state_file(restartable: Restartable) -> None:
    restartable.start()

    with pytest.raises(StateInUse):
        start_sandbox(state_path=restartable.path)

    restartable.stop()
    restartable.start()  # free again once the first one stopped
