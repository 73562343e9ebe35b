"""Replies to `/tutti` admin commands: pure text builders."""

from __future__ import annotations

from store.enums import ProjectStatus
from store.models import Project
from views.forms import clip, escape

DESCRIPTION_CHARS = 150

# Escaped, or Slack would read `<task id>` as a link and drop it.
HELP = escape("""*Tutti admin commands*
• `/tutti projects [active|paused|completed|aborted]`: list projects
• `/tutti certify @person workflow/certification [reviewer] [training]`: certify an expert
• `/tutti pause|resume|abort <project id>`: change a project's status
• `/tutti assign <task id> @person`: give a task's next assignment to someone
• `/tutti reassign <task id> @person`: hand the current assignment to someone else
• `/tutti retry <task id>`: run a failed machine step again
• `/tutti help`: this list""")

REFUSAL = "Sorry, `/tutti` is for Tutti admins. Ask a workspace admin if you need something changed."


def project_lines(projects: list[Project]) -> str:
    if not projects:
        return "No projects match."
    lines = [
        f"• *{p.id}* {escape(clip(p.short_description, DESCRIPTION_CHARS)) or '(no description)'} · "
        f"{p.version.workflow.slug}/{p.version.slug} · "
        f"{p.status.value}" + (f" · <#{p.slack_channel_id}>" if p.slack_channel_id else "")
        for p in projects
    ]
    return "\n".join(lines)


def status_changed(project_id: int, status: ProjectStatus) -> str:
    verb = {ProjectStatus.PAUSED: "paused", ProjectStatus.ACTIVE: "resumed", ProjectStatus.ABORTED: "aborted",
            ProjectStatus.COMPLETED: "completed"}[status]
    return f":white_check_mark: Project {project_id} {verb}."


def problem(message: str) -> str:
    return f":warning: {message}"
