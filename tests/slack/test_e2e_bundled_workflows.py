"""End to end in Slack: the bundled workflows played by their sample workers through the sandbox, as people would.

Projects are started through the engine (as the CLI or the client API would); everything after that happens by
clicking in Slack: Home, Get a task, the task and review modals, uploads. Jobs (machine steps, channel messages,
invites, Home refreshes) run when the test lets the outbox settle.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from sandbox.driver import Sandbox, UserSession
from store.enums import ProjectStatus, TaskStatus
from tests.slack.conftest import ServedTutti, SlackWorld
from tests.support.pages import html, serve_pages
from workflows import files

RATING = "4: This image is slightly awesome"


@pytest.fixture
def gallery() -> Iterator[str]:
    page = html("<html><body><h1>Sunsets</h1><img src='/photos/dusk.jpg'></body></html>")
    with serve_pages({}, fallback=page) as url:
        yield url


def channel_id(world: SlackWorld, project: int) -> str:
    channel = world.info(project)["project"]["slack_group_id"]
    assert channel, "the project has no channel yet"
    return channel


def channel_texts(sandbox: Sandbox, channel: str) -> list[str]:
    return [call.args.get("text", "") for call in sandbox.calls("chat.postMessage")
            if call.args.get("channel") == channel]


def get_task(person: UserSession, button: str) -> None:
    """Home → the Get-a-task button → read the result → close it."""
    person.open_home()
    person.click(button)
    result = person.wait_for_modal("Get a task")
    assert "You got a new" in result.text, result.text
    person.close()


def open_from_home(person: UserSession) -> None:
    person.open_home()
    person.click("Open", within="home")
    person.wait_for_modal()


def wait_for_note(sandbox: Sandbox, person: UserSession, note: str) -> None:
    sandbox.wait_for(lambda: ((m := person.modal()) is not None and note in m.text) or None, f"the note {note!r}")


def test_simple_workflow_in_slack_from_crawl_to_an_archived_channel(
    slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox, gallery: str
) -> None:
    slack_world.load_bundled()
    project = slack_world.create("simple_workflow", data={"url": f"{gallery}/sunsets"}, drain=False)
    slack_world.settle()
    assert slack_world.status(project, "crawl") is TaskStatus.COMPLETE
    image = slack_world.info(project)["tasks"]["crawl"]["latest_data"]["image"]
    assert image == f"{gallery}/photos/dusk.jpg"
    channel = channel_id(slack_world, project)
    assert sandbox.channel(channel).is_private

    demo = sandbox.as_user("UDEMO00001")
    get_task(demo, "Get a task")
    slack_world.settle()
    assert "UDEMO00001" in sandbox.channel(channel).members
    assert any("picked up by <@UDEMO00001>" in t for t in channel_texts(sandbox, channel))

    open_from_home(demo)
    modal = demo.modal()
    assert image in str(modal.blocks), "the crawled image is shown in the task modal"
    demo.select("How awesome is this image?", RATING)
    demo.submit()
    slack_world.settle()

    assert slack_world.status(project, "rate") is TaskStatus.COMPLETE
    assert slack_world.info(project)["tasks"]["rate"]["latest_data"] == {"rating": RATING}
    assert slack_world.project_status(project) is ProjectStatus.COMPLETED
    texts = channel_texts(sandbox, channel)
    assert any("has been completed" in t and "Image Rating" in t for t in texts)
    assert "has been completed." in texts[-1] and f"Project {project}" in texts[-1]
    assert sandbox.channel(channel).is_archived
    assert any("is complete" in m.text for m in demo.dms())


def test_journalism_in_slack_with_six_sample_workers(
    slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox, tmp_path: Path
) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", data={"article_draft_template": "Start here."}, drain=False)
    slack_world.settle()
    assert slack_world.status(project, "document_creation") is TaskStatus.COMPLETE
    channel = channel_id(slack_world, project)

    # The editor plans the story.
    editor = sandbox.as_user("UJEDITOR01")
    get_task(editor, "Get Editor task")
    open_from_home(editor)
    for label, value in (("Who", "Residents"), ("What", "Flooding"), ("When", "Monday"), ("Where", "Downtown")):
        editor.fill(label, value)
    editor.submit()
    slack_world.settle()
    assert slack_world.status(project, "article_planning") is TaskStatus.COMPLETE
    assert slack_world.status(project, "reporting") is TaskStatus.AWAITING_PROCESSING
    assert slack_world.status(project, "photography") is TaskStatus.AWAITING_PROCESSING

    # The first reporter writes; the second returns it with feedback; the fix goes back to the same reviewer.
    riley, robin = sandbox.as_user("UJREPORT01"), sandbox.as_user("UJREPORT02")
    get_task(riley, "Get Reporter task")
    open_from_home(riley)
    riley.fill("Article", "Water rose downtown.")
    riley.submit()
    slack_world.settle()
    assert slack_world.status(project, "reporting") is TaskStatus.PENDING_REVIEW

    get_task(robin, "Get Reporter review")
    open_from_home(robin)
    robin.click("Return")
    robin.wait_for_modal("Return with feedback")
    robin.fill("Feedback", "Quote a resident.")
    robin.submit()
    slack_world.settle()
    assert slack_world.status(project, "reporting") is TaskStatus.POST_REVIEW_PROCESSING
    assert any("Quote a resident." in m.text for m in riley.dms())
    riley.open_home()
    home = riley.home()
    assert home is not None and "Quote a resident." in home.text

    open_from_home(riley)
    riley.fill("Article", "Water rose downtown. 'It came fast,' said Ana.")
    riley.submit()
    slack_world.settle()
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    assert any("ready for re-review" in m.text for m in robin.dms())
    open_from_home(robin)
    robin.click("Accept")
    wait_for_note(sandbox, robin, "Accepted.")
    slack_world.settle()
    reporting = slack_world.info(project)["tasks"]["reporting"]
    assert reporting["status"] == "Complete"
    assert reporting["latest_data"]["article"].endswith("said Ana.")

    # Photography with two uploaded photos, then its review.
    photos = []
    for name, colour in (("harbour.jpg", (210, 40, 40)), ("crowd.png", (40, 60, 220))):
        path = tmp_path / name
        Image.new("RGB", (24, 16), colour).save(path)
        photos.append(path)
    pat, phil = sandbox.as_user("UJPHOTO001"), sandbox.as_user("UJPHOTO002")
    get_task(pat, "Get Photographer task")
    open_from_home(pat)
    pat.upload("Raw photos", *photos)
    pat.submit()
    wait_for_note(sandbox, pat, "Submitted.")
    slack_world.settle()
    assert slack_world.status(project, "photography") is TaskStatus.PENDING_REVIEW
    get_task(phil, "Get Photographer review")
    open_from_home(phil)
    phil.click("Accept")
    wait_for_note(sandbox, phil, "Accepted.")
    slack_world.settle()

    # The machine step greyscales every photo.
    adjusted = slack_world.info(project)["tasks"]["photo_adjustment"]
    assert adjusted["status"] == "Complete"
    storage = files.get_storage()
    processed = storage.list(adjusted["latest_data"]["processed_photo_folder"])
    assert len(processed) == 2
    assert all(Image.open(io.BytesIO(storage.read(f.id))).mode == "L" for f in processed)

    # The copy editor writes the headline and captions; the project completes and its channel is archived.
    casey = sandbox.as_user("UJCOPYED01")
    get_task(casey, "Get Copy Editor task")
    open_from_home(casey)
    casey.fill("Headline", "Downtown under water")
    casey.fill("Captions", "The harbour at noon\nThe crowd on Main Street")
    casey.submit()
    slack_world.settle()

    final = slack_world.info(project)
    assert {slug: task["status"] for slug, task in final["tasks"].items()} == dict.fromkeys(
        ["document_creation", "article_planning", "reporting", "photography", "photo_adjustment", "copy_editing"],
        "Complete",
    )
    assert final["tasks"]["copy_editing"]["latest_data"]["headline"] == "Downtown under water"
    assert slack_world.project_status(project) is ProjectStatus.COMPLETED
    info = sandbox.channel(channel)
    assert info.is_archived
    assert {"UJEDITOR01", "UJREPORT01", "UJREPORT02", "UJPHOTO001", "UJPHOTO002", "UJCOPYED01"} <= set(info.members)
    texts = channel_texts(sandbox, channel)
    for expected in ("picked up by <@UJREPORT01>", "awaiting review", "was returned", "ready for re-review",
                     "Photo Adjustment", "has been completed"):
        assert any(expected in t for t in texts), f"no channel message containing {expected!r}"
