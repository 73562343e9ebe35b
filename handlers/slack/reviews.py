"""Reviewing in a modal: open the submitted work, take the review, Accept, or Return with feedback."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from handlers.slack.interaction import (
    Refusal,
    Replayed,
    actor,
    click_key,
    in_one_unit,
    open_view,
    push_view,
    read_as,
    submission_key,
    task_id_from,
    update_view,
)
from handlers.slack.services import SlackServices
from store.enums import AssignmentStatus, IterationStatus, TaskStatus
from store.models import Worker
from views.ids import Action, Block, Callback
from views.review_modal import decided_modal, return_modal, review_modal
from views.task_modal import notice_modal, parse_metadata
from workflows import assignment, submission
from workflows.context import TASK_CHANGED
from workflows.errors import (
    IllegalTaskSubmission,
    TaskAlreadyAssigned,
    TaskAssignmentError,
    TaskStatusError,
    TuttiError,
)
from workflows.worksheet import Worksheet, worksheet

_AFTER_ACCEPT = {
    TaskStatus.COMPLETE: "The task is complete.",
    TaskStatus.PENDING_REVIEW: "It now goes to the next level of review.",
}


def _decision_refusal(exc: TuttiError) -> str:
    """The engine's refusal of a decision, in words for a reviewer who may have lost a race."""
    if isinstance(exc, TaskStatusError | IllegalTaskSubmission):
        return f"This review was already decided, so nothing changed. ({exc.message})"
    if isinstance(exc, TaskAssignmentError):
        return "Only the reviewer assigned to this task can accept or return it."
    return exc.message


def _seen_version(view: dict[str, Any]) -> str:
    """The task version a review modal was drawn from ("" when it does not say)."""
    try:
        return parse_metadata(view.get("private_metadata", ""))[1]
    except ValueError:
        return ""


def _accepted_by_me(sheet: Worksheet) -> bool:
    mine = [r for r in sheet.rounds if r.counter == sheet.my_counter]
    return (sheet.my_status is AssignmentStatus.SUBMITTED and bool(sheet.my_counter) and bool(mine)
            and mine[-1].status is IterationStatus.REQUESTED_REVIEW)


