"""Doing a task in a modal: open it, save a draft, run the timer, submit (with uploaded files)."""

from __future__ import annotations

import logging
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.slack.guard import first_delivery
from handlers.slack.interaction import (
    Refusal,
    Replayed,
    actor,
    after_ack_id,
    click_key,
    in_one_unit,
    open_view,
    read_as,
    submission_key,
    task_id_from,
    update_after_ack,
    update_view,
)
from handlers.slack.services import SlackServices
from store.models import Worker
from store.types import utcnow
from views.forms import read_state, stored_files
from views.ids import Action, Callback
from views.task_modal import (
    notice_modal,
    parse_metadata,
    submitted_modal,
    submitting_modal,
    task_modal,
)
from workflows import submission, time_tracking, uploads
from workflows.errors import FormErrors, TimerError, TuttiError
from workflows.forms import fields_of, validate
from workflows.worksheet import Worksheet, submission_sheet, worksheet

log = logging.getLogger(__name__)
DOWNLOAD_TIMEOUT = 30


class FileTrouble(Exception):
    """An uploaded file could not be fetched from Slack."""


def download(client: WebClient, file: dict[str, Any]) -> uploads.Upload:
    """Fetch one uploaded file with the bot token (Slack's url_private needs `Authorization: Bearer`)."""
    url = file.get("url_private_download") or file.get("url_private")
    name = str(file.get("name") or file.get("title") or file.get("id") or "upload")
    if not url:
        raise FileTrouble(f"Slack did not say where {name} is stored.")
    try:
        response = requests.get(url, headers={"Authorization": f"Bearer {client.token}"}, timeout=DOWNLOAD_TIMEOUT)
    except requests.RequestException as exc:
        raise FileTrouble(f"Could not download {name} from Slack ({type(exc).__name__}).") from exc
    if response.status_code != 200:
        raise FileTrouble(f"Could not download {name} from Slack (HTTP {response.status_code}).")
    content_type = str(file.get("mimetype") or response.headers.get("Content-Type") or "application/octet-stream")
    return uploads.Upload(name, response.content, content_type.split(";")[0])


