"""Outgoing webhooks: Standard Webhooks signatures, the project_information JSON, retries until the receiver heals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from store import api_clients
from store.enums import OutboxStatus
from store.models import OutboxMessage
from store.types import utcnow
from tests.api.conftest import KEY_ID, ApiClient
from tests.api.servers import Received, Receiver, receiver
from tests.support.world import ACTOR, World, human
from workflows import assignment, projects, submission

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"twenty-four bytes secret").decode()
STEPS = [human("write"), human("check", creation_depends_on=["write"])]


def standard_webhooks_valid(secret: str, headers: dict[str, str], body: bytes, tolerance: int = 300) -> bool:
    """The Standard Webhooks check written from the spec, independently of the `standardwebhooks` package."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = f"{msg_id}.{timestamp}.{body.decode()}".encode()
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [sig.partition(",")[2] for sig in headers["webhook-signature"].split() if sig.startswith("v1,")]
    return any(hmac.compare_digest(expected, sig) for sig in offered)


@pytest.fixture
def hook(api_world: World) -> Iterator[Receiver]:
    with receiver() as server:
        with api_world.tutti.database.unit_of_work() as uow:
            api_clients.set_webhook(uow.session, KEY_ID, f"{server.url}/tutti-hook", WEBHOOK_SECRET)
            uow.commit()
        api_world.load("hooked", STEPS)
        yield server


def create(api: ApiClient, workflow: str = "hooked", **sign_args: Any) -> int:
    body = {"workflow_slug": workflow, "workflow_version_slug": "v1", "description": "pushed", "priority": 0,
            "task_class": "real", "project_data": {}}
    response = api.post("create_project", body, **sign_args)
    assert response.status_code == 200, response.get_json()
    return int(response.get_json()["project_id"])


def finish(world: World, project_id: int, step: str, worker_id: int) -> None:
    task_id = world.task_id(project_id, step)
    world.run(assignment.assign_task, task_id, worker_id, actor=ACTOR)
    world.run(submission.submit_task, task_id, worker_id, {"done": step}, actor=ACTOR, rng=lambda: 1.0)
    world.drain()


def payloads(received: list[Received]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in received]


def test_task_and_project_completion_are_pushed_signed_with_project_information(
        api: ApiClient, api_world: World, hook: Receiver) -> None:
    worker = api_world.worker("ann")
    project_id = create(api)
    api_world.drain()
    assert hook.requests == []
    finish(api_world, project_id, "write", worker)
    finish(api_world, project_id, "check", worker)
    received = hook.wait_for(3)
    assert [p["type"] for p in payloads(received)] == ["task.completed", "task.completed", "project.completed"]
    for request in received:
        assert request.path == "/tutti-hook"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-id"].startswith("msg_")
        assert standard_webhooks_valid(WEBHOOK_SECRET, request.headers, request.body)
        assert not standard_webhooks_valid(WEBHOOK_SECRET, request.headers, request.body + b" ")
    assert len({r.headers["webhook-id"] for r in received}) == 3

    first, _, last = payloads(received)
    assert first["project_id"] == project_id
    assert first["step_slug"] == "write"
    assert first["data"][str(project_id)]["tasks"]["write"]["status"] == "Complete"
    assert first["data"][str(project_id)]["tasks"]["write"]["latest_data"] == {"done": "write"}
    assert last["data"] == api.post("project_information", {"project_ids": [project_id]}).get_json()
    assert last["data"][str(project_id)]["project"]["status"] == 4

    with api_world.tutti.database.read() as session:
        log = api_clients.delivery_log(session, key_id=KEY_ID)
        assert [(row.status_code, row.attempt, row.error) for row in log] == [(200, 1, None)] * 3
        assert all(row.url.endswith("/tutti-hook") and row.response_excerpt == "ok" for row in log)


