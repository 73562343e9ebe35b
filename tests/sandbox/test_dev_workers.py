"""In `make dev`, Tutti's workers are members of the sandbox's workspace, including ones added while it runs."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from bot.container import Tutti
from bot.dev import connect_sandbox
from bot.settings import Settings
from sandbox.sample_users import sample_users
from sandbox.server import RunningSandbox, start_sandbox
from tests.sandbox.helpers import error_code
from workflows.workers import upsert_worker


@dataclass
class Dev:
    """A sandbox connected to a Tutti database the way `tutti dev` connects them."""

    tutti: Tutti
    sandbox: RunningSandbox

    @property
    def client(self) -> WebClient:
        return WebClient(token=self.sandbox.slack.config.bot_token, base_url=self.sandbox.base_url)

    def add_worker(self, slack_user_id: str, username: str, first_name: str = "") -> None:
        """What `tutti workers add` does."""
        with self.tutti.database.unit_of_work() as uow:
            upsert_worker(uow.session, slack_user_id=slack_user_id, username=username, first_name=first_name,
                          email=f"{username}@example.org")
            uow.commit()

    def people_in_picker(self) -> dict[str, str]:
        """The browser's *Acting as* list, as the page loads it: id -> name."""
        with urllib.request.urlopen(f"{self.sandbox.root_url}_ui/users", timeout=5) as response:
            return {p["id"]: p["name"] for p in json.load(response)}


@pytest.fixture
def dev(settings: Settings) -> Iterator[Dev]:
    tutti = Tutti(settings, manual_jobs=True)
    sandbox = start_sandbox()
    sandbox.slack.workspace.seed_users(sample_users())
    yield Dev(tutti, sandbox)
    sandbox.stop()
    tutti.close()


def _assign_like_tutti(client: WebClient, user_id: str) -> str:
    """The calls Tutti's deliveries make when a task is assigned: invite, DM, Home; the channel's id."""
    channel = str(client.conversations_create(name="project-1-rate-an-image", is_private=True)["channel"]["id"])
    client.conversations_invite(channel=channel, users=user_id)
    client.chat_postMessage(channel=user_id, text="You have a new task")
    client.views_publish(user_id=user_id, view={"type": "home", "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Work in progress"}}]})
    return channel


def test_workers_in_the_database_are_sandbox_users_when_dev_starts(dev: Dev) -> None:
    dev.add_worker("U123ABC", "alice", "Alice")

    connect_sandbox(dev.sandbox, dev.tutti, database_is_new=False)

    assert dev.people_in_picker()["U123ABC"] == "alice"
    _assign_like_tutti(dev.client, "U123ABC")  # no user_not_found, no channel_not_found
    assert dev.client.users_info(user="U123ABC")["user"]["real_name"] == "Alice"


def test_a_worker_added_while_dev_runs_can_be_assigned_at_once(dev: Dev) -> None:
    connect_sandbox(dev.sandbox, dev.tutti, database_is_new=False)

    dev.add_worker("U456DEF", "bob", "Bob")

    channel = _assign_like_tutti(dev.client, "U456DEF")
    assert "U456DEF" in dev.client.conversations_members(channel=channel)["members"]


def test_a_worker_added_while_dev_runs_appears_in_the_picker(dev: Dev) -> None:
    connect_sandbox(dev.sandbox, dev.tutti, database_is_new=False)
    assert "U456DEF" not in dev.people_in_picker()

    dev.add_worker("U456DEF", "bob", "Bob")

    assert dev.people_in_picker()["U456DEF"] == "bob"


def test_the_sandbox_keeps_its_own_users_and_their_profiles(dev: Dev) -> None:
    dev.add_worker("UDEMO00001", "demo-renamed-in-tutti")

    connect_sandbox(dev.sandbox, dev.tutti, database_is_new=False)

    people = dev.people_in_picker()
    assert people["UDEMO00001"] == "demo"  # Slack is the truth about a person's profile
    assert people["UJEDITOR01"] == "journalism-editor" and people["UADMIN0001"] == "admin"


def test_an_unknown_user_is_still_user_not_found(dev: Dev) -> None:
    connect_sandbox(dev.sandbox, dev.tutti, database_is_new=False)

    assert error_code(lambda: dev.client.users_info(user="UNOBODY99")) == "user_not_found"
