"""Input validation names the field; create_project is atomic and idempotent per client and key."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.container import Tutti
from bot.web import create_web_app
from store.models import Project, Task
from tests.api.conftest import ApiClient
from tests.support.world import World, human

CREATE = {"workflow_slug": "simple_workflow", "workflow_version_slug": "v1", "description": "idempotent",
          "priority": 3, "task_class": "real", "project_data": {"url": ""}}


def count(world: World, model: Any) -> int:
    with world.tutti.database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def error(response: Any, status: int = 400) -> str:
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"] == status
    return str(body["message"])


# --- idempotency --------------------------------------------------------------------------------------


def test_the_same_idempotency_key_and_body_return_the_same_project(api: ApiClient, api_world: World) -> None:
    first = api.post("create_project", CREATE, headers={"Idempotency-Key": "order-1"})
    again = api.post("create_project", CREATE, headers={"Idempotency-Key": "order-1"})
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(api_world, Project) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(api: ApiClient, api_world: World) -> None:
    assert api.post("create_project", CREATE, headers={"Idempotency-Key": "order-2"}).status_code == 200
    response = api.post("create_project", {**CREATE, "priority": 4}, headers={"Idempotency-Key": "order-2"})
    message = error(response, 422)
    assert "Idempotency-Key was already used with a different request" in message
    assert count(api_world, Project) == 1


def test_idempotency_keys_belong_to_one_api_key(api: ApiClient, api_world: World, tutti: Tutti) -> None:
    from store import api_clients

    with api_world.tutti.database.unit_of_work() as uow:
        other = api_clients.create_key(uow.session, client="sales")
        other_id, other_secret = other.key_id, other.secret
        uow.commit()
    mine = api.post("create_project", CREATE, headers={"Idempotency-Key": "shared"}).get_json()
    theirs = api.post("create_project", CREATE, headers={"Idempotency-Key": "shared"}, key_id=other_id,
                      secret=other_secret).get_json()
    assert mine != theirs
    assert count(api_world, Project) == 2


def test_a_bad_idempotency_key_is_a_400(api: ApiClient) -> None:
    assert "Idempotency-Key" in error(api.post("create_project", CREATE, headers={"Idempotency-Key": "x" * 300}))


def test_concurrent_retries_with_one_key_create_one_project(api_world: World, tutti: Tutti) -> None:
    """Threads race the same request (PostgreSQL in CI: TEST_DATABASE_URL); exactly one project results."""
    app = create_web_app(tutti)
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    answers: list[tuple[int, Any]] = []

    def retry() -> None:
        with app.test_client() as client:
            barrier.wait()
            response = ApiClient(client).post("create_project", CREATE, headers={"Idempotency-Key": "race"})
            answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=retry) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [200] * threads_count, answers
    assert len({body["project_id"] for _, body in answers}) == 1
    assert count(api_world, Project) == 1
    assert count(api_world, Task) == 1


# --- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["workflow_slug", "workflow_version_slug", "description", "priority",
                                     "task_class", "project_data"])
def test_a_missing_create_parameter_is_named(api: ApiClient, missing: str) -> None:
    body = {k: v for k, v in CREATE.items() if k != missing}
    assert error(api.post("create_project", body)) == f"One of the parameters is missing: {missing}"


@pytest.mark.parametrize(("change", "expected"), [
    ({"priority": "high"}, "priority must be an integer"),
    ({"priority": 2**40}, "priority is out of range (a 32-bit integer)"),
    ({"project_data": [1, 2]}, "project_data must be a JSON object"),
    ({"project_data": {"a": "nul\x00byte"}}, "project_data must not contain NUL characters"),
    ({"workflow_slug": 7}, "workflow_slug must be a string"),
    ({"description": "\ud800"}, "description must be valid Unicode text (it holds an unpaired surrogate)"),
    ({"task_class": None}, "task_class must be a string: 'real' or 'training'"),
    ({"workflow_slug": "nope"}, "Workflow nope does not exist. Loaded workflows: journalism, simple_workflow."),
    ({"workflow_version_slug": "v9"}, "Version v9 of workflow simple_workflow does not exist. Its versions: v1."),
])
def test_bad_create_parameters_are_named(api: ApiClient, api_world: World, change: dict[str, Any],
                                         expected: str) -> None:
    assert error(api.post("create_project", {**CREATE, **change})) == expected
    assert count(api_world, Project) == 0


def test_orchestra_task_classes_and_numeric_strings(api: ApiClient, api_world: World) -> None:
    training = api.post("create_project", {**CREATE, "task_class": "train", "priority": "5"}).get_json()
    info = api.post("project_information", {"project_ids": [training["project_id"]]}).get_json()
    project = info[str(training["project_id"])]["project"]
    assert (project["task_class"], project["priority"]) == (0, 5)


def test_bodies_that_are_not_json_objects(api: ApiClient) -> None:
    path = "/orchestra/api/project/project_information/"
    from tests.api.conftest import sign

    for body, message in [(b"{nope", "The request body is not valid JSON"), (b"[1]", "must be a JSON object"),
                          (b'{"project_ids": [NaN]}', "NaN is not a JSON number"),
                          (b"\xff\xfe", "not UTF-8")]:
        response = api.client.post(path, data=body, headers=sign("POST", path, body))
        assert message in error(response)


def test_a_failing_creation_leaves_no_half_made_project(api: ApiClient, api_world: World) -> None:
    pinned = {"policy_function": {"entry_level": {"path": "workflows.policies.specified_worker",
                                                  "kwargs": {"username": "nobody"}}}}
    api_world.load("fragile", [human("first"), human("second", assignment_policy=pinned)])
    response = api.post("create_project", {**CREATE, "workflow_slug": "fragile"})
    assert response.status_code == 400
    assert count(api_world, Project) == 0
    assert count(api_world, Task) == 0


def test_project_information_validation(api: ApiClient) -> None:
    assert error(api.post("project_information", {})) == "project_ids is required"
    assert error(api.post("project_information", {"project_ids": "1"})) == "project_ids must be a list of integers"
    assert api.post("project_information", {"project_ids": [-1, 0, 2**62]}).get_json() == {}


def test_message_and_details_url_validation(api: ApiClient, api_world: World) -> None:
    missing = "An object with `message` and `project_id` attributes should be supplied"
    assert error(api.post("message_project_team", {"project_id": 1})) == missing
    assert error(api.post("message_project_team", {"project_id": 1, "message": "hi"})) == "No project for given id"
    project_id = api.post("create_project", CREATE).get_json()["project_id"]
    assert error(api.post("message_project_team", {"project_id": project_id, "message": " "})) == \
        "A message needs some text."
    assert error(api.post("project_details_url", {})) == "project_id parameter is missing"
    url = api.post("project_details_url", {"project_id": project_id}).get_json()["project_details_url"]
    assert url == f"http://localhost/orchestra/app/project/{project_id}"


def test_wrong_methods_and_paths_answer_json(api: ApiClient) -> None:
    response = api.client.get("/orchestra/api/project/create_project/")
    assert response.status_code == 405
    assert response.get_json() == {"detail": 'Method "GET" not allowed.'}
    assert "POST" in response.headers["Allow"]
    assert api.client.get("/orchestra/api/project/nothing_here/").get_json() == {"detail": "Not found."}
    assert api.client.get("/orchestra/api/status/").data == b"OK"
    assert api.client.get("/orchestra/status/").data == b"OK"


def test_paths_work_with_and_without_the_trailing_slash(api: ApiClient) -> None:
    from tests.api.conftest import sign

    for path in ("/orchestra/api/project/message_project_team", "/orchestra/api/project/message_project_team/"):
        response = api.client.post(path, data=b"{}", headers=sign("POST", path, b"{}"))
        assert response.status_code == 400
