"""The review modal: the submitted work read-only, the history of rounds, Accept / Return; the feedback modal."""

from __future__ import annotations

from typing import Any

from store.enums import IterationStatus, TaskStatus
from views.forms import MAX_BLOCKS, clip, context, divider, escape, plain, section, show_blocks, submitted_blocks
from views.ids import Action, Block, Callback
from views.task_modal import metadata, modal, notice_modal
from workflows.worksheet import Round, Worksheet

MAX_ROUNDS = 10
FEEDBACK_LIMIT = 3000

_ROUND_OUTCOME = {
    IterationStatus.PROCESSING: "in progress",
    IterationStatus.REQUESTED_REVIEW: "handed in",
    IterationStatus.PROVIDED_REVIEW: "returned with feedback",
}


def _when(round_: Round) -> str:
    started = f"{round_.started:%Y-%m-%d %H:%M}"
    return f"{started} to {round_.ended:%Y-%m-%d %H:%M} UTC" if round_.ended else f"since {started} UTC"


def round_text(number: int, round_: Round) -> str:
    who = f"<@{round_.slack_user_id}>" if round_.slack_user_id else escape(round_.worker_name)
    role = "work" if round_.counter == 0 else f"review (level {round_.counter})"
    text = f"*Round {number}* · {who} · {role} · {_ROUND_OUTCOME.get(round_.status, round_.status.value)}" \
           f"\n{_when(round_)}"
    if round_.feedback:
        text += "\n" + "\n".join(f"> {escape(line)}" for line in round_.feedback.splitlines())
    return clip(text, 3000)


def history_blocks(rounds: list[Round]) -> list[dict[str, Any]]:
    """The rounds so far, oldest first; only the latest MAX_ROUNDS are listed."""
    if not rounds:
        return []
    blocks = [section("*History*")]
    skipped = max(0, len(rounds) - MAX_ROUNDS)
    if skipped:
        blocks.append(context(f"_{skipped} earlier round{'s' if skipped != 1 else ''} not shown._"))
    for number, round_ in enumerate(rounds[skipped:], start=skipped + 1):
        blocks.append(section(round_text(number, round_)))
    return blocks


def review_modal(sheet: Worksheet, *, status_line: str | None = None) -> dict[str, Any]:
    """The work under review, its history, and the buttons the person may press now."""
    project = escape(sheet.project_description or f"Project {sheet.project_id}")
    top = [
        section(f"*Review: {escape(sheet.step.name)}*\n{escape(sheet.step.description)}"),
        context(f"Project {sheet.project_id} · {project} · {sheet.status.display}"),
    ]
    buttons: list[dict[str, Any]] = []
    if sheet.is_reviewing:
        buttons = [
            {"type": "button", "text": plain("Accept", 75), "style": "primary",
             "action_id": Action.REVIEW_ACCEPT.value, "value": str(sheet.task_id)},
            {"type": "button", "text": plain("Return", 75), "style": "danger",
             "action_id": Action.REVIEW_RETURN.value, "value": str(sheet.task_id)},
        ]
    elif sheet.can_take_review:
        buttons = [{"type": "button", "text": plain("Take this review", 75), "style": "primary",
                    "action_id": Action.REVIEW_TAKE.value, "value": str(sheet.task_id)}]
    bottom: list[dict[str, Any]] = [divider()]
    if buttons:
        bottom.append({"type": "actions", "block_id": Block.REVIEW_ACTIONS.value, "elements": buttons})
    elif sheet.status is TaskStatus.COMPLETE:
        bottom.append(context(":white_check_mark: This task is complete."))
    elif sheet.status is TaskStatus.POST_REVIEW_PROCESSING:
        bottom.append(context("_Returned to the author; it comes back to you when they resubmit._"))
    elif sheet.take_refusal:
        bottom.append(context(f":no_entry: {escape(sheet.take_refusal)}"))
    if status_line:
        bottom.append(context(clip(status_line, 2000), block_id=Block.TASK_STATUS.value))
    history = [divider(), *history_blocks(sheet.rounds)]
    work = [divider(), section("*Submitted work*")]
    budget = MAX_BLOCKS - len(top) - len(work) - len(history) - len(bottom)  # the buttons at the bottom must fit
    shown = show_blocks(sheet.shown, budget // 3)
    work += submitted_blocks(sheet.step, sheet.under_review, budget - len(shown))
    blocks = [*top, *shown, *work, *history, *bottom]
    return modal(f"Review: {sheet.step.name}", blocks, callback=Callback.REVIEW,
                 metadata=metadata(sheet.task_id, sheet.version))


def return_modal(task_id: int, version: str) -> dict[str, Any]:
    """The small modal asking for the feedback that must go with a return."""
    feedback = {
        "type": "input",
        "block_id": Block.RETURN_FEEDBACK.value,
        "label": plain("Feedback", 2000),
        "hint": plain("Say what needs to change; the author sees this with the returned task.", 2000),
        "element": {"type": "plain_text_input", "action_id": Action.FORM_VALUE.value, "multiline": True,
                    "max_length": FEEDBACK_LIMIT},
    }
    return modal("Return with feedback", [feedback], callback=Callback.RETURN, submit="Return",
                 close="Back", metadata=metadata(task_id, version))


def decided_modal(step_name: str, text: str) -> dict[str, Any]:
    return notice_modal(f"Review: {step_name}", text)
