"""An Orchestra client, changed only in its base URL, works against Tutti served by gunicorn."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from store.models import Project, Worker
from tests.api.orchestra_client import OrchestraApi, OrchestraError
from tests.api.servers import Receiver, gunicorn, receiver
from tests.support.world import World

PROJECT_KEYS = {"id", "workflow_slug", "workflow_version_slug", "short_description", "start_datetime", "priority",
                "project_data", "scratchpad_url", "task_class", "status", "slack_group_id"}
TASK_KEYS = {"id", "step_slug", "project", "status", "latest_data", "assignments", "start_datetime"}
ASSIGNMENT_KEYS = {"id", "start_datetime", "worker", "task", "status", "in_progress_task_data", "iterations",
                   "recorded_work_time"}
WORKER_KEYS = {"id", "username", "first_name", "last_name", "slack_username", "slack_user_id"}
ITERATION_KEYS = {"id", "start_datetime", "end_datetime", "status", "assignment", "submitted_data"}
STEP_KEYS = {"id", "slug", "description", "is_human", "name"}


@pytest.fixture
def site() -> Iterator[Receiver]:
    """A web page with one image, for the simple workflow's crawler."""
    with receiver() as server:
        server.pages["/"] = ("text/html", b'<html><body><img src="/images/awesome-cat.png"></body></html>')
        yield server


@pytest.fixture
def orchestra(world: World, database_url: str, tmp_path: Path) -> Iterator[OrchestraApi]:
    world.load_bundled()
    env = {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"),
           "TUTTI_API_KEYS": "orchestra-user:CHANGEME", "REDIS_URL": ""}
    with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as base_url:
        yield OrchestraApi(base_url, "orchestra-user", "CHANGEME")


def wait_for_step(api: OrchestraApi, project_id: int, slug: str, timeout: float = 20.0) -> dict[Any, Any]:
    deadline = time.monotonic() + timeout
    while True:
        info = api.get_project_information([project_id])
        if slug in info[project_id]["tasks"]:
            return info
        assert time.monotonic() < deadline, f"no {slug} task after {timeout} s: {info}"
        time.sleep(0.1)


def next_second() -> None:
    time.sleep(1.01 - time.time() % 1)


def is_iso(value: str) -> bool:
    return isinstance(value, str) and value[:4].isdigit() and "T" in value


