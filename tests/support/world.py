"""A small test harness over the real engine: load workflows, add workers, run use cases, read state."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select

from bot.container import Tutti
from store.enums import ProjectStatus, Role, TaskClass, TaskStatus
from store.events import Actor
from store.models import Project, Task, TaskAssignment
from workflows import loader, projects, read_models, workers
from workflows.bundled import bundled_workflow_dirs
from workflows.context import load_task

T = TypeVar("T")
ACTOR = Actor.cli("test")


def human(slug: str, **keys: Any) -> dict[str, Any]:
    """A human step in Orchestra's JSON; name/description default from the slug."""
    return {"slug": slug, "name": slug.title(), "description": f"Do {slug}.", **keys}


def machine(slug: str, path: str, **keys: Any) -> dict[str, Any]:
    return {"slug": slug, "name": slug.title(), "description": f"Run {slug}.", "is_human": False,
            "execution_function": {"path": path}, **keys}


class World:
    """One test's view of Tutti: everything goes through the same use cases as Slack, the API and the CLI."""

    def __init__(self, tutti: Tutti, root: Path) -> None:
        self.tutti = tutti
        self.root = root
        self.rng = random.Random(7).random

    # --- set-up ---------------------------------------------------------------------------------

    def write_workflow(self, slug: str, steps: list[dict[str, Any]], *, certifications: list[str] | None = None,
                       version: str = "v1", **version_keys: Any) -> Path:
        directory = self.root / "workflows" / slug
        (directory / version).mkdir(parents=True, exist_ok=True)
        (directory / "workflow.json").write_text(json.dumps({
            "slug": slug, "name": slug.title(), "description": f"The {slug} workflow.",
            "certifications": [{"slug": c, "name": c.title(), "description": c} for c in certifications or []],
        }))
        (directory / version / "version.json").write_text(json.dumps({
            "slug": version, "name": f"{slug} {version}", "description": "A version.", "steps": steps,
            **version_keys,
        }))
        return directory

    def load(self, slug: str, steps: list[dict[str, Any]], *, certifications: list[str] | None = None,
             **version_keys: Any) -> None:
        directory = self.write_workflow(slug, steps, certifications=certifications, **version_keys)
        self.run(loader.load_workflow_directory, directory)

    def load_bundled(self, sample_data: bool = True) -> None:
        for directory in bundled_workflow_dirs():
            result = self.run(loader.load_workflow_directory, directory)
            if sample_data:
                self.run(loader.load_sample_data, result.workflow.slug)

    def worker(self, username: str, *certs: str, workflow: str | None = None, reviewer: tuple[str, ...] = (),
               training: bool = False, admin: bool = False) -> int:
        """Add a worker holding entry-level `certs` and reviewer `reviewer` certifications of `workflow`."""
        def do(session: Any) -> int:
            worker = workers.upsert_worker(session, slack_user_id=f"U{username.upper()[:9]}", username=username,
                                           first_name=username.title(), is_admin=admin)
            task_class = TaskClass.TRAINING if training else TaskClass.REAL
            for cert in certs:
                workers.certify(session, worker, workflow or "", cert, Role.ENTRY_LEVEL, task_class)
            for cert in reviewer:
                workers.certify(session, worker, workflow or "", cert, Role.REVIEWER, task_class)
            return worker.id

        return self.run(do)

    # --- doing things ---------------------------------------------------------------------------

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.tutti.database.unit_of_work() as uow:
            result = fn(uow.session, *args, **kwargs)
            uow.commit()
            return result

    def create(self, workflow: str, version: str = "v1", data: dict[str, Any] | None = None,
               task_class: TaskClass = TaskClass.REAL, drain: bool = True, **kwargs: Any) -> int:
        request = projects.ProjectRequest(workflow, version, "a test project", 0, data or {}, task_class)
        created = self.run(projects.create_project, request, actor=ACTOR, **kwargs)
        if drain:
            self.drain()
        return created.project.id

    def drain(self) -> None:
        self.tutti.dispatcher.drain()

    # --- reading --------------------------------------------------------------------------------

    def task_id(self, project_id: int, step: str) -> int:
        with self.tutti.database.read() as session:
            for task in session.scalars(select(Task).where(Task.project_id == project_id)):
                if task.step.slug == step:
                    return task.id
        raise AssertionError(f"project {project_id} has no task for {step}")

    def has_task(self, project_id: int, step: str) -> bool:
        try:
            self.task_id(project_id, step)
        except AssertionError:
            return False
        return True

    def status(self, project_id: int, step: str) -> TaskStatus:
        with self.tutti.database.read() as session:
            return load_task(session, self.task_id(project_id, step)).task.status

    def project_status(self, project_id: int) -> ProjectStatus:
        with self.tutti.database.read() as session:
            project = session.get(Project, project_id)
            assert project is not None
            return project.status

    def info(self, project_id: int) -> dict[str, Any]:
        with self.tutti.database.read() as session:
            return read_models.project_information(session, [project_id])[str(project_id)]

    def assignments(self, project_id: int, step: str) -> list[TaskAssignment]:
        with self.tutti.database.read() as session:
            ctx = load_task(session, self.task_id(project_id, step))
            for assignment in ctx.assignments:
                _ = assignment.iterations, assignment.worker
            assignments = ctx.assignments
            session.expunge_all()
            return assignments

    # --- added for the engine tests: plain-data reads (ORM objects expire when a read session closes) ----

    def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(session, ...)` in a read-only session; `fn` should return plain values."""
        with self.tutti.database.read() as session:
            return fn(session, *args, **kwargs)

    def events(self, project_id: int) -> list[dict[str, Any]]:
        """The project's event log as dicts (action, actor, source, task_id, before, after)."""
        from store.events import project_events

        return self.read(lambda s: [
            {"action": e.action, "actor": e.actor, "source": e.source, "task_id": e.task_id,
             "before": e.before, "after": e.after, "created_at": e.created_at}
            for e in project_events(s, project_id)
        ])

    def outbox(self, topic: str | None = None, project_id: int | None = None) -> list[dict[str, Any]]:
        """Outbox rows as dicts, oldest first."""
        from store.models import OutboxMessage

        def rows(session: Any) -> list[dict[str, Any]]:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            if topic is not None:
                query = query.where(OutboxMessage.topic == topic)
            if project_id is not None:
                query = query.where(OutboxMessage.project_id == project_id)
            return [
                {"id": m.id, "topic": m.topic, "payload": m.payload, "status": m.status, "attempts": m.attempts,
                 "max_attempts": m.max_attempts, "backoff_seconds": m.backoff_seconds,
                 "available_at": m.available_at, "last_error": m.last_error}
                for m in session.scalars(query)
            ]

        return self.read(rows)

    def emitted(self, project_id: int) -> list[dict[str, Any]]:
        """Payloads of the domain events (outbox topic "event") of a project, oldest first."""
        return [m["payload"] for m in self.outbox("event", project_id)]

    def make_due(self, message_id: int) -> None:
        """Pretend a message's backoff has elapsed, so the next drain delivers it."""
        from datetime import timedelta

        from store.models import OutboxMessage
        from store.types import utcnow

        def do(session: Any) -> None:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            message.available_at = utcnow() - timedelta(seconds=1)

        self.run(do)

    def task(self, project_id: int, step: str) -> dict[str, Any]:
        """One task of `project_information` (status, latest_data, assignments with iterations)."""
        return self.info(project_id)["tasks"][step]
