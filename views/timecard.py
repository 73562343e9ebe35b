"""The timecard modal (a week of entries with Edit / Delete, Add, previous / next week) and the entry modal."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from views.forms import MAX_BLOCKS, clip, context, divider, escape, plain, section
from views.ids import Action, Block, Callback, keyed
from views.task_modal import modal
from workflows.timecard import EntryRow, TaskChoice, Week

DESCRIPTION_LIMIT = 200
NO_TASK = "none"
MAX_TASK_OPTIONS = 99  # Slack allows 100 options; one is "No particular task"


def duration(seconds: int) -> str:
    minutes = seconds // 60
    return f"{minutes // 60}:{minutes % 60:02d}"


def _button(text: str, action: Action, value: str, style: str | None = None) -> dict[str, Any]:
    button = {"type": "button", "text": plain(text, 75), "action_id": action.value, "value": value}
    if style:
        button["style"] = style
    return button


def timecard_modal(week: Week, *, status_line: str | None = None) -> dict[str, Any]:
    """One week, Monday to Sunday: each entry with Edit and Delete; Add; previous and next week."""
    head = [
        section(f"*Week of {week.monday:%a %d %b %Y} to {week.sunday:%a %d %b %Y}*"),
        context(f"Total: {duration(week.total_seconds)} in {len(week.entries)} "
                f"entr{'ies' if len(week.entries) != 1 else 'y'}"),
        {"type": "actions", "block_id": Block.TIMECARD_NAV.value, "elements": [
            _button("Previous week", Action.TIMECARD_WEEK_BACK, (week.monday - timedelta(days=7)).isoformat()),
            _button("Next week", Action.TIMECARD_WEEK, (week.monday + timedelta(days=7)).isoformat()),
            _button("Add entry", Action.TIMECARD_ADD, week.monday.isoformat(), "primary"),
        ]},
        divider(),
    ]
    tail = [context(clip(status_line, 2000))] if status_line else []
    room = MAX_BLOCKS - len(head) - len(tail) - 1
    rows: list[dict[str, Any]] = []
    shown = week.entries[: room // 2]
    for entry in shown:
        rows.extend(_entry_blocks(entry))
    if len(shown) < len(week.entries):
        rows.append(context(f"_{len(week.entries) - len(shown)} more entries not shown._"))
    if not week.entries:
        rows.append(section("_No time recorded this week._"))
    return modal("Timecard", [*head, *rows, *tail], callback=Callback.TIMECARD,
                 metadata=json.dumps({"week": week.monday.isoformat()}))


def _entry_blocks(entry: EntryRow) -> list[dict[str, Any]]:
    parts = [f"*{entry.day:%a %d %b}* · {duration(entry.seconds)}"]
    if entry.description:
        parts.append(escape(entry.description))
    if entry.task_label:
        parts.append(f"_{escape(entry.task_label)}_")
    return [
        section(" · ".join(parts), block_id=keyed(Block.TIMECARD_ENTRY, entry.id)),
        {"type": "actions", "block_id": keyed(Block.TIMECARD_ENTRY, entry.id, "actions"), "elements": [
            _button("Edit", Action.TIMECARD_EDIT, str(entry.id)),
            _button("Delete", Action.TIMECARD_DELETE, str(entry.id), "danger"),
        ]},
    ]


def _number(block: Block, label: str, low: int, high: int, initial: int | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "number_input", "action_id": Action.FORM_VALUE.value,
                               "is_decimal_allowed": False, "min_value": str(low), "max_value": str(high)}
    if initial is not None:
        element["initial_value"] = str(initial)
    return {"type": "input", "block_id": block.value, "label": plain(label), "element": element}


def entry_modal(choices: list[TaskChoice], week_monday: date, entry: EntryRow | None = None,
                today: date | None = None) -> dict[str, Any]:
    """Add or edit one entry: date, hours and minutes, description (at most 200), optional task."""
    day = entry.day if entry else (today or week_monday)
    minutes = entry.seconds // 60 if entry else None
    blocks: list[dict[str, Any]] = [
        {"type": "input", "block_id": Block.ENTRY_DATE.value, "label": plain("Date"),
         "element": {"type": "datepicker", "action_id": Action.FORM_VALUE.value, "initial_date": day.isoformat()}},
        _number(Block.ENTRY_HOURS, "Hours", 0, 24, minutes // 60 if minutes is not None else None),
        _number(Block.ENTRY_MINUTES, "Minutes", 0, 59, minutes % 60 if minutes is not None else None),
    ]
    description: dict[str, Any] = {"type": "plain_text_input", "action_id": Action.FORM_VALUE.value,
                                   "max_length": DESCRIPTION_LIMIT}
    if entry and entry.description:
        description["initial_value"] = entry.description[:DESCRIPTION_LIMIT]
    blocks.append({"type": "input", "block_id": Block.ENTRY_DESCRIPTION.value, "label": plain("Description"),
                   "optional": True, "element": description})
    offered = choices[:MAX_TASK_OPTIONS]
    if entry and entry.assignment_id is not None and all(c.assignment_id != entry.assignment_id for c in offered):
        # The entry's own task stays on offer (and chosen) even when it is older than the newest tasks listed.
        offered = [TaskChoice(entry.assignment_id, entry.task_label or "Keep this entry's task"),
                   *offered[:MAX_TASK_OPTIONS - 1]]
    options = [{"text": plain("No particular task", 75), "value": NO_TASK}] + [
        {"text": plain(c.label, 75), "value": str(c.assignment_id)} for c in offered]
    select: dict[str, Any] = {"type": "static_select", "action_id": Action.FORM_VALUE.value, "options": options,
                              "placeholder": plain("Pick one of your tasks", 150)}
    chosen = next((o for o in options if entry and o["value"] == str(entry.assignment_id)), None)
    if chosen:
        select["initial_option"] = chosen
    blocks.append({"type": "input", "block_id": Block.ENTRY_TASK.value, "label": plain("Task"), "optional": True,
                   "element": select})
    return modal("Edit time entry" if entry else "Add time entry", blocks, callback=Callback.TIME_ENTRY,
                 submit="Save", close="Back",
                 metadata=json.dumps({"entry": entry.id if entry else None, "week": week_monday.isoformat()}))
