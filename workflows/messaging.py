"""Messages to a project's team (its Slack channel), queued through the outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from store import events
from store.events import Actor
from workflows.context import load_project
from workflows.errors import ValidationError
from workflows.outbox_events import emit

MAX_MESSAGE_CHARS = 40_000


def message_project_team(session: Session, project_id: int, text: str, *, actor: Actor) -> None:
    """Post `text` to the project's channel; if the channel is still being created it is posted once it exists."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("A message needs some text.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ValidationError(f"A message is limited to {MAX_MESSAGE_CHARS} characters.")
    project, _ = load_project(session, project_id)
    events.record(session, actor, "project.message", project_id=project.id, after={"text": text[:500]})
    emit(session, "project.message", project_id=project.id, text=text, actor=actor.id)
