"""Messages Tutti posts to project channels and DMs: pure functions of read models."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from store.enums import ProjectStatus, TaskStatus
from views.forms import escape
from workflows.read_models import PersonRef, ProjectSummary, TaskSummary

MAX_CHANNEL_NAME = 80


@dataclass(frozen=True)
class Notice:
    """A message: fallback text plus blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def mention(person: PersonRef | None) -> str:
    return "nobody yet" if person is None else f"<@{person.slack_user_id}>"


def channel_name(project_id: int, description: str, attempt: int = 0) -> str:
    """`project-12-floods-downtown`: Slack's rules (lower case, a-z0-9-_, at most 80), unique per attempt."""
    ascii_text = unicodedata.normalize("NFKD", description).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")
    name = f"project-{project_id}" + (f"-{slug}" if slug else "")
    if attempt:
        name = f"{name[:MAX_CHANNEL_NAME - 4]}-{attempt + 1}"
    return name[:MAX_CHANNEL_NAME]


def channel_purpose(project: ProjectSummary) -> str:
    return f"Discussing work on `{project.description or project.workflow_name}`"[:250]


def _notice(headline: str, detail: str | None = None, context: str | None = None) -> Notice:
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=headline[:3000]))]
    if detail:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=detail[:3000])))
    if context:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=context[:3000])]))
    text = headline if not detail else f"{headline}\n{detail}"
    return Notice(text=text[:3000], blocks=[b.to_dict() for b in blocks])


def _task_label(task: TaskSummary) -> str:
    return f"*{escape(task.step_name)}* (task {task.id})"


def _project_label(project: ProjectSummary) -> str:
    return f"Project {project.id} · {escape(project.description or project.workflow_name)}"


def welcome(person: PersonRef) -> Notice:
    return _notice(f"{mention(person)} has been added to the team. Welcome aboard!")


def task_status_notice(task: TaskSummary, previous: TaskStatus, action: str | None,
                       submitter: PersonRef | None = None) -> Notice | None:
    """The channel message for a task's status change, mentioning the people concerned."""
    label = _task_label(task)
    status = task.status
    who = mention(task.current)
    core = task.people[0] if task.people else None
    if status is TaskStatus.PROCESSING:
        headline = f":arrow_forward: {label} has been picked up by {who}."
    elif status is TaskStatus.PENDING_REVIEW:
        headline = f":eyes: {label} is awaiting review (submitted by {mention(submitter or _submitter(task))})."
    elif status is TaskStatus.REVIEWING and previous is TaskStatus.POST_REVIEW_PROCESSING:
        headline = f":repeat: {label} was resubmitted and is ready for re-review by {who}."
    elif status is TaskStatus.REVIEWING:
        headline = f":mag: {label} is under review by {who}."
    elif status is TaskStatus.POST_REVIEW_PROCESSING:
        headline = f":leftwards_arrow_with_hook: {label} was returned to {who} by the reviewer."
        return _notice(headline, _quote(task.last_feedback))
    elif status is TaskStatus.COMPLETE:
        if action == "machine":
            headline = f":white_check_mark: {label} finished (machine step)."
        elif action == "skip":
            headline = f":fast_forward: {label} was completed on the team's behalf."
        else:
            people = " ".join(dict.fromkeys(mention(p) for p in task.people)) or mention(core)
            headline = f":white_check_mark: {label} has been completed. Thanks {people}!"
    elif status is TaskStatus.ABORTED:
        headline = f":no_entry: {label} has been aborted."
    else:
        return None
    return _notice(headline, context=_project_label(task.project))


def _submitter(task: TaskSummary) -> PersonRef | None:
    return task.people[-1] if task.people else None


def _quote(text: str | None) -> str | None:
    if not text:
        return None
    return "\n".join(f"> {escape(line)}" for line in text.splitlines())


def task_failed_notice(task: TaskSummary, attempts: int) -> Notice:
    return _notice(
        f":warning: {_task_label(task)} failed after {attempts} attempt{'s' if attempts != 1 else ''}.",
        f"```{escape((task.last_error or 'no error recorded')[:2500])}```",
        f"{_project_label(task.project)} · an admin can retry it with `/tutti retry {task.id}` "
        f"or `tutti tasks retry {task.id}`",
    )


_PROJECT_VERBS = {
    ProjectStatus.PAUSED: (
        "paused", ":double_vertical_bar:", "All activities are on hold until the project is resumed."
    ),
    ProjectStatus.ACTIVE: ("resumed", ":arrow_forward:", None),
    ProjectStatus.COMPLETED: ("completed", ":tada:", "This channel will now be archived. Thank you all!"),
    ProjectStatus.ABORTED: ("aborted", ":no_entry:", "This channel will now be archived."),
}


def project_status_notice(project: ProjectSummary, people: list[PersonRef]) -> Notice:
    verb, emoji, detail = _PROJECT_VERBS[project.status]
    mentions = " ".join(dict.fromkeys(mention(p) for p in people))
    headline = f"{emoji} *{_project_label(project)}* has been {verb}." + (f" {mentions}" if mentions else "")
    return _notice(headline, detail)


# --- direct messages -----------------------------------------------------------------------------------


def assigned_dm(task: TaskSummary) -> Notice:
    role = "review" if task.status is TaskStatus.REVIEWING else "work on"
    return _notice(f":wave: You've been assigned to {role} {_task_label(task)}.",
                   "Open Tutti's *Home* tab to get started.", _project_label(task.project))


def returned_dm(task: TaskSummary) -> Notice:
    return _notice(f":leftwards_arrow_with_hook: Your reviewer sent back {_task_label(task)} for a bit more polish.",
                   _quote(task.last_feedback), _project_label(task.project))


def rereview_dm(task: TaskSummary) -> Notice:
    return _notice(f":repeat: {_task_label(task)} has been updated and is ready for re-review.",
                   "Open Tutti's *Home* tab to review it.", _project_label(task.project))


def complete_dm(task: TaskSummary) -> Notice:
    return _notice(f":tada: Congratulations! {_task_label(task)} that you worked on is complete.",
                   context=_project_label(task.project))


def failure_dm(task: TaskSummary, attempts: int) -> Notice:
    return task_failed_notice(task, attempts)
