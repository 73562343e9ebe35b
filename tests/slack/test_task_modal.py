"""Doing a task in the task modal, as the expert would: open from Home, fill, save, submit, upload photos."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sandbox.driver import Sandbox, UserSession
from store.enums import ProjectStatus, TaskStatus
from tests.slack.conftest import ServedTutti, SlackWorld, double_click
from tests.support.pages import html, serve_pages
from tests.support.world import ACTOR
from workflows import assignment, files, submission
from workflows.workers import find_worker

PAGE = b"<html><body><img src='/images/sunset.png' alt='a sunset'></body></html>"
PLAN = {"who": "The mayor", "what": "A flood", "when": "Today", "where": "Riverside"}


@pytest.fixture
def site() -> Iterator[str]:
    with serve_pages({"/gallery.html": html(PAGE.decode())}) as url:
        yield url


def worker_id(world: SlackWorld, ref: str) -> int:
    return world.run(lambda s: find_worker(s, ref).id)


def assign(world: SlackWorld, project: int, step: str, ref: str) -> int:
    task = world.task_id(project, step)
    world.run(assignment.assign_task, task, worker_id(world, ref), actor=ACTOR)
    return task


def journalism_with_planning_done(world: SlackWorld) -> int:
    world.load_bundled()
    project = world.create("journalism", data={"article_draft_template": "Draft"})
    planning = assign(world, project, "article_planning", "journalism-editor")
    world.run(submission.submit_task, planning, worker_id(world, "journalism-editor"), PLAN, actor=ACTOR)
    world.drain()
    return project


def open_task(person: UserSession) -> Any:
    person.open_home()
    person.click("Open", within="home")
    return person.wait_for_modal()


def riley_with_reporting_open(world: SlackWorld, sandbox: Sandbox) -> tuple[int, int, UserSession, Any]:
    """Journalism with the plan done and the reporting task Riley's, open in a modal: (project, task, Riley,
    the modal)."""
    project = journalism_with_planning_done(world)
    task = assign(world, project, "reporting", "journalism-reporter-1")
    riley = sandbox.as_user("UJREPORT01")
    return project, task, riley, open_task(riley)


def test_the_demo_worker_rates_the_crawled_image_in_the_modal(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox, site: str) -> None:
    slack_world.load_bundled()
    project = slack_world.create("simple_workflow", data={"url": f"{site}/gallery.html"})
    assert slack_world.status(project, "crawl") is TaskStatus.COMPLETE
    assign(slack_world, project, "rate", "demo")
    demo = sandbox.as_user("UDEMO00001")
    modal = open_task(demo)
    assert modal.title == "Image Rating"
    assert "Rate the image that we found." in modal.text
    images = [b for b in modal.blocks if b["type"] == "image"]
    assert [b["image_url"] for b in images] == [f"{site}/images/sunset.png"]
    demo.select("How awesome is this image?", "4: This image is slightly awesome")
    demo.submit()
    assert "Submitted" in demo.modal().text
    assert slack_world.status(project, "rate") is TaskStatus.COMPLETE
    assert slack_world.task(project, "rate")["latest_data"] == {"rating": "4: This image is slightly awesome"}
    assert slack_world.project_status(project) is ProjectStatus.COMPLETED


def test_a_reporting_error_shows_under_the_field_until_it_is_fixed(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _, riley, modal = riley_with_reporting_open(slack_world, sandbox)
    assert "The mayor" in modal.text and "Riverside" in modal.text  # the editor's plan
    riley.fill("Notes", "Called the mayor's office")
    riley.submit()
    modal = riley.modal()
    assert modal.errors == {"Article": "“Article” is required."}
    assert slack_world.status(project, "reporting") is TaskStatus.PROCESSING
    riley.fill("Article", "The river rose overnight.")
    riley.submit()
    assert "Submitted" in riley.modal().text and "waiting for a reviewer" in riley.modal().text
    assert slack_world.status(project, "reporting") is TaskStatus.PENDING_REVIEW
    assert slack_world.task(project, "reporting")["latest_data"] == {
        "article": "The river rose overnight.", "notes": "Called the mayor's office"}


def test_a_saved_draft_comes_back_when_the_task_is_opened_again(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _, riley, _ = riley_with_reporting_open(slack_world, sandbox)
    riley.fill("Article", "First paragraph")
    riley.click("Save draft")
    modal = sandbox.wait_for(lambda: (m := riley.modal()) and "Draft saved at" in m.text and m, "the saved note")
    assert modal.state["article"]["form.value"]["value"] == "First paragraph"
    riley.close()
    modal = open_task(riley)
    assert modal.state["article"]["form.value"]["value"] == "First paragraph"
    assert slack_world.status(project, "reporting") is TaskStatus.PROCESSING


def photo(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG" if name.endswith(".png") else "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_two_uploaded_photos_are_stored_in_the_project_and_shown_to_the_reviewer(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox, tmp_path: Path) -> None:
    project = journalism_with_planning_done(slack_world)
    task = assign(slack_world, project, "photography", "journalism-photographer-1")
    pat = sandbox.as_user("UJPHOTO001")
    open_task(pat)
    pat.upload("Raw photos", photo(tmp_path, "harbour.jpg", (200, 20, 20)), photo(tmp_path, "bridge.png", (0, 0, 200)))
    pat.submit()
    modal = sandbox.wait_for(lambda: (m := pat.modal()) and "Submitted." in m.text and m, "the submitted modal")
    assert "waiting for a reviewer" in modal.text
    assert slack_world.status(project, "photography") is TaskStatus.PENDING_REVIEW
    photos = slack_world.task(project, "photography")["latest_data"]["photos"]
    assert [p["name"] for p in photos] == ["harbour.jpg", "bridge.png"]
    storage = files.get_storage()
    assert all(p["id"].startswith(f"project-{project}/task-{task}-photos/") for p in photos)
    assert storage.read(photos[0]["id"]) == (tmp_path / "harbour.jpg").read_bytes()

    phil = sandbox.as_user("UJPHOTO002")
    phil.open_home()
    phil.click("Open", within="home")
    review = phil.wait_for_modal()
    assert "harbour.jpg" in review.text and "bridge.png" in review.text
    assert [b["image_url"] for b in review.blocks if b["type"] == "image"] == [p["url"] for p in photos]


def test_someone_else_cannot_submit_a_task_that_is_not_theirs(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _, _, modal = riley_with_reporting_open(slack_world, sandbox)
    # Robin replays Riley's form as if it were theirs: the server checks who is clicking.
    robin = sandbox.user("UJREPORT02")
    view = sandbox.workspace.find_view(view_id=modal.id)
    assert view is not None
    view.user_id = robin.id
    sandbox.workspace.modals[robin.id] = [view]
    robin_session = sandbox.as_user("UJREPORT02")
    robin_session.fill("Article", "Robin's words")
    robin_session.submit()
    assert "not yours to submit" in robin_session.modal().text
    assert slack_world.status(project, "reporting") is TaskStatus.PROCESSING


def test_a_replayed_submission_has_exactly_one_effect(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task, riley, _ = riley_with_reporting_open(slack_world, sandbox)
    riley.fill("Article", "Once only")
    sandbox.faults.duplicate_next("interaction")
    outcome = riley.submit()
    assert outcome.ok and outcome.answer is not None and outcome.answer.duplicate is not None
    assert outcome.answer.duplicate.acked
    assert slack_world.status(project, "reporting") is TaskStatus.PENDING_REVIEW
    submitted = [e for e in slack_world.events(project) if e["action"] == "task.submit" and e["task_id"] == task]
    assert len(submitted) == 1
    assert len(slack_world.assignments(project, "reporting")[0].iterations) == 1
    shown = riley.modal().text
    assert "Submitted." in shown or "already submitted" in shown


def test_a_double_clicked_start_timer_starts_it_once_and_a_later_press_still_counts(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    _, _, riley, _ = riley_with_reporting_open(slack_world, sandbox)
    modal = double_click(sandbox, riley, "Start timer")
    assert "Timer started at" in modal.text and "[Stop timer]" in modal.text
    assert "already" not in modal.text
    # The redrawn modal is a new version: pressing the same buttons again on purpose works.
    riley.click("Stop timer")
    sandbox.wait_for(lambda: "Timer stopped" in riley.modal().text or None, "the stopped timer")
    riley.click("Start timer")
    sandbox.wait_for(lambda: "Timer started at" in riley.modal().text or None, "the timer running again")
    assert "[Stop timer]" in riley.modal().text


def test_saving_a_draft_in_a_task_modal_opened_before_a_return_is_refused(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task, riley, _ = riley_with_reporting_open(slack_world, sandbox)
    # Meanwhile Riley hands the work in elsewhere and the reviewer returns it with feedback.
    slack_world.run(submission.submit_task, task, worker_id(slack_world, "journalism-reporter-1"),
                    {"article": "The river rose."}, actor=ACTOR)
    reviewer = worker_id(slack_world, "journalism-reporter-2")
    slack_world.run(assignment.assign_task, task, reviewer, actor=ACTOR)
    slack_world.run(submission.return_task, task, reviewer, "Quote the mayor.", actor=ACTOR)
    riley.fill("Article", "Words typed in the old modal")
    riley.click("Save draft")
    modal = sandbox.wait_for(lambda: (m := riley.modal()) and "changed since you opened it" in m.text and m,
                             "the refusal")
    assert "Quote the mayor." in modal.text  # the redrawn modal shows the feedback
    assert modal.state["article"]["form.value"]["value"] == "Words typed in the old modal"  # nothing typed is lost
    drafts = [a.in_progress_task_data for a in slack_world.assignments(project, "reporting")]
    assert all(d.get("article") != "Words typed in the old modal" for d in drafts)
