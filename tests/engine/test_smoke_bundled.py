"""The bundled workflows run end to end through the engine and the outbox."""

from __future__ import annotations

import io

from PIL import Image

from store.enums import ProjectStatus, TaskStatus
from tests.support.world import ACTOR, World
from workflows import assignment, files, submission, uploads
from workflows.workers import find_worker


def worker_id(world: World, ref: str) -> int:
    return world.run(lambda s: find_worker(s, ref).id)


def test_journalism_project_runs_to_completion_with_a_return_and_greyscale_photos(world: World) -> None:
    world.load_bundled()
    project = world.create("journalism", data={"article_draft_template": "Draft here"})
    assert world.status(project, "document_creation") is TaskStatus.COMPLETE
    planning = world.task_id(project, "article_planning")
    editor = worker_id(world, "journalism-editor")
    world.run(assignment.assign_task, planning, editor, actor=ACTOR)
    plan = {"who": "Mayor", "what": "Flood", "when": "Today", "where": "River"}
    world.run(submission.submit_task, planning, editor, plan, actor=ACTOR)
    assert world.status(project, "article_planning") is TaskStatus.COMPLETE

    reporting = world.task_id(project, "reporting")
    reporter, reviewer = worker_id(world, "journalism-reporter-1"), worker_id(world, "journalism-reporter-2")
    world.run(assignment.assign_task, reporting, reporter, actor=ACTOR)
    world.run(submission.submit_task, reporting, reporter, {"article": "v1"}, actor=ACTOR)
    assert world.status(project, "reporting") is TaskStatus.PENDING_REVIEW
    world.run(assignment.assign_task, reporting, reviewer, actor=ACTOR)
    world.run(submission.return_task, reporting, reviewer, "More quotes", actor=ACTOR)
    assert world.status(project, "reporting") is TaskStatus.POST_REVIEW_PROCESSING
    world.run(submission.submit_task, reporting, reporter, {"article": "v2"}, actor=ACTOR)
    assert world.status(project, "reporting") is TaskStatus.REVIEWING
    world.run(submission.accept_task, reporting, reviewer, actor=ACTOR)
    assert world.status(project, "reporting") is TaskStatus.COMPLETE

    raw_folder = world.info(project)["tasks"]["document_creation"]["latest_data"]["raw_photo_folder"]
    storage = files.get_storage()
    photos = {}
    for name, colour in (("one.jpg", (200, 30, 30)), ("two.png", (20, 40, 220))):
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), colour).save(buffer, format="PNG" if name.endswith("png") else "JPEG")
        photos[name] = buffer.getvalue()
    storage.write(raw_folder, "one.jpg", photos["one.jpg"], "image/jpeg")  # dropped into the raw folder
    photography = world.task_id(project, "photography")
    photographer = worker_id(world, "journalism-photographer-1")
    photo_reviewer = worker_id(world, "journalism-photographer-2")
    world.run(assignment.assign_task, photography, photographer, actor=ACTOR)
    attached = world.run(uploads.store_uploads, photography, photographer, "photos",  # attached to the form
                         [uploads.Upload("two.png", photos["two.png"], "image/png")])
    world.run(submission.submit_task, photography, photographer, {"photos": attached}, actor=ACTOR)
    world.run(assignment.assign_task, photography, photo_reviewer, actor=ACTOR)
    world.run(submission.accept_task, photography, photo_reviewer, actor=ACTOR)
    world.drain()
    adjusted = world.info(project)["tasks"]["photo_adjustment"]
    assert adjusted["status"] == "Complete"
    folder = adjusted["latest_data"]["processed_photo_folder"]
    processed = storage.list(folder)
    assert len(processed) == 2
    assert all(Image.open(io.BytesIO(storage.read(f.id))).mode == "L" for f in processed)

    copy = world.task_id(project, "copy_editing")
    copy_editor = worker_id(world, "journalism-copy-editor")
    world.run(assignment.assign_task, copy, copy_editor, actor=ACTOR)
    world.run(submission.submit_task, copy, copy_editor, {"headline": "Flood!", "captions": "a\nb"}, actor=ACTOR)
    assert world.project_status(project) is ProjectStatus.COMPLETED
