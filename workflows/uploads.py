"""Files attached to a task's `files` form field, stored in the project's file storage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from store.enums import AssignmentStatus
from workflows.context import load_task
from workflows.errors import TaskAssignmentError, ValidationError
from workflows.files import get_storage, project_folder_name

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes
    content_type: str


def store_uploads(session: Session, task_id: int, worker_id: int, field_key: str,
                  uploads: list[Upload]) -> list[dict[str, Any]]:
    """Store files for the worker's task; returns the values to put under `field_key` in the task data."""
    ctx = load_task(session, task_id)
    ui = ctx.step.slack_ui
    field = next((f for f in (ui.fields if ui else ()) if f.key == field_key), None)
    if field is None or field.type != "files":
        raise ValidationError(f"Step {ctx.step.slug} has no file field named {field_key!r}.")
    mine = [a for a in ctx.task.assignments if a.worker_id == worker_id]
    if not mine or mine[0].status is not AssignmentStatus.PROCESSING:
        raise TaskAssignmentError(f"Only the person working on task {task_id} can attach files to it.")
    limit = field.max_files or 10
    if len(uploads) > limit:
        raise ValidationError(f"{field.label} takes at most {limit} files; {len(uploads)} were given.")
    for upload in uploads:
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ValidationError(f"{upload.name} is larger than the 20 MB limit.")
    storage = get_storage()
    project_folder = storage.create_folder(project_folder_name(ctx.project.id))
    folder = storage.create_folder(f"task-{task_id}-{field_key}", parent=project_folder)
    stored = []
    for upload in uploads:
        file_id = storage.write(folder, upload.name, upload.data, upload.content_type)
        stored.append({"id": file_id, "name": upload.name, "url": storage.url(file_id),
                       "content_type": upload.content_type, "size": len(upload.data)})
    return stored
