"""The timer: start it on a task (from Home or the task modal), stop it into a time entry; Home shows it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from handlers.slack.guard import NotAnExpert, mark_processed, worker_for
from handlers.slack.home import click_key, publish_home
from handlers.slack.services import SlackServices
from views.ids import Action
from workflows import time_tracking
from workflows.dashboard import own_assignment_id
from workflows.errors import TimerError, TuttiError


class TimerListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def start(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Start the timer on the task named by the button's value (a task id; the assignment is looked up)."""
        ack()
        user_id = body["user"]["id"]
        value = str(body["actions"][0].get("value") or "")
        notice = self._change(body, lambda session, worker_id: _start(session, worker_id, value))
        publish_home(self.services, client, user_id, notice=notice)

    def stop(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        notice = self._change(body, lambda session, worker_id: _stop(session, worker_id))
        publish_home(self.services, client, body["user"]["id"], notice=notice)

    def _change(self, body: dict[str, Any], change: Any) -> str | None:
        """Run `change` once per click in one unit of work; a message for the person when it cannot be done."""
        with self.services.database.unit_of_work() as uow:
            try:
                worker = worker_for(uow.session, body["user"]["id"])
            except NotAnExpert as exc:
                return str(exc)
            try:
                mark_processed(uow.session, click_key(body))
            except IntegrityError:
                return None  # the same click again: the first one did it
            try:
                notice = change(uow.session, worker.id)
            except TuttiError as exc:
                return f":warning: {exc.message}"
            uow.commit()
            return notice


def _start(session: Any, worker_id: int, value: str) -> str | None:
    assignment_id = own_assignment_id(session, worker_id, int(value)) if value.isdigit() else None
    if assignment_id is None:
        return ":warning: You are not working on that task, so the timer cannot run on it."
    try:
        time_tracking.start_timer(session, worker_id, assignment_id)
    except TimerError:
        return ":warning: Your timer is already running. Stop it first, then start it on this task."
    return None


def _stop(session: Any, worker_id: int) -> str | None:
    try:
        entry = time_tracking.stop_timer(session, worker_id)
    except TimerError:
        return "Your timer is not running."

    minutes = entry.seconds // 60
    return f":stopwatch: Timer stopped: {minutes // 60}:{minutes % 60:02d} recorded on your timecard."


def register(app: App, services: SlackServices) -> None:
    listeners = TimerListeners(services)
    app.action(Action.TIMER_START)(listeners.start)
    app.action(Action.TIMER_STOP)(listeners.stop)