class ReviewListeners:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def _sheet(self, slack_user_id: str, task_id: int) -> Worksheet:
        return read_as(self.services, slack_user_id, lambda s, w: worksheet(s, task_id, w.id))

    def _view_for(self, sheet: Worksheet, status_line: str | None = None) -> dict[str, Any]:
        if sheet.is_involved or sheet.can_take_review:
            return review_modal(sheet, status_line=status_line)
        if sheet.status is TaskStatus.PENDING_REVIEW and sheet.take_refusal:
            return notice_modal("Tutti", f"You cannot review this task: {sheet.take_refusal}")
        return notice_modal("Tutti", "This review is not yours, so you cannot open it.")

    def open(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        task_id = task_id_from(body)
        try:
            if task_id is None:
                raise Refusal("That button does not name a task.")
            view = self._view_for(self._sheet(body["user"]["id"], task_id))
        except (Refusal, TuttiError) as exc:
            view = notice_modal("Tutti", exc.message)
        open_view(client, body["trigger_id"], view)

    def _after(self, client: WebClient, body: dict[str, Any], task_id: int, status_line: str,
               view_id: str | None = None) -> None:
        """Redraw the modal (or `view_id`) after a press; someone no longer involved sees only what happened."""
        try:
            sheet = self._sheet(body["user"]["id"], task_id)
            new = (self._view_for(sheet, status_line) if sheet.is_involved or sheet.can_take_review
                   else decided_modal(sheet.step.name, status_line))
        except (Refusal, TuttiError) as exc:
            new = notice_modal("Tutti", exc.message)
        update_view(client, view_id or body["view"]["id"], new)

    def take(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Assign the clicking reviewer, if the engine finds them qualified and the review still open."""
        ack()
        task_id = task_id_from(body)
        if task_id is None or not body.get("view"):
            return

        clicked_by: list[str] = []

        def take(session: Session, worker: Worker) -> None:
            clicked_by.append(worker.username)
            assignment.assign_task(session, task_id, worker.id, actor=actor(body))

        try:
            in_one_unit(self.services, body, take, key=click_key(body))
            line = ":mag: You are now reviewing this task."
        except Replayed:
            return
        except Refusal as exc:
            line = f":warning: {exc.message}"
        except TaskAlreadyAssigned as exc:
            line = (":mag: You are already reviewing this task." if exc.holder in clicked_by
                    else ":warning: Could not take this review: someone else took it first.")
        except (TaskAssignmentError, TaskStatusError) as exc:
            taken = "incorrect state" in exc.message
            line = (":warning: Could not take this review: someone else took it first." if taken
                    else f":warning: Could not take this review: {exc.message}")
        except TuttiError as exc:
            line = f":warning: Could not take this review: {exc.message}"
        self._after(client, body, task_id, line)

    def accept(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        task_id = task_id_from(body)
        if task_id is None or not body.get("view"):
            return

        seen = _seen_version(body["view"])

        def accept(session: Session, worker: Worker) -> TaskStatus:
            return submission.accept_task(session, task_id, worker.id, actor=actor(body),
                                          rng=self.services.random, seen_version=seen).status

        try:
            status = in_one_unit(self.services, body, accept, key=click_key(body))
        except Replayed:
            return
        except Refusal as exc:
            self._after(client, body, task_id, f":warning: {exc.message}")
            return
        except TuttiError as exc:
            sheet = self._sheet(body["user"]["id"], task_id)
            if not _accepted_by_me(sheet):
                self._after(client, body, task_id, f":warning: {_decision_refusal(exc)}")
                return
            status = sheet.status  # a second press of my own Accept: show the same outcome as the first
        sheet = self._sheet(body["user"]["id"], task_id)
        text = f":white_check_mark: *Accepted.* {_AFTER_ACCEPT.get(status, f'The task is now {status.display}.')}"
        update_view(client, body["view"]["id"], decided_modal(sheet.step.name, text))

    def start_return(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Push the feedback modal, for the assigned reviewer only."""
        ack()
        task_id = task_id_from(body)
        if task_id is None:
            return
        try:
            sheet = self._sheet(body["user"]["id"], task_id)
        except (Refusal, TuttiError) as exc:
            push_view(client, body["trigger_id"], notice_modal("Tutti", exc.message))
            return
        if not sheet.is_reviewing:
            push_view(client, body["trigger_id"], notice_modal(
                "Tutti", "Only the reviewer assigned to this task can return it, and only while it is under review."))
            return
        seen = _seen_version(body.get("view") or {}) or sheet.version
        if seen != sheet.version:
            self._after(client, body, task_id, f":warning: {TASK_CHANGED}")
            return
        push_view(client, body["trigger_id"], return_modal(task_id, seen))

    def submit_return(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Return the task with the feedback; the feedback is required."""
        view = body["view"]
        try:
            task_id, seen = parse_metadata(view.get("private_metadata", ""))
        except ValueError:
            ack()
            return
        entry = (view.get("state", {}).get("values", {}).get(Block.RETURN_FEEDBACK.value) or {})
        feedback = str((entry.get(Action.FORM_VALUE.value) or {}).get("value") or "").strip()
        if not feedback:
            ack(response_action="errors",
                errors={Block.RETURN_FEEDBACK.value: "Feedback is required: say what needs to change."})
            return

        def give_back(session: Session, worker: Worker) -> str:
            task = submission.return_task(session, task_id, worker.id, feedback, actor=actor(body), seen_version=seen)
            return worksheet(session, task.id, worker.id).step.name

        try:
            step_name = in_one_unit(self.services, body, give_back, key=submission_key(body))
        except Replayed:
            ack(response_action="update", view=notice_modal("Tutti", "This task was already returned."))
            return
        except Refusal as exc:
            ack(response_action="errors", errors={Block.RETURN_FEEDBACK.value: exc.message})
            if view.get("previous_view_id"):  # Back shows the review as it is now
                self._after(client, body, task_id, f":warning: {exc.message}", view["previous_view_id"])
            return
        except TuttiError as exc:
            ack(response_action="errors", errors={Block.RETURN_FEEDBACK.value: _decision_refusal(exc)})
            return
        done = decided_modal(step_name, ":leftwards_arrow_with_hook: *Returned* to the author with your feedback. "
                                        "It comes back to you when they resubmit.")
        ack(response_action="update", view=done)
        if view.get("previous_view_id"):
            update_view(client, view["previous_view_id"], done)


def register(app: App, services: SlackServices) -> None:
    listeners = ReviewListeners(services)
    app.action(Action.REVIEW_OPEN)(listeners.open)
    app.action(Action.REVIEW_TAKE)(listeners.take)
    app.action(Action.REVIEW_ACCEPT)(listeners.accept)
    app.action(Action.REVIEW_RETURN)(listeners.start_return)
    app.view(Callback.RETURN)(listeners.submit_return)