def test_an_orchestra_client_creates_reads_assigns_and_messages(orchestra: OrchestraApi, site: Receiver,
                                                                world: World) -> None:
    workflows = orchestra.get_workflow_types()
    assert workflows["simple_workflow"] == {
        "name": "Simple Workflow",
        "versions": {"v1": {"name": "Simple Workflow Version 1",
                            "description": "Crawl a web page for an image and rate it."}},
    }
    assert set(workflows) == {"simple_workflow", "journalism"}

    project_id = orchestra.create_orchestra_project(None, "simple_workflow", "v1", "A test run of our simple workflow",
                                                    10, {"url": f"{site.url}/"}, "train")
    assert isinstance(project_id, int)

    info = wait_for_step(orchestra, project_id, "rate")
    assert list(info) == [project_id]  # convert_key_to_int turned the id key into an int
    entry = info[project_id]
    assert set(entry) == {"project", "tasks", "steps"}

    project = entry["project"]
    assert set(project) == PROJECT_KEYS
    assert project["id"] == project_id
    assert project["workflow_slug"] == "simple_workflow"
    assert project["workflow_version_slug"] == "v1"
    assert project["short_description"] == "A test run of our simple workflow"
    assert project["priority"] == 10
    assert project["project_data"] == {"url": f"{site.url}/"}
    assert project["task_class"] == 0  # 'train' is not 'real': a training project, Orchestra's integer 0
    assert project["status"] == 0  # active
    assert project["scratchpad_url"] is None
    assert project["slack_group_id"] is None
    assert is_iso(project["start_datetime"])

    assert [s["slug"] for s in entry["steps"]] == ["crawl", "rate"]
    for step in entry["steps"]:
        assert set(step) == STEP_KEYS
    assert entry["steps"][0]["is_human"] is False
    assert entry["steps"][1] | {"id": None} == {"id": None, "slug": "rate", "name": "Image Rating",
                                                "description": "Rate the image that we found.", "is_human": True}

    crawl = entry["tasks"]["crawl"]
    assert set(crawl) == TASK_KEYS
    assert crawl["step_slug"] == "crawl"
    assert crawl["project"] == project_id
    assert crawl["status"] == "Complete"
    assert crawl["latest_data"] == {"status": "success", "image": f"{site.url}/images/awesome-cat.png"}
    [machine] = crawl["assignments"]
    assert set(machine) == ASSIGNMENT_KEYS
    assert machine["worker"] == dict.fromkeys(WORKER_KEYS)
    assert machine["task"] == crawl["id"]
    assert machine["status"] == "Submitted"
    for iteration in machine["iterations"]:
        assert set(iteration) >= ITERATION_KEYS
        assert iteration["assignment"] == machine["id"]

    rate = entry["tasks"]["rate"]
    assert rate["status"] == "Awaiting Processing"
    assert rate["assignments"] == []
    assert rate["latest_data"] is None

    with world.tutti.database.read() as session:
        demo_id = session.scalar(select(Worker.id).where(Worker.username == "demo"))
    assert orchestra.assign_worker_to_task(demo_id, rate["id"]) == {"success": True, "errors": {}}

    rate = orchestra.get_project_information([project_id])[project_id]["tasks"]["rate"]
    assert rate["status"] == "Processing"
    [assigned] = rate["assignments"]
    assert set(assigned) == ASSIGNMENT_KEYS
    assert assigned["worker"]["id"] == demo_id
    assert assigned["worker"]["username"] == "demo"
    assert assigned["worker"]["first_name"] == "Demo"
    assert assigned["worker"]["slack_user_id"] == "UDEMO00001"
    assert assigned["status"] == "Processing"
    assert assigned["recorded_work_time"] is None
    [iteration] = assigned["iterations"]
    assert iteration["status"] == "Processing"
    assert iteration["end_datetime"] is None

    # Orchestra's client signs only the Date (one-second resolution): the very same request again within that
    # second carries the same signature and is refused as a replay, so the repeat waits for the next second.
    next_second()
    again = orchestra.assign_worker_to_task(demo_id, rate["id"])
    assert again["success"] is False
    assert list(again["errors"]) == ["task_assignment_error"]
    assert orchestra.assign_worker_to_task(None, None) == {
        "success": False, "errors": {"error": "worker_id must be the integer id of a worker, not None"}}
    missing = orchestra.assign_worker_to_task(demo_id, 999999)
    assert missing == {"success": False, "errors": {"error": "Task 999999 does not exist."}}

    assert orchestra.message_project_team(project_id, "Hello team, the client is watching.") == {"success": True}
    with pytest.raises(OrchestraError) as unknown:
        orchestra.message_project_team(999999, "anyone?")
    assert json.loads(unknown.value.args[0]) == {"error": 400, "message": "No project for given id"}

    details = orchestra.get_project_details_url(project_id)
    assert details.endswith(f"/orchestra/app/project/{project_id}")

    assert orchestra.get_project_information([999999]) == {}


def test_orchestra_error_bodies_keep_orchestras_messages(orchestra: OrchestraApi, world: World) -> None:
    with pytest.raises(OrchestraError) as missing:
        orchestra._make_api_request("post", "create_project", data='{"workflow_slug": "simple_workflow"}')
    assert "One of the parameters is missing" in missing.value.args[0]
    assert "workflow_version_slug" in missing.value.args[0]

    with pytest.raises(OrchestraError) as no_ids:
        orchestra._make_api_request("post", "project_information", data="{}")
    assert json.loads(no_ids.value.args[0]) == {"error": 400, "message": "project_ids is required"}

    with pytest.raises(OrchestraError) as unknown:
        orchestra.create_orchestra_project(None, "no_such_workflow", "v1", "x", 1, {}, "real")
    assert "Workflow no_such_workflow does not exist." in unknown.value.args[0]

    with pytest.raises(OrchestraError) as bad_message:
        orchestra._make_api_request("post", "message_project_team", data='{"project_id": 1}')
    assert "An object with `message` and `project_id` attributes should be supplied" in bad_message.value.args[0]

    with world.tutti.database.read() as session:
        assert session.scalar(select(func.count()).select_from(Project)) == 0


def test_a_wrong_secret_is_refused_with_401_naming_the_check(orchestra: OrchestraApi) -> None:
    wrong = OrchestraApi(orchestra.orchestra_url, "orchestra-user", "not-the-secret")
    with pytest.raises(OrchestraError) as refused:
        wrong.get_workflow_types()
    assert json.loads(refused.value.args[0]) == {"detail": "Bad signature", "check": "signature"}