def test_an_aborted_project_is_pushed(api: ApiClient, api_world: World, hook: Receiver) -> None:
    project_id = create(api)
    api_world.run(projects.abort_project, project_id, actor=ACTOR)
    api_world.drain()
    [request] = hook.wait_for(1)
    assert json.loads(request.body)["type"] == "project.aborted"
    assert json.loads(request.body)["data"][str(project_id)]["project"]["status"] == 2


def test_projects_of_keys_without_a_webhook_are_not_pushed(api: ApiClient, api_world: World, hook: Receiver) -> None:
    with api_world.tutti.database.unit_of_work() as uow:
        quiet = api_clients.create_key(uow.session, client="quiet")
        quiet_id, quiet_secret = quiet.key_id, quiet.secret
        uow.commit()
    project_id = create(api, key_id=quiet_id, secret=quiet_secret)
    api_world.run(projects.abort_project, project_id, actor=ACTOR)
    outside_the_api = api_world.create("hooked")
    api_world.run(projects.abort_project, outside_the_api, actor=ACTOR)
    api_world.drain()
    time.sleep(0.2)
    assert hook.requests == []


def test_deliveries_are_retried_with_the_same_id_until_the_receiver_recovers(
        api: ApiClient, api_world: World, hook: Receiver) -> None:
    answers = iter([500, 500, 503])
    hook.answer = lambda _request: next(answers, 200)
    project_id = create(api)
    api_world.run(projects.abort_project, project_id, actor=ACTOR)
    api_world.drain()
    assert len(hook.wait_for(1)) == 1
    for attempt in (2, 3, 4):
        with api_world.tutti.database.unit_of_work() as uow:
            message = uow.session.query(OutboxMessage).filter_by(topic="webhook.deliver").one()
            assert message.status is OutboxStatus.PENDING
            assert message.available_at > utcnow()  # backing off
            uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == message.id)
                                .values(available_at=utcnow()))
            uow.commit()
        api_world.drain()
        assert len(hook.wait_for(attempt)) == attempt
    received = hook.requests
    assert len({r.headers["webhook-id"] for r in received}) == 1
    assert len({r.body for r in received}) == 1
    assert all(standard_webhooks_valid(WEBHOOK_SECRET, r.headers, r.body) for r in received)
    with api_world.tutti.database.read() as session:
        log = list(reversed(api_clients.delivery_log(session)))
        message = session.query(OutboxMessage).filter_by(topic="webhook.deliver").one()
        assert [(row.attempt, row.status_code) for row in log] == [(1, 500), (2, 500), (3, 503), (4, 200)]
        assert log[0].error == "HTTP 500" and log[0].response_excerpt == "receiver is down"
        assert log[-1].error is None
        assert message.status is OutboxStatus.DELIVERED


def test_a_receiver_that_is_down_is_retried(api: ApiClient, api_world: World) -> None:
    with api_world.tutti.database.unit_of_work() as uow:
        api_clients.set_webhook(uow.session, KEY_ID, "http://127.0.0.1:9/nobody-listens", WEBHOOK_SECRET)
        uow.commit()
    api_world.load("hooked", STEPS)
    project_id = create(api)
    api_world.run(projects.abort_project, project_id, actor=ACTOR)
    api_world.drain()
    with api_world.tutti.database.read() as session:
        [row] = api_clients.delivery_log(session)
        message = session.query(OutboxMessage).filter_by(topic="webhook.deliver").one()
        assert row.status_code is None and "ConnectionError" in (row.error or "")
        assert message.status is OutboxStatus.PENDING and message.attempts == 1


def test_webhooks_from_settings_sign_with_the_given_secret(api_world: World) -> None:
    from jobs.webhooks import static_webhooks

    hooks = static_webhooks([("k1", "api-secret")], [("k1", "https://example.org/h", None),
                                                      ("k2", "https://example.org/i", WEBHOOK_SECRET)])
    assert hooks["k1"].secret == "whsec_" + base64.b64encode(b"api-secret").decode()
    assert hooks["k2"].secret == WEBHOOK_SECRET
    assert "secret" not in repr(hooks["k2"])
    with pytest.raises(ValueError):
        static_webhooks([], [("k3", "https://example.org/j", None)])
