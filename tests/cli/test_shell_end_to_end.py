"""From the shell alone: the bundled workflows run end to end through the `tutti` command."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.support.pages import html, serve_pages

TUTTI = str(Path(sys.executable).with_name("tutti"))


class Shell:
    """Runs `tutti` in a subprocess with this test's database, as a person would from a terminal."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env = env
        self.cwd = cwd

    def __call__(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([TUTTI, *args], env=self.env, cwd=self.cwd, capture_output=True, text=True,
                                timeout=120)
        if ok and result.returncode != 0:
            raise AssertionError(f"tutti {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
        return result

    def task(self, project: int, step: str) -> int:
        for line in self("tasks", "list", "--project", str(project)).stdout.splitlines():
            task_id, _, slug, _ = line.split("\t")
            if slug == step:
                return int(task_id)
        raise AssertionError(f"no {step} task in project {project}")

    def show(self, project: int) -> dict:
        return json.loads(self("projects", "show", str(project)).stdout)


@pytest.fixture
def shell(database_url: str, tmp_path: Path) -> Iterator[Shell]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(DATABASE_URL=database_url, TUTTI_FILES_DIR=str(tmp_path / "files"),
               TUTTI_QUEUE=f"tutti-test-{uuid.uuid4().hex[:8]}", TUTTI_SLACK_ENABLED="0")
    worker = None
    if env.get("REDIS_URL"):  # jobs go through RQ: run the worker process beside the commands
        worker = subprocess.Popen([TUTTI, "worker"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
    yield Shell(env, tmp_path)
    if worker is not None:
        worker.terminate()
        worker.wait(timeout=20)


@pytest.fixture
def image_page() -> Iterator[str]:
    page = html('<html><body><img src="/static/sunset.jpg"><img src="logo.svg"></body></html>')
    with serve_pages({}, fallback=page) as url:
        yield f"{url}/gallery"


def test_simple_workflow_runs_end_to_end_from_the_shell(shell: Shell, image_page: str) -> None:
    shell("db", "upgrade")
    shell("workflows", "load", "--bundled")
    shell("workflows", "sample-data", "simple_workflow")
    created = shell("projects", "create", "simple_workflow", "v1", "-d", "Rate a sunset", "--data",
                    json.dumps({"url": image_page}), "--wait", "60")
    project = int(created.stdout.split()[2].rstrip("."))
    assert "crawl: Complete" in created.stdout

    rate = shell.task(project, "rate")
    shell("tasks", "assign", str(rate), "--worker", "demo")
    rating = "5: This image is very awesome"
    submitted = shell("tasks", "submit", str(rate), "--worker", "demo", "--data", json.dumps({"rating": rating}))
    assert "Complete" in submitted.stdout

    final = shell.show(project)
    assert final["project"]["status"] == 4  # Orchestra's COMPLETED
    assert final["tasks"]["crawl"]["latest_data"] == {"status": "success", "image": image_page.rsplit("/", 1)[0]
                                                      + "/static/sunset.jpg"}
    assert final["tasks"]["rate"]["latest_data"] == {"rating": rating}
    assert [s["slug"] for s in final["steps"]] == ["crawl", "rate"]


def test_journalism_runs_end_to_end_from_the_shell_with_photos_coming_out_greyscale(
    shell: Shell, tmp_path: Path
) -> None:
    shell("workflows", "load", "--bundled")
    shell("workflows", "sample-data", "journalism")
    photos = []
    for name, colour in (("harbour.jpg", (220, 40, 40)), ("crowd.png", (30, 60, 230))):
        path = tmp_path / name
        Image.new("RGB", (16, 12), colour).save(path)
        photos.append(path)
    created = shell("projects", "create", "journalism", "v1", "-d", "Floods downtown", "--wait", "60")
    project = int(created.stdout.split()[2].rstrip("."))

    planning = shell.task(project, "article_planning")
    shell("tasks", "assign", str(planning), "--worker", "journalism-editor")
    shell("tasks", "submit", str(planning), "--worker", "journalism-editor", "--data",
          json.dumps({"who": "Residents", "what": "Flooding", "when": "Monday", "where": "Downtown"}))

    reporting = shell.task(project, "reporting")
    shell("tasks", "assign", str(reporting), "--worker", "journalism-reporter-1")
    assert "Pending Review" in shell("tasks", "submit", str(reporting), "--worker", "journalism-reporter-1",
                                     "--data", json.dumps({"article": "Water rose."})).stdout
    shell("tasks", "assign", str(reporting), "--worker", "journalism-reporter-2")
    returned = shell("tasks", "return", str(reporting), "--worker", "journalism-reporter-2", "--feedback",
                     "Quote a resident.")
    assert "Post-review Processing" in returned.stdout
    shell("tasks", "submit", str(reporting), "--worker", "journalism-reporter-1", "--data",
          json.dumps({"article": "Water rose. 'It was fast,' said Ana."}))
    assert "Complete" in shell("tasks", "accept", str(reporting), "--worker", "journalism-reporter-2").stdout

    photography = shell.task(project, "photography")
    shell("tasks", "assign", str(photography), "--worker", "journalism-photographer-1")
    shell("tasks", "submit", str(photography), "--worker", "journalism-photographer-1",
          "--file", f"photos={photos[0]}", "--file", f"photos={photos[1]}")
    shell("tasks", "assign", str(photography), "--worker", "journalism-photographer-2")
    shell("tasks", "accept", str(photography), "--worker", "journalism-photographer-2")
    shell("projects", "wait", str(project), "--timeout", "60")

    adjusted = shell.show(project)["tasks"]["photo_adjustment"]
    assert adjusted["status"] == "Complete"
    processed = adjusted["latest_data"]["photos_for_caption"]
    assert len(processed) == 2
    files_root = tmp_path / "files"
    for url in processed:
        stored = files_root / url.split("/files/", 1)[1]
        image = Image.open(io.BytesIO(stored.read_bytes()))
        assert image.mode == "L"

    copy = shell.task(project, "copy_editing")
    shell("tasks", "assign", str(copy), "--worker", "journalism-copy-editor")
    shell("tasks", "submit", str(copy), "--worker", "journalism-copy-editor", "--data",
          json.dumps({"headline": "Downtown under water", "captions": "The harbour\nThe crowd"}))
    final = shell.show(project)
    assert final["project"]["status"] == 4
    assert {slug: t["status"] for slug, t in final["tasks"].items()} == dict.fromkeys(
        ["document_creation", "article_planning", "reporting", "photography", "photo_adjustment", "copy_editing"],
        "Complete",
    )
    reviews = final["tasks"]["reporting"]["assignments"][1]["iterations"]
    assert reviews[0]["status"] == "Provided Review" and reviews[0]["feedback"] == "Quote a resident."


def test_errors_are_one_clear_line_and_a_non_zero_exit(shell: Shell) -> None:
    shell("workflows", "load", "--bundled")
    missing = shell("tasks", "assign", "999", "--worker", "nobody", ok=False)
    assert missing.returncode != 0
    assert missing.stderr.strip().splitlines() == ["Error: Worker nobody does not exist."]
    unknown = shell("projects", "create", "no_such_flow", "v1", ok=False)
    assert unknown.stderr.strip() == ("Error: Workflow no_such_flow does not exist. "
                                      "Loaded workflows: journalism, simple_workflow.")
    assert "Traceback" not in unknown.stderr


def test_bad_input_on_the_command_line_is_one_line_and_changes_nothing(shell: Shell, tmp_path: Path) -> None:
    shell("workflows", "load", "--bundled")
    deep = tmp_path / "deep.json"
    deep.write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    cases = {
        ("projects", "create", "simple_workflow", "v1", "--data", "@/no/such/file.json"):
            "cannot read /no/such/file.json: No such file or directory",
        ("projects", "create", "simple_workflow", "v1", "--data", f"@{deep}"): "it is nested too deeply",
        ("projects", "create", "simple_workflow", "v1", "--data", '{"url": NaN}'): "NaN is not a JSON number",
        ("projects", "show", "99999999999999999999999"): "is not a project id (a whole number from 1 to",
        ("tasks", "assign", "1", "--worker", "99999999999999999999999"): "does not exist",
        ("projects", "wait", "424242"): "Project 424242 does not exist.",
        ("api-keys", "create", "--client", "news", "--webhook", "notaurl"): "must start with http:// or https://",
    }
    for args, message in cases.items():
        result = shell(*args, ok=False)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
    assert shell("projects", "list").stdout.strip() == ""
    assert "news" not in shell("api-keys", "list").stdout
