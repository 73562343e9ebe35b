"""Review findings on incoming requests: odd JSON, oversized streams, header charsets, database trouble at commit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from store import api_clients
from store.db import UnitOfWork
from store.models import Project
from tests.api.conftest import ApiClient, sign
from tests.support.world import World

CREATE = {"workflow_slug": "simple_workflow", "workflow_version_slug": "v1", "description": "review",
          "priority": 3, "task_class": "real", "project_data": {"url": ""}}
INFORMATION = "/orchestra/api/project/project_information/"
CREATE_PATH = "/orchestra/api/project/create_project/"


def projects(world: World) -> int:
    with world.tutti.database.read() as session:
        return session.scalar(select(func.count()).select_from(Project)) or 0


def message(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.data[:300]
    body = response.get_json()
    assert body["error"] == status
    return str(body["message"])


def post_raw(api: ApiClient, path: str, body: bytes, **kwargs: Any) -> Any:
    return api.client.post(path, data=body, headers=sign("POST", path, body), **kwargs)


def test_an_integer_literal_too_long_to_read_is_a_400_not_a_500(api: ApiClient) -> None:
    body = b'{"project_ids": [' + b"7" * 5000 + b"]}"
    assert "number too large" in message(post_raw(api, INFORMATION, body))


def test_an_infinite_number_in_project_data_is_refused(api: ApiClient, api_world: World) -> None:
    """`1e999` reads as infinity; stored, it made project_information answer `Infinity`, which is not JSON."""
    body = json.dumps(CREATE).replace('"url": ""', '"url": 1e999').encode()
    assert message(post_raw(api, CREATE_PATH, body)) == "project_data holds a number too large to store"
    assert projects(api_world) == 0


@pytest.mark.parametrize("priority", ["\u00b2", "--5", "1-2"])
def test_strings_that_only_look_like_integers_are_a_400(api: ApiClient, api_world: World, priority: str) -> None:
    assert message(api.post("create_project", {**CREATE, "priority": priority})) == "priority must be an integer"
    assert projects(api_world) == 0


class EndlessBody:
    """A chunked request body that never ends; it counts what the server reads."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else min(size, 65536)
        self.read_bytes += size
        assert self.read_bytes < 8 * 1024 * 1024, "the server kept reading an oversized body"
        return b" " * size



def test_a_chunked_body_is_read_only_up_to_the_limit(api: ApiClient) -> None:
    """gunicorn marks chunked bodies as terminated streams: without a limit the whole body was read into memory."""
    stream = EndlessBody()
    headers = {**sign("POST", INFORMATION), "Transfer-Encoding": "chunked"}
    response = api.client.post(INFORMATION, headers=headers, environ_overrides={
        "wsgi.input": stream, "wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert message(response, 413).startswith("The request body is larger than")
    assert stream.read_bytes <= 2 * 1024 * 1024


def test_non_ascii_idempotency_keys_are_refused_every_time(api: ApiClient, api_world: World) -> None:
    """Header bytes arrive as Latin-1: some UTF-8 keys used to pass and others not, depending on their letters."""
    for key in ("café-1", "ключ-1"):
        mangled = key.encode().decode("latin-1")
        refused = message(api.post("create_project", CREATE, headers={"Idempotency-Key": mangled}))
        assert "printable ASCII" in refused
    assert projects(api_world) == 0
    spaced = api.post("create_project", CREATE, headers={"Idempotency-Key": "order 7"})
    assert spaced.status_code == 200


def test_a_busy_database_at_commit_is_a_503_and_leaves_nothing(api: ApiClient, api_world: World,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Event and outbox rows are written at commit; a failure there was an HTML 500."""
    real_commit = UnitOfWork.commit
    calls = {"n": 0}

    def flaky_commit(self: UnitOfWork) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("COMMIT", {}, Exception("database is locked"))
        real_commit(self)

    monkeypatch.setattr(UnitOfWork, "commit", flaky_commit)
    assert "busy" in message(api.post("create_project", CREATE), 503)
    assert projects(api_world) == 0
    assert api.post("create_project", {**CREATE, "description": "again"}).status_code == 200


def test_a_refusal_stays_a_refusal_when_its_signature_cannot_be_recorded(api: ApiClient,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    real = api_clients.remember_signature
    calls = {"n": 0}

    def busy_second_time(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the record of the refused request, in its own transaction
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        real(*args, **kwargs)

    monkeypatch.setattr(api_clients, "remember_signature", busy_second_time)
    response = api.post("create_project", {**CREATE, "workflow_slug": "nope"})
    assert message(response) == "Workflow nope does not exist. Loaded workflows: journalism, simple_workflow."
    assert calls["n"] == 2
