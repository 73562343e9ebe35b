"""`/tutti`: admin tools (certify experts, list and steer projects, assign work, retry machine steps)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handlers.slack.guard import MAX_ID, MENTION, may_administer, parse_id
from handlers.slack.services import SlackServices
from store.enums import EventSource, ProjectStatus, Role, TaskClass
from store.events import Actor
from store.models import Project, Worker
from views import admin as replies
from views.ids import Command
from workflows import assignment, machine, projects, workers
from workflows.context import current_assignment, load_task
from workflows.errors import NotFound, TuttiError


class AdminCommand:
    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def handle(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        user_id = command["user_id"]
        words = (command.get("text") or "").split()
        if not may_administer(self.services.database, client, user_id):
            respond(text=replies.REFUSAL, response_type="ephemeral")
            return
        name, args = (words[0].lower(), words[1:]) if words else ("help", [])
        action = self.actions().get(name)
        if action is None:
            respond(text=replies.HELP if name == "help" else f"Unknown command `{name}`.\n\n{replies.HELP}",
                    response_type="ephemeral")
            return
        actor = Actor(user_id, EventSource.SLACK)
        try:
            reply = action(args, actor, client)
        except TuttiError as exc:
            reply = replies.problem(exc.operator_message)  # an admin acts for others: name the worker
        except IntegrityError:
            reply = replies.problem("Someone changed this at the same moment; nothing was changed. Try again.")
        except UsageError as exc:
            reply = replies.problem(f"{exc}\n\n{replies.HELP}")
        respond(text=reply, response_type="ephemeral")

    def actions(self) -> dict[str, Callable[[list[str], Actor, WebClient], str]]:
        return {
            "projects": self.list_projects,
            "certify": self.certify,
            "pause": self._status(projects.pause_project, ProjectStatus.PAUSED),
            "resume": self._status(projects.resume_project, ProjectStatus.ACTIVE),
            "abort": self._status(projects.abort_project, ProjectStatus.ABORTED),
            "assign": self.assign,
            "reassign": self.reassign,
            "retry": self.retry,
        }

    # --- authorization ---------------------------------------------------------------------------

    # --- commands --------------------------------------------------------------------------------

    def _run(self, fn: Callable[[Session], str]) -> str:
        with self.services.database.unit_of_work() as uow:
            reply = fn(uow.session)
            uow.commit()
            return reply

    def list_projects(self, args: list[str], actor: Actor, client: WebClient) -> str:
        status = None
        if args:
            try:
                status = ProjectStatus(args[0].lower())
            except ValueError:
                raise UsageError(f"`{args[0]}` is not a project status.") from None
        with self.services.database.read() as session:
            query = select(Project).order_by(Project.id.desc()).limit(30)
            query = query.where(Project.status == status) if status else query.where(
                Project.status.in_([ProjectStatus.ACTIVE, ProjectStatus.PAUSED]))
            return replies.project_lines(list(session.scalars(query)))

    def certify(self, args: list[str], actor: Actor, client: WebClient) -> str:
        if len(args) < 2 or "/" not in args[1]:
            raise UsageError("Usage: `/tutti certify @person workflow/certification [reviewer] [training]`")
        slack_user_id = _mentioned(args[0])
        workflow_slug, cert_slug = args[1].split("/", 1)
        flags = {a.lower() for a in args[2:]}
        role = Role.REVIEWER if "reviewer" in flags else Role.ENTRY_LEVEL
        task_class = TaskClass.TRAINING if "training" in flags else TaskClass.REAL
        profile = _profile(client, slack_user_id)

        def do(session: Session) -> str:
            worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
            if worker is None:
                worker = workers.upsert_worker(session, slack_user_id=slack_user_id, **profile)
            workers.certify(session, worker, workflow_slug, cert_slug, role, task_class)
            return (f":white_check_mark: <@{slack_user_id}> is certified `{workflow_slug}/{cert_slug}` "
                    f"({role.value.replace('_', ' ')}, {task_class.value}).")

        return self._run(do)

    def _status(self, use_case: Callable[..., Project], status: ProjectStatus) -> Callable[..., str]:
        def change(args: list[str], actor: Actor, client: WebClient) -> str:
            project_id = _number(args, "project id")
            self._run(lambda session: str(use_case(session, project_id, actor=actor).id))
            return replies.status_changed(project_id, status)

        return change

    def assign(self, args: list[str], actor: Actor, client: WebClient) -> str:
        task_id = _number(args, "task id")
        slack_user_id = _mentioned(args[1] if len(args) > 1 else "")

        def do(session: Session) -> str:
            worker = workers.find_worker(session, slack_user_id)
            assigned = assignment.assign_task(session, task_id, worker.id, actor=actor)
            role = "the work" if assigned.assignment_counter == 0 else "the review"
            return f":white_check_mark: <@{slack_user_id}> now has {role} of task {task_id}."

        return self._run(do)

    def reassign(self, args: list[str], actor: Actor, client: WebClient) -> str:
        task_id = _number(args, "task id")
        slack_user_id = _mentioned(args[1] if len(args) > 1 else "")

        def do(session: Session) -> str:
            worker = workers.find_worker(session, slack_user_id)
            current = current_assignment(load_task(session, task_id).assignments)
            if current is None or current.worker_id is None:
                raise NotFound(f"Task {task_id} has nobody to replace; use `/tutti assign`.")
            assignment.reassign_assignment(session, current.id, worker.id, actor=actor)
            return f":white_check_mark: Task {task_id} is now with <@{slack_user_id}>."

        return self._run(do)

    def retry(self, args: list[str], actor: Actor, client: WebClient) -> str:
        task_id = _number(args, "task id")
        self._run(lambda session: str(machine.retry_machine_task(session, task_id, actor=actor).id))
        return f":arrows_counterclockwise: Task {task_id} will run again."


class UsageError(Exception):
    """The command was typed wrongly."""


def _mentioned(word: str) -> str:
    match = MENTION.fullmatch(word)
    if match is None:
        raise UsageError(f"Mention the person, like `@alice` (got `{word or 'nothing'}`).")
    return match["id"]


def _number(args: list[str], what: str) -> int:
    if not args or not (args[0].isascii() and args[0].isdigit()):
        raise UsageError(f"Give a {what}, like `42`.")
    number = parse_id(args[0])
    if number is None:
        raise UsageError(f"There is no {what} `{args[0]}`: give a number from 1 to {MAX_ID}.")
    return number


def _profile(client: WebClient, slack_user_id: str) -> dict[str, Any]:
    """Name and email of a Slack user, for creating their worker."""
    try:
        user = client.users_info(user=slack_user_id)["user"]
    except SlackApiError as exc:
        raise NotFound(f"Slack does not know <@{slack_user_id}> ({exc.response.get('error')}).") from None
    profile = user.get("profile") or {}
    real = (profile.get("real_name") or user.get("real_name") or "").split(" ", 1)
    return {
        "username": user.get("name") or slack_user_id.lower(),
        "first_name": real[0] if real else "",
        "last_name": real[1] if len(real) > 1 else "",
        "email": profile.get("email"),
    }


def register(app: App, services: SlackServices) -> None:
    app.command(Command.TUTTI)(AdminCommand(services).handle)
