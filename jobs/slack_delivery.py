"""Outbox handlers that tell people in Slack: project channels, invites, lifecycle messages, DMs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import select

from jobs.dispatcher import Delivery, Handler
from jobs.errors import RetryLater
from jobs.fanout import queue_once
from jobs.project_channel import ended_project_tolerance, project_channel
from jobs.slack_calls import SlackCallError, call
from store.db import Database
from store.enums import ProjectStatus, TaskStatus
from store.models import Task, TaskAssignment, Worker
from views import notices
from views.notices import Notice
from workflows.assignment import has_open_work
from workflows.projects import record_project_channel
from workflows.read_models import (
    PersonRef,
    ProjectSummary,
    TaskSummary,
    admins,
    project_summary,
    task_summary,
    worker_ref,
)

log = logging.getLogger(__name__)

SUBSCRIPTIONS: dict[str, list[str]] = {
    "project.created": ["slack.create_channel"],
    "team.joined": ["slack.invite"],
    "team.left": ["slack.kick"],
    "task.status_changed": ["slack.task_notice", "slack.task_dm"],
    "task.failed": ["slack.task_failed"],
    "project.status_changed": ["slack.project_notice"],
    "project.message": ["slack.project_message"],
}


class SlackDelivery:
    """The handlers, bound to a database and a Slack client."""

    def __init__(self, database: Database, client: WebClient) -> None:
        self.database = database
        self.client = client

    def handlers(self) -> dict[str, Handler]:
        return {
            "slack.create_channel": self.create_channel,
            "slack.invite": self.invite,
            "slack.welcome": self.welcome,
            "slack.kick": self.kick,
            "slack.task_notice": self.task_notice,
            "slack.task_dm": self.task_dm,
            "slack.task_failed": self.task_failed,
            "slack.project_notice": self.project_notice,
            "slack.archive": self.archive,
            "slack.project_message": self.project_message,
        }

    # --- reading ----------------------------------------------------------------------------------

    def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.database.read() as session:
            return fn(session, *args)

    def _channel(self, delivery: Delivery) -> ProjectSummary:
        """The project, once its channel exists; until then the delivery waits (never dropped)."""
        project: ProjectSummary = self._read(project_summary, int(delivery.payload["project_id"]))
        project_channel(self.database, delivery, project.id, project.slack_channel_id)
        return project

    def _task_at_event(self, delivery: Delivery) -> tuple[TaskSummary, PersonRef | None]:
        """The task as the event saw it: later changes must not rewrite what this message says happened."""
        payload = delivery.payload
        task: TaskSummary = self._read(task_summary, int(payload["task_id"]))
        worker_id, submitter_id = payload.get("worker_id"), payload.get("submitter_id")
        current = self._read(worker_ref, int(worker_id)) if worker_id else None
        submitter = self._read(worker_ref, int(submitter_id)) if submitter_id else None
        return replace(task, status=TaskStatus(payload["status"]), current=current), submitter

    def _then(self, topic: str, delivery: Delivery) -> None:
        """Queue a follow-up step of this delivery as a delivery of its own (retried on its own, once)."""
        with self.database.unit_of_work() as uow:
            queue_once(uow.session, [(topic, f"{topic}:{delivery.id}")], delivery.payload,
                       project_id=delivery.project_id)
            uow.commit()

    def _post(self, channel: str, notice: Notice) -> None:
        call(self.client, "chat.postMessage", channel=channel, text=notice.text, blocks=notice.blocks,
             unfurl_links=False)

    def _post_to_project(self, project: ProjectSummary, notice: Notice) -> None:
        """Post in the project's channel; a post that finds it archived because the project ended is dropped."""
        call(self.client, "chat.postMessage", channel=project.slack_channel_id, text=notice.text,
             blocks=notice.blocks, unfurl_links=False, tolerate=ended_project_tolerance(project.status))

    # --- handlers ---------------------------------------------------------------------------------

    def create_channel(self, delivery: Delivery) -> None:
        """One private channel per project, named after it; a taken name gets a suffix."""
        project: ProjectSummary = self._read(project_summary, int(delivery.payload["project_id"]))
        if project.slack_channel_id is not None:
            return
        for attempt in range(20):
            name = notices.channel_name(project.id, project.description, attempt)
            try:
                response = call(self.client, "conversations.create", name=name, is_private=True)
            except SlackCallError as exc:
                if exc.error == "name_taken":
                    continue
                raise
            assert response is not None
            channel_id = response["channel"]["id"]
            break
        else:
            raise RetryLater(f"no free channel name for project {project.id}")
        with self.database.unit_of_work() as uow:
            recorded = record_project_channel(uow.session, project.id, channel_id, name)
            uow.commit()
        if not recorded:  # a concurrent delivery won; this channel is surplus
            call(self.client, "conversations.archive", channel=channel_id, tolerate=frozenset({"already_archived"}))
            return
        call(self.client, "conversations.setTopic", channel=channel_id, topic=(project.description or name)[:250])
        call(self.client, "conversations.setPurpose", channel=channel_id, purpose=notices.channel_purpose(project))

    def invite(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        person: PersonRef = self._read(worker_ref, int(delivery.payload["worker_id"]))
        invited = call(self.client, "conversations.invite", channel=project.slack_channel_id,
                       users=person.slack_user_id, tolerate=frozenset({"already_in_channel", "cant_invite_self"})
                       | ended_project_tolerance(project.status))
        if invited is not None:  # the welcome is its own delivery, so a failed post is retried, not lost
            self._then("slack.welcome", delivery)

    def welcome(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        person: PersonRef = self._read(worker_ref, int(delivery.payload["worker_id"]))
        self._post_to_project(project, notices.welcome(person))

    def kick(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        person: PersonRef = self._read(worker_ref, int(delivery.payload["worker_id"]))
        if self._read(has_open_work, project.id, person.worker_id):
            return  # they took new work in the project meanwhile
        call(self.client, "conversations.kick", channel=project.slack_channel_id, user=person.slack_user_id,
             tolerate=frozenset({"not_in_channel", "cant_kick_self"}) | ended_project_tolerance(project.status))

    def task_notice(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        task, submitter = self._task_at_event(delivery)
        notice = notices.task_status_notice(task, TaskStatus(delivery.payload["previous_status"]),
                                            delivery.payload.get("action"), submitter)
        if notice is not None:
            self._post_to_project(project, notice)

    def task_dm(self, delivery: Delivery) -> None:
        """DM the people a change needs: assigned, returned, ready for re-review, complete."""
        task, _ = self._task_at_event(delivery)
        status = task.status
        previous = TaskStatus(delivery.payload["previous_status"])
        recipients: list[PersonRef] = []
        notice: Notice | None = None
        if status in (TaskStatus.PROCESSING, TaskStatus.REVIEWING) and previous in (
            TaskStatus.AWAITING_PROCESSING, TaskStatus.PENDING_REVIEW
        ):
            notice, recipients = notices.assigned_dm(task), [task.current] if task.current else []
        elif status is TaskStatus.POST_REVIEW_PROCESSING:
            notice, recipients = notices.returned_dm(task), [task.current] if task.current else []
        elif status is TaskStatus.REVIEWING and previous is TaskStatus.POST_REVIEW_PROCESSING:
            notice, recipients = notices.rereview_dm(task), [task.current] if task.current else []
        elif status is TaskStatus.COMPLETE and task.people:
            notice, recipients = notices.complete_dm(task), list({p.worker_id: p for p in task.people}.values())
        if notice is None:
            return
        for person in recipients:
            self._post(person.slack_user_id, notice)

    def task_failed(self, delivery: Delivery) -> None:
        task = self._read(task_summary, int(delivery.payload["task_id"]))
        notice = notices.task_failed_notice(task, int(delivery.payload.get("attempts", 1)))
        if task.project.slack_channel_id:
            self._post(task.project.slack_channel_id, notice)
        for admin in self._read(admins):
            self._post(admin.slack_user_id, notice)

    def project_notice(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        people = self._read(_project_people, project.id)
        status = ProjectStatus(delivery.payload["status"])
        happened = replace(project, status=status)  # describe this change even if a later one superseded it
        self._post(project.slack_channel_id or "", notices.project_status_notice(happened, people))
        if status.is_over:  # archiving is its own delivery, so a failure there never repeats the announcement
            self._then("slack.archive", delivery)

    def archive(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        call(self.client, "conversations.archive", channel=project.slack_channel_id,
             tolerate=frozenset({"already_archived"}))

    def project_message(self, delivery: Delivery) -> None:
        project = self._channel(delivery)
        text = str(delivery.payload["text"])
        call(self.client, "chat.postMessage", channel=project.slack_channel_id, text=text[:40000],
             tolerate=ended_project_tolerance(project.status))


def _project_people(session: Any, project_id: int) -> list[PersonRef]:
    rows = session.execute(
        select(Worker)
        .join(TaskAssignment, TaskAssignment.worker_id == Worker.id)
        .join(Task, Task.id == TaskAssignment.task_id)
        .where(Task.project_id == project_id)
        .order_by(Worker.id)
        .distinct()
    ).scalars()
    return [PersonRef(w.id, w.slack_user_id, w.full_name) for w in rows]
