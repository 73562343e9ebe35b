"""pytest fixtures: `pytest_plugins = ["sandbox.testing"]` gives tests a running sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from sandbox.driver import Sandbox


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[Sandbox]:
    """One sandbox server for the test session, on a free loopback port."""
    sandbox = Sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(sandbox_server: Sandbox) -> Iterator[Sandbox]:
    """The session's sandbox, reset to a fresh workspace with the sample workers."""
    sandbox_server.reset()
    sandbox_server.app_request_url = None
    sandbox_server.ack_timeout = 3.0
    yield sandbox_server
    sandbox_server.faults.clear()


@pytest.fixture
def slack_client(sandbox: Sandbox) -> WebClient:
    """A WebClient talking to the sandbox with the bot token."""
    return WebClient(token=sandbox.bot_token, base_url=sandbox.base_url)