def new_uploads(step_fields: Any, data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Slack file objects just uploaded, by files field (stored references are not new)."""
    found = {}
    for field in step_fields:
        if field.type == "files":
            files = [f for f in data.get(field.key) or [] if isinstance(f, dict) and f.get("url_private")]
            if files:
                found[field.key] = files
    return found


def with_kept_files(sheet: Worksheet, data: dict[str, Any]) -> dict[str, Any]:
    """Files attached earlier stay attached when the person uploads nothing new into that field."""
    merged = dict(data)
    for field in fields_of(sheet.step):
        if field.type == "files" and not merged.get(field.key):
            kept = stored_files(sheet.draft.get(field.key))
            if kept:
                merged[field.key] = kept
    return merged


class TaskListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def _sheet(self, slack_user_id: str, task_id: int) -> Worksheet:
        return read_as(self.services, slack_user_id, lambda s, w: worksheet(s, task_id, w.id))

    # --- open -------------------------------------------------------------------------------------

    def open(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Home's "Open": the task modal, for the person working on it."""
        ack()
        task_id = task_id_from(body)
        try:
            if task_id is None:
                raise Refusal("That button does not name a task.")
            sheet = self._sheet(body["user"]["id"], task_id)
            if not sheet.is_involved:
                raise Refusal("This task is not assigned to you, so you cannot open it.")
            view = task_modal(sheet)
        except Refusal as exc:
            view = notice_modal("Tutti", exc.message)
        except TuttiError as exc:
            view = notice_modal("Tutti", exc.message)
        open_view(client, body["trigger_id"], view)

    # --- save draft -------------------------------------------------------------------------------

    def save(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Save the form's current values as the draft, and say when."""
        ack()
        view = body.get("view") or {}
        try:
            task_id, seen = parse_metadata(view.get("private_metadata", ""))
        except ValueError:
            return
        user_id = body["user"]["id"]
        status_line, typed = None, None
        try:
            sheet = self._sheet(user_id, task_id)
            typed = read_state(sheet.step, view.get("state", {}).get("values", {}))
            data = self._with_stored_files(client, body, sheet, typed)

            def save(session: Session, worker: Worker) -> None:
                submission.save_task(session, task_id, worker.id, data, actor=actor(body), seen_version=seen)

            in_one_unit(self.services, body, save, key=click_key(body))
            typed = None  # the saved draft is what the modal shows now
            status_line = f":floppy_disk: Draft saved at {utcnow():%H:%M} UTC."
        except Replayed:
            return
        except (Refusal, TuttiError) as exc:
            status_line = f":warning: {exc.message}"
        except FileTrouble as exc:
            status_line = f":warning: {exc} Your draft was not saved; try again."
        self._refresh(client, user_id, task_id, view, status_line, typed)

    def _with_stored_files(self, client: WebClient, body: dict[str, Any], sheet: Worksheet,
                           data: dict[str, Any]) -> dict[str, Any]:
        """`data` with new uploads downloaded and stored in the project's storage, earlier files kept."""
        fresh = new_uploads(fields_of(sheet.step), data)
        data = with_kept_files(sheet, {k: v for k, v in data.items() if k not in fresh})
        for key, files in fresh.items():
            downloaded = [download(client, f) for f in files]

            def store(session: Session, worker: Worker, key: str = key, downloaded: list = downloaded) -> list:  # type: ignore[type-arg]
                return uploads.store_uploads(session, sheet.task_id, worker.id, key, downloaded)

            data[key] = in_one_unit(self.services, body, store)
        return data

    def _refresh(self, client: WebClient, user_id: str, task_id: int, view: dict[str, Any], status_line: str | None,
                 typed: dict[str, Any] | None = None) -> None:
        try:
            sheet = self._sheet(user_id, task_id)
        except (Refusal, TuttiError) as exc:
            update_view(client, view["id"], notice_modal("Tutti", exc.message))
            return
        draft = {**sheet.draft, **typed} if typed else None
        update_view(client, view["id"], task_modal(sheet, draft=draft, status_line=status_line))

    # --- timer inside the modal -------------------------------------------------------------------

    def timer(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Start or stop the timer on this task from the modal; the modal says what happened."""
        ack()
        view = body.get("view") or {}
        try:
            task_id, _ = parse_metadata(view.get("private_metadata", ""))
        except ValueError:
            return
        starting = body["actions"][0]["action_id"] == Action.TASK_TIMER_START.value

        def change(session: Session, worker: Worker) -> str:
            if starting:
                sheet = worksheet(session, task_id, worker.id)
                if sheet.my_assignment_id is None:
                    raise Refusal("You are not working on this task, so the timer cannot run on it.")
                time_tracking.start_timer(session, worker.id, sheet.my_assignment_id)
                return f":stopwatch: Timer started at {utcnow():%H:%M} UTC."
            entry = time_tracking.stop_timer(session, worker.id)
            minutes = entry.seconds // 60
            return f":stopwatch: Timer stopped: {minutes // 60}:{minutes % 60:02d} recorded on your timecard."

        try:
            status_line = in_one_unit(self.services, body, change, key=click_key(body))
        except Replayed:
            return
        except TimerError as exc:
            status_line = f":warning: {exc.message}"
        except (Refusal, TuttiError) as exc:
            status_line = f":warning: {exc.message}"
        try:
            sheet = self._sheet(body["user"]["id"], task_id)
        except (Refusal, TuttiError):
            return
        typed = read_state(sheet.step, view.get("state", {}).get("values", {}))
        typed = {k: v for k, v in typed.items() if v not in (None, "", [])}
        update_view(client, view["id"], task_modal(sheet, draft={**sheet.draft, **typed}, status_line=status_line))

    # --- submit -----------------------------------------------------------------------------------

    def submit(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Validate first (fast); then submit, or store the uploads after acking with a "Submitting…" view."""
        view = body["view"]
        user_id = body["user"]["id"]
        try:
            task_id, version = parse_metadata(view.get("private_metadata", ""))
            sheet = read_as(self.services, user_id, lambda s, w: submission_sheet(s, task_id, w.id))
        except ValueError:
            ack()
            return
        except (Refusal, TuttiError) as exc:
            ack(response_action="update", view=notice_modal("Tutti", exc.message))
            return
        if not sheet.is_working:
            text = ("This task is not yours to submit." if not sheet.is_involved
                    else "This task is no longer waiting on you: it was already submitted.")
            ack(response_action="update", view=notice_modal(sheet.step.name, text))
            return
        if version and version != sheet.version:
            ack(response_action="update", view=notice_modal(
                sheet.step.name, "This task changed since you opened it (it was reassigned or updated). "
                                 "Your values were not submitted; open it again from Home."))
            return
        typed = read_state(sheet.step, view.get("state", {}).get("values", {}))
        data = with_kept_files(sheet, typed)
        problems = validate(sheet.step, data)
        if problems:
            ack(response_action="errors", errors=problems)
            return
        already = notice_modal(sheet.step.name, "This form was already submitted (the same click arrived twice). "
                                                "Nothing more to do; your Home shows where the task stands.")
        fresh = new_uploads(fields_of(sheet.step), data)
        if fresh and not first_delivery(self.services.database, submission_key(body)):  # no download twice
            ack(response_action="update", view=already)
            return
        # Answer at once (the form is valid); the submission and any downloads happen after the ack, and the
        # modal then says how it went. The replay key commits with the submission itself.
        count = sum(len(files) for files in fresh.values())
        ack(response_action="update", view=submitting_modal(sheet.step.name, count, after_ack_id(body)))
        self._finish_submission(client, body, sheet, data, already, key=None if fresh else submission_key(body))

    def _submit(self, body: dict[str, Any], sheet: Worksheet, data: dict[str, Any], key: str | None = None) -> Any:
        task_id = sheet.task_id

        def do(session: Session, worker: Worker) -> Any:
            # seen_version: the task may change while uploads are stored
            return submission.submit_task(session, task_id, worker.id, data, actor=actor(body),
                                          seen_version=sheet.version).status

        return in_one_unit(self.services, body, do, key=key)

    def _finish_submission(self, client: WebClient, body: dict[str, Any], sheet: Worksheet, data: dict[str, Any],
                           already: dict[str, Any], key: str | None) -> None:
        """Download and store new uploads, submit; the modal ends on "Submitted" or on what to do next."""
        name = sheet.step.name

        def finish(view: dict[str, Any]) -> None:
            update_after_ack(client, after_ack_id(body), body["view"]["id"], view)

        try:
            stored = self._with_stored_files(client, body, sheet, data)
        except FileTrouble as exc:
            finish(notice_modal(name, f":warning: {exc} Nothing was submitted. "
                                      "Open the task again and upload the file once more."))
            return
        except (Refusal, TuttiError) as exc:
            finish(notice_modal(name, f":warning: {exc.message} Nothing was submitted."))
            return
        try:
            status = self._submit(body, sheet, stored, key=key)
        except Replayed:
            finish(already)
            return
        except (Refusal, TuttiError) as exc:
            problem = exc.message
            if isinstance(exc, FormErrors) and exc.field_errors:
                problem = " ".join(exc.field_errors.values())
            kept = self._keep_as_draft(body, sheet.task_id, stored)
            finish(notice_modal(name, f":warning: {problem} Nothing was submitted. " + (
                "What you entered is kept in your draft: open the task again to finish." if kept else
                "Open the task again to try once more.")))
            return
        finish(submitted_modal(name, status))

    def _keep_as_draft(self, body: dict[str, Any], task_id: int, data: dict[str, Any]) -> bool:
        try:
            in_one_unit(self.services, body,
                        lambda s, w: submission.save_task(s, task_id, w.id, data, actor=actor(body)))
        except (Refusal, TuttiError):
            return False
        return True


def register(app: App, services: SlackServices) -> None:
    listeners = TaskListeners(services)
    app.action(Action.TASK_OPEN)(listeners.open)
    app.action(Action.TASK_SAVE)(listeners.save)
    app.action(Action.TASK_TIMER_START)(listeners.timer)
    app.action(Action.TASK_TIMER_STOP)(listeners.timer)
    app.view(Callback.TASK)(listeners.submit)
