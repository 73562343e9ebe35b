"""The task modal: the step's description, what it shows, the form pre-filled with the draft, and its buttons."""

from __future__ import annotations

import json
from typing import Any

from store.enums import TaskStatus
from views.forms import (
    MAX_BLOCKS,
    clip,
    context,
    divider,
    escape,
    form_blocks,
    plain,
    section,
    show_blocks,
    submitted_blocks,
)
from views.ids import Action, Block, Callback
from workflows.worksheet import Worksheet

TITLE_LIMIT = 24


def modal(title: str, blocks: list[dict[str, Any]], *, callback: Callback = Callback.NOTICE,
          submit: str | None = None, close: str = "Close", metadata: str = "") -> dict[str, Any]:
    """A modal view with Slack's limits on its title, buttons and block count."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback.value,
        "title": plain(title, TITLE_LIMIT),
        "close": plain(close, TITLE_LIMIT),
        "blocks": blocks[:MAX_BLOCKS],
        "private_metadata": metadata[:3000],
    }
    if submit:
        view["submit"] = plain(submit, TITLE_LIMIT)
    return view


def loading_modal(title: str = "Tutti") -> dict[str, Any]:
    return modal(title, [section(":hourglass_flowing_sand: Loading…")], callback=Callback.LOADING)


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only tells the person something (a refusal, a confirmation, an error they can act on)."""
    return modal(title, [section(text)])


def metadata(task_id: int, version: str) -> str:
    return json.dumps({"task": task_id, "version": version})


def parse_metadata(text: str) -> tuple[int, str]:
    """`(task id, version)` from a task or review modal's private_metadata; ValueError when malformed."""
    try:
        data = json.loads(text or "{}")
        return int(data["task"]), str(data.get("version") or "")
    except (TypeError, KeyError, json.JSONDecodeError) as exc:
        raise ValueError("not a Tutti task modal") from exc


def _heading(sheet: Worksheet) -> list[dict[str, Any]]:
    project = escape(sheet.project_description or f"Project {sheet.project_id}")
    blocks = [
        section(f"*{escape(sheet.step.name)}*\n{escape(sheet.step.description)}"),
        context(f"Project {sheet.project_id} · {project} · {sheet.status.display}"),
    ]
    if sheet.feedback and sheet.status is TaskStatus.POST_REVIEW_PROCESSING:
        quoted = "\n".join(f"> {escape(line)}" for line in sheet.feedback.splitlines())
        blocks.append(section(f":leftwards_arrow_with_hook: *Your reviewer sent this back:*\n{quoted}"))
    return blocks


def timer_button(sheet: Worksheet) -> dict[str, Any] | None:
    if sheet.timer_here:
        return {"type": "button", "text": plain("Stop timer", 75), "action_id": Action.TASK_TIMER_STOP.value,
                "value": str(sheet.task_id)}
    if sheet.timer_elsewhere:
        return None
    return {"type": "button", "text": plain("Start timer", 75), "action_id": Action.TASK_TIMER_START.value,
            "value": str(sheet.task_id)}


def task_modal(sheet: Worksheet, *, draft: dict[str, Any] | None = None, status_line: str | None = None
               ) -> dict[str, Any]:
    """The modal for doing the task (or, when it is not the person's turn, for reading where it stands)."""
    top = _heading(sheet)
    bottom: list[dict[str, Any]] = []
    if sheet.is_working:
        inputs = form_blocks(sheet.step, sheet.draft if draft is None else draft)
        buttons = [{"type": "button", "text": plain("Save draft", 75), "action_id": Action.TASK_SAVE.value,
                    "value": str(sheet.task_id)}]
        timer = timer_button(sheet)
        if timer:
            buttons.append(timer)
        bottom = [divider(), *inputs, {"type": "actions", "block_id": Block.TASK_ACTIONS.value, "elements": buttons}]
    else:
        if sheet.status is TaskStatus.COMPLETE:
            note = ":white_check_mark: This task is complete."
        elif sheet.my_status is not None:
            note = ":hourglass: You handed this in; it is waiting on someone else now."
        else:
            note = "This task is not assigned to you."
        bottom = [divider(), context(note)]
    if status_line:
        bottom.append(context(clip(status_line, 2000), block_id=Block.TASK_STATUS.value))
    budget = MAX_BLOCKS - len(top) - len(bottom)
    middle = show_blocks(sheet.shown, budget)
    if not sheet.is_working and sheet.my_status is not None:
        middle = show_blocks(sheet.shown, budget // 2)
        middle += submitted_blocks(sheet.step, sheet.draft, budget - len(middle))
    return modal(sheet.step.name, [*top, *middle, *bottom], callback=Callback.TASK,
                 submit="Submit" if sheet.is_working else None, close="Close" if not sheet.is_working else "Cancel",
                 metadata=metadata(sheet.task_id, sheet.version))


def submitting_modal(step_name: str, count: int, external_id: str) -> dict[str, Any]:
    """The view acked while uploads are stored; its external_id lets the final update wait until it is shown."""
    storing = (f" storing {count} file{'s' if count != 1 else ''} in the project's storage." if count else "")
    view = notice_modal(step_name, f":hourglass_flowing_sand: Submitting…{storing} Keep this open a moment.")
    return {**view, "external_id": external_id}


def submitted_modal(step_name: str, status: TaskStatus) -> dict[str, Any]:
    after = {
        TaskStatus.PENDING_REVIEW: "It is now waiting for a reviewer.",
        TaskStatus.REVIEWING: "It went back to your reviewer.",
        TaskStatus.COMPLETE: "The task is complete. Thank you!",
    }.get(status, f"The task is now {status.display}.")
    return notice_modal(step_name, f":white_check_mark: *Submitted.* {after}")
