"""`tutti dev` as a person runs it in a terminal: restarted with Ctrl-C, run twice, with commands beside it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from slack_sdk import WebClient

from bot.settings import DEV_BOT_TOKEN

T = TypeVar("T")
TUTTI = str(Path(sys.executable).with_name("tutti"))


def _ctrl_c_stops() -> None:
    """In the child: take SIGINT as a terminal's Ctrl-C even when this test run ignores it (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class DevEnvironment:
    """One scratch installation: its database folder and the two ports dev serves on."""

    def __init__(self, folder: Path, web_port: int | None = None, sandbox_port: int | None = None) -> None:
        self.folder = folder
        self.web_port = web_port or free_port()
        self.sandbox_port = sandbox_port or free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if k not in ("TEST_DATABASE_URL", "REDIS_URL", "TUTTI_SANDBOX_STATE", "SLACK_APP_TOKEN")}
        env.update(DATABASE_URL=f"sqlite:///{self.folder / 'tutti.db'}", TUTTI_FILES_DIR=str(self.folder / "files"),
                   PORT=str(self.web_port), TUTTI_SANDBOX_PORT=str(self.sandbox_port),
                   SLACK_API_URL=f"{self.sandbox_url}api/", STAFFBOT_TICK_SECONDS="3600", SANITYBOT_SECONDS="3600")
        return env

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}/"

    def tutti(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run one `tutti` command to completion."""
        return subprocess.run([TUTTI, *args], env=self.env, cwd=self.folder, capture_output=True, text=True,
                              timeout=120)

    def start(self, timeout: float = 60) -> None:
        """Start `tutti dev` and wait until Tutti answers /healthz."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([TUTTI, "dev"], env=self.env, cwd=self.folder, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        preexec_fn=_ctrl_c_stops)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tutti dev exited early:\n{self.process.stdout.read()}")  # type: ignore[union-attr]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/healthz", timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("tutti dev did not come up")

    def stop(self) -> str:
        """Ctrl-C, as in a terminal; what dev printed."""
        if self.process is None:
            return ""
        process, self.process = self.process, None
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        return output


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevEnvironment]:
    environment = DevEnvironment(tmp_path / "var")
    yield environment
    environment.stop()


def _sandbox(dev: DevEnvironment) -> WebClient:
    return WebClient(token=DEV_BOT_TOKEN, base_url=f"{dev.sandbox_url}api/")


def _create_project(dev: DevEnvironment, description: str) -> int:
    created = dev.tutti("projects", "create", "simple_workflow", "v1", "-d", description,
                        "--data", json.dumps({"url": "http://127.0.0.1:9/nothing-here"}))
    assert created.returncode == 0, created.stderr
    return int(created.stdout.split()[2].rstrip("."))


def _eventually(check: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _channel_of(dev: DevEnvironment, project: int) -> str:
    def channel() -> str | None:
        shown = dev.tutti("projects", "show", str(project))
        return json.loads(shown.stdout)["project"]["slack_group_id"] if shown.returncode == 0 else None

    return _eventually(channel, f"project {project}'s channel")


def test_restarted_dev_keeps_old_channels_and_gives_new_projects_new_ones(dev: DevEnvironment) -> None:
    dev.start()
    old = _channel_of(dev, _create_project(dev, "Rate a sunset"))
    dev.stop()

    dev.start()
    new = _channel_of(dev, _create_project(dev, "Rate a sunrise"))

    assert new != old
    assert _sandbox(dev).conversations_info(channel=old)["channel"]["name"] == "project-1-rate-a-sunset"
    assert dev.tutti("projects", "complete", "1").returncode == 0
    _eventually(lambda: _sandbox(dev).conversations_info(channel=old)["channel"]["is_archived"],
                "project 1's channel to be archived")
    assert not _sandbox(dev).conversations_info(channel=new)["channel"]["is_archived"]


def test_a_worker_added_from_the_cli_gets_her_task_in_the_sandbox(dev: DevEnvironment) -> None:
    dev.start()
    added = dev.tutti("workers", "add", "U123ABC", "alice", "--first-name", "Alice", "--email", "alice@example.org")
    assert added.returncode == 0, added.stderr
    project = _create_project(dev, "Rate a sunset")
    channel = _channel_of(dev, project)
    rate = next(line.split("\t")[0] for line in dev.tutti("tasks", "list", "--project", str(project)).stdout
                .splitlines() if line.split("\t")[2] == "rate")

    assert dev.tutti("tasks", "assign", rate, "--worker", "alice").returncode == 0

    _eventually(lambda: "U123ABC" in _sandbox(dev).conversations_members(channel=channel)["members"],
                "alice to be invited")
    with urllib.request.urlopen(f"{dev.sandbox_url}_ui/users", timeout=5) as response:
        assert "alice" in [p["name"] for p in json.load(response)]
    state_url = f"{dev.sandbox_url}_ui/state?user=U123ABC"
    _eventually(lambda: json.load(urllib.request.urlopen(state_url, timeout=5))["home"], "alice's Home tab")
    output = dev.stop()
    assert "user_not_found" not in output and "channel_not_found" not in output and "Traceback" not in output


def _second_dev(dev: DevEnvironment, folder: Path, web_port: int, sandbox_port: int) -> list[str]:
    """Run another `tutti dev` that must refuse to start; the lines it printed."""
    other = DevEnvironment(folder, web_port=web_port, sandbox_port=sandbox_port)
    folder.mkdir()
    result = subprocess.run([TUTTI, "dev"], env=other.env, cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert not (folder / "tutti.db").exists() and not (folder / "sandbox.json").exists()
    return (result.stdout + result.stderr).strip().splitlines()


def test_running_dev_twice_says_in_one_line_that_tutti_has_the_port(dev: DevEnvironment, tmp_path: Path) -> None:
    dev.start()

    web = _second_dev(dev, tmp_path / "second", dev.web_port, free_port())
    sandbox = _second_dev(dev, tmp_path / "third", free_port(), dev.sandbox_port)

    assert len(web) == 1 and len(sandbox) == 1
    assert f"port {dev.web_port}" in web[0] and "in use by Tutti" in web[0] and "set PORT" in web[0]
    assert f"port {dev.sandbox_port}" in sandbox[0] and "Tutti Slack sandbox" in sandbox[0]
    assert "set TUTTI_SANDBOX_PORT" in sandbox[0]


def test_dev_on_a_port_another_program_holds_names_the_setting(dev: DevEnvironment, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as other_program:
        port = other_program.getsockname()[1]

        lines = _second_dev(dev, tmp_path / "second", port, free_port())

    assert len(lines) == 1
    assert f"port {port}" in lines[0] and "another program" in lines[0] and "set PORT" in lines[0]


def test_a_second_dev_on_other_ports_but_the_same_database_refuses_in_one_line(dev: DevEnvironment) -> None:
    dev.start()
    other = DevEnvironment(dev.folder)

    result = subprocess.run([TUTTI, "dev"], env=other.env, cwd=dev.folder, capture_output=True, text=True,
                            timeout=60)

    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode != 0 and len(lines) == 1
    assert "sandbox.json is in use by another `tutti dev`" in lines[0]
