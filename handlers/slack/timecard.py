"""The timecard modal: a week of entries; add, edit and delete them; page between weeks."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.slack.interaction import (
    Refusal,
    Replayed,
    click_key,
    in_one_unit,
    open_view,
    push_view,
    read_as,
    submission_key,
    update_view,
)
from handlers.slack.services import SlackServices
from store.models import Worker
from store.types import utcnow
from views.ids import Action, Block, Callback
from views.task_modal import notice_modal
from views.timecard import DESCRIPTION_LIMIT, NO_TASK, entry_modal, timecard_modal
from workflows import time_tracking
from workflows.errors import NotFound, TuttiError
from workflows.timecard import entry_row, monday_of, save_entry, task_choices, week_of


def _today() -> date:
    return utcnow().date()


def _day(text: str | None) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return _today()


def _week_from(view: dict[str, Any]) -> date:
    try:
        return _day(json.loads(view.get("private_metadata") or "{}").get("week"))
    except json.JSONDecodeError:
        return _today()


def _value(values: dict[str, Any], block: Block) -> dict[str, Any]:
    return (values.get(block.value) or {}).get(Action.FORM_VALUE.value) or {}


def _whole(text: Any) -> int | None:
    try:
        return int(str(text).strip()) if text not in (None, "") else 0
    except ValueError:
        return None


def parse_entry(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The entry's fields from the modal's state, and `{block_id: message}` for what is wrong."""
    errors: dict[str, str] = {}
    day_text = _value(values, Block.ENTRY_DATE).get("selected_date")
    day = None
    try:
        day = date.fromisoformat(day_text or "")
    except ValueError:
        errors[Block.ENTRY_DATE.value] = "Pick the day you worked."
    hours = _whole(_value(values, Block.ENTRY_HOURS).get("value"))
    minutes = _whole(_value(values, Block.ENTRY_MINUTES).get("value"))
    if hours is None or not 0 <= hours <= 24:
        errors[Block.ENTRY_HOURS.value] = "Hours must be a whole number from 0 to 24."
    if minutes is None or not 0 <= minutes <= 59:
        errors[Block.ENTRY_MINUTES.value] = "Minutes must be a whole number from 0 to 59."
    seconds = ((hours or 0) * 60 + (minutes or 0)) * 60
    if not errors and not 0 < seconds <= 24 * 3600:
        errors[Block.ENTRY_HOURS.value] = "An entry must be more than 0 minutes and at most 24 hours."
    description = str(_value(values, Block.ENTRY_DESCRIPTION).get("value") or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        errors[Block.ENTRY_DESCRIPTION.value] = (
            f"Keep it to {DESCRIPTION_LIMIT} characters (it has {len(description)}).")
    option = _value(values, Block.ENTRY_TASK).get("selected_option") or {}
    task = str(option.get("value") or NO_TASK)
    assignment_id = int(task) if task.isdigit() else None
    return {"day": day, "seconds": seconds, "description": description, "assignment_id": assignment_id}, errors


class TimecardListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def _week_view(self, slack_user_id: str, day: date, status_line: str | None = None) -> dict[str, Any]:
        try:
            week = read_as(self.services, slack_user_id, lambda s, w: week_of(s, w.id, day))
        except Refusal as exc:
            return notice_modal("Timecard", exc.message)
        return timecard_modal(week, status_line=status_line)

    def open(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_view(client, body["trigger_id"], self._week_view(body["user"]["id"], _today()))

    def week(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        day = _day(str(body["actions"][0].get("value") or ""))
        update_view(client, body["view"]["id"], self._week_view(body["user"]["id"], day))

    def add(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        monday = _day(str(body["actions"][0].get("value") or ""))
        try:
            choices = read_as(self.services, body["user"]["id"], lambda s, w: task_choices(s, w.id))
        except Refusal as exc:
            push_view(client, body["trigger_id"], notice_modal("Timecard", exc.message))
            return
        today = _today()
        start = today if monday_of(today) == monday else monday
        push_view(client, body["trigger_id"], entry_modal(choices, monday, today=start))

    def edit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str(body["actions"][0].get("value") or "")
        monday = _week_from(body.get("view") or {})

        def read(session: Session, worker: Worker) -> dict[str, Any]:
            entry = entry_row(session, worker.id, int(value))
            return entry_modal(task_choices(session, worker.id), monday, entry)

        try:
            if not value.isdigit():
                raise Refusal("That button does not name a time entry.")
            view = read_as(self.services, body["user"]["id"], read)
        except (Refusal, TuttiError) as exc:
            view = notice_modal("Timecard", exc.message)
        push_view(client, body["trigger_id"], view)

    def delete(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        value = str(body["actions"][0].get("value") or "")
        if not value.isdigit():
            return

        def delete(session: Session, worker: Worker) -> None:
            time_tracking.delete_time_entry(session, worker.id, int(value))

        try:
            in_one_unit(self.services, body, delete, key=click_key(body))
            line = ":wastebasket: Entry deleted."
        except Replayed:
            return
        except (Refusal, TuttiError) as exc:
            line = f":warning: {exc.message}"
        view = body["view"]
        update_view(client, view["id"], self._week_view(body["user"]["id"], _week_from(view), line))

    def save(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The entry modal's Save: errors under the fields, else save and go back to the refreshed week."""
        view = body["view"]
        values = view.get("state", {}).get("values", {})
        fields, errors = parse_entry(values)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
            entry_id = int(meta["entry"]) if meta.get("entry") is not None else None
        except (ValueError, TypeError, json.JSONDecodeError):
            ack()
            return

        def save(session: Session, worker: Worker) -> int:
            return save_entry(session, worker.id, entry_id, **fields)

        try:
            in_one_unit(self.services, body, save, key=submission_key(body))
        except Replayed:
            ack()
            return
        except NotFound as exc:
            ack(response_action="errors", errors={Block.ENTRY_DATE.value: exc.message})
            return
        except (Refusal, TuttiError) as exc:
            block = Block.ENTRY_DESCRIPTION if "escription" in exc.message else Block.ENTRY_HOURS
            if "task" in exc.message.lower():
                block = Block.ENTRY_TASK
            ack(response_action="errors", errors={block.value: exc.message})
            return
        ack()
        if view.get("previous_view_id"):
            line = ":white_check_mark: Entry saved." if entry_id else ":white_check_mark: Entry added."
            update_view(client, view["previous_view_id"], self._week_view(body["user"]["id"], fields["day"], line))


def register(app: App, services: SlackServices) -> None:
    listeners = TimecardListeners(services)
    app.action(Action.TIMECARD_OPEN)(listeners.open)
    app.action(Action.TIMECARD_WEEK)(listeners.week)
    app.action(Action.TIMECARD_WEEK_BACK)(listeners.week)
    app.action(Action.TIMECARD_ADD)(listeners.add)
    app.action(Action.TIMECARD_EDIT)(listeners.edit)
    app.action(Action.TIMECARD_DELETE)(listeners.delete)
    app.view(Callback.TIME_ENTRY)(listeners.save)
