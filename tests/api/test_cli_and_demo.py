"""`tutti api-keys`, `tutti webhooks` and `tutti demo` against a real database and Tutti under gunicorn."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from PIL import Image
from sqlalchemy import select

from bot.cli import main
from bot.cli_api import journalism_summary
from store import api_clients
from store.enums import TaskStatus
from store.models import Step, Task, TaskAssignment
from tests.api.servers import gunicorn
from tests.support.world import ACTOR, World
from workflows import submission


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TUTTI_SLACK_ENABLED": "0", "TUTTI_FILES_DIR": str(tmp_path / "files"),
            "REDIS_URL": "", "TUTTI_API_KEYS": ""}


def tutti(env: dict[str, str], *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result


def test_api_keys_are_created_listed_and_revoked(cli_env: dict[str, str], world: World) -> None:
    created = tutti(cli_env, "api-keys", "create", "--client", "newsroom", "--key-id", "newsroom-1")
    assert created.exit_code == 0, created.output
    secret = next(line.split()[-1] for line in created.output.splitlines() if line.startswith("Secret:"))
    with world.tutti.database.read() as session:
        key = api_clients.find_key(session, "newsroom-1")
        assert key is not None and key.secret == secret and key.client == "newsroom"
    listed = tutti(cli_env, "api-keys", "list")
    assert "newsroom-1\tnewsroom" in listed.output and "active" in listed.output
    assert secret not in listed.output
    assert tutti(cli_env, "api-keys", "revoke", "newsroom-1").exit_code == 0
    assert "revoked" in tutti(cli_env, "api-keys", "list").output
    again = tutti(cli_env, "api-keys", "create", "--key-id", "newsroom-1")
    assert again.exit_code != 0 and "already exists" in again.output
    assert "No API key nobody" in tutti(cli_env, "api-keys", "revoke", "nobody").output


def test_webhooks_are_set_unset_and_logged(cli_env: dict[str, str], world: World) -> None:
    tutti(cli_env, "api-keys", "create", "--key-id", "k1")
    result = tutti(cli_env, "webhooks", "set", "k1", "https://example.org/hook")
    assert result.exit_code == 0 and "whsec_" in result.output
    assert "webhook: https://example.org/hook" in tutti(cli_env, "api-keys", "list").output
    assert tutti(cli_env, "webhooks", "set", "k1", "ftp://x").exit_code != 0
    with world.tutti.database.unit_of_work() as uow:
        api_clients.log_delivery(uow.session, webhook_id="msg_tutti_9", key_id="k1", event_type="project.completed",
                                 project_id=3, attempt=2, url="https://example.org/hook", status_code=500,
                                 response_excerpt="down", duration_ms=12.0, error="HTTP 500")
        uow.commit()
    log = tutti(cli_env, "webhooks", "log", "--key", "k1").output
    assert "msg_tutti_9\tproject.completed\tproject 3\tattempt 2\thttps://example.org/hook\tHTTP 500" in log
    assert tutti(cli_env, "webhooks", "unset", "k1").exit_code == 0
    assert "webhook: -" in tutti(cli_env, "api-keys", "list").output


@pytest.mark.parametrize(("args", "message"), [
    (["--new", "-p", "3"], "The '--new' option cannot be used in conjunction with a project id."),
    (["--status"], "The '--status' option must be used in conjunction with a project id."),
    (["--final"], "The '--final' option must be used in conjunction with a project id."),
])
def test_the_journalism_demo_keeps_orchestras_option_rules(cli_env: dict[str, str], world: World,
                                                          args: list[str], message: str) -> None:
    result = tutti(cli_env, "demo", "journalism", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_the_demos_run_against_tutti_under_gunicorn(cli_env: dict[str, str], world: World, tmp_path: Path) -> None:
    world.load_bundled()
    with gunicorn(cli_env, log_path=tmp_path / "gunicorn.log") as base_url:

        def rate_when_assigned() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with world.tutti.database.read() as session:
                    row = session.execute(
                        select(Task.id, TaskAssignment.worker_id).join(Step, Step.id == Task.step_id)
                        .join(TaskAssignment, TaskAssignment.task_id == Task.id)
                        .where(Step.slug == "rate", Task.status == TaskStatus.PROCESSING)).first()
                if row is not None:
                    world.run(submission.submit_task, row[0], row[1],
                              {"rating": "4: This image is slightly awesome"}, actor=ACTOR)
                    return
                time.sleep(0.2)

        rater = threading.Thread(target=rate_when_assigned, daemon=True)
        rater.start()
        # No --url: the crawler reads the sample pictures Tutti serves itself, so the demo works offline.
        simple = tutti(cli_env, "demo", "simple", "--yes", "--api-url", base_url)
        rater.join()
        assert simple.exit_code == 0, simple.output
        picked = simple.output.split("The crawler picked: ")[1].split()[0]
        assert picked.startswith(f"{base_url}/demo/gallery/") and picked.endswith(".png")
        picture = Image.open(io.BytesIO(requests.get(picked, timeout=10).content))
        assert (picture.format, picture.size) == ("PNG", (480, 300))
        assert '{"errors": {}, "success": true}' in simple.output
        assert "The expert rated the image: 4: This image is slightly awesome" in simple.output

        new = tutti(cli_env, "demo", "journalism", "--new", "--api-url", base_url)
        assert new.exit_code == 0, new.output
        project_id = int(new.output.split("Project id: ")[1].split()[0])
        status = tutti(cli_env, "demo", "journalism", "--status", "-p", str(project_id), "--api-url", base_url)
        assert '"workflow_slug": "journalism"' in status.output
        final = tutti(cli_env, "demo", "journalism", "--final", "-p", str(project_id), "--api-url", base_url)
        assert final.exit_code == 1
        assert "The '--final' option must be used with a completed project" in final.output


def test_the_journalism_final_json_summarises_the_work_as_orchestras_docs_show() -> None:
    tasks = {
        "document_creation": {"latest_data": {"articleURL": "http://127.0.0.1:8000/files/project-1/Article-Draft.md"}},
        "photo_adjustment": {"latest_data": {"photos_for_caption": ["http://x/p/1.jpg", "http://x/p/2.jpg"]}},
        "copy_editing": {"status": "Complete",
                         "latest_data": {"headline": "Flood hits town", "captions": "The river\n\n  The bridge  \n"}},
    }
    assert journalism_summary(tasks) == {
        "articleDocument": "http://127.0.0.1:8000/files/project-1/Article-Draft.md",
        "headline": "Flood hits town",
        "photos": [{"caption": "The river", "src": "http://x/p/1.jpg"}, {"caption": "The bridge", "src": "http://x/p/2.jpg"}],
    }
    tasks["copy_editing"]["latest_data"]["captions"] = "One\nTwo\nThree"
    tasks["photo_adjustment"]["latest_data"]["photos_for_caption"] = ["http://x/p/1.jpg"]
    summary = journalism_summary(tasks)
    assert summary["photos"] == [{"caption": "One", "src": "http://x/p/1.jpg"}]
    assert summary["extra_captions"] == ["Two", "Three"]  # nothing the copy editor wrote is dropped
