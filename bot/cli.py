"""The `tutti` command line: operations and scripting over the same use cases Slack and the API call."""

from __future__ import annotations

import json
import mimetypes
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.container import Tutti
from bot.settings import Settings
from store import migrate, outbox
from store.db import make_engine
from store.enums import OutboxStatus, ProjectStatus, Role, TaskClass, TaskStatus
from store.events import Actor
from store.models import OutboxMessage, Project, Task, Worker, WorkerCertification, Workflow
from store.types import MAX_INTEGER
from workflows import (
    assignment,
    json_input,
    loader,
    machine,
    projects,
    read_models,
    revert,
    submission,
    uploads,
    workers,
)
from workflows.bundled import bundled_workflow_dirs
from workflows.context import current_assignment, load_task
from workflows.errors import TaskAlreadyAssigned, TuttiError, WorkflowValidationError
from workflows.json_input import JsonInputError
from workflows.outbox_events import MACHINE_TOPIC

T = TypeVar("T")


class DatabaseId(click.ParamType):
    """A database id of some kind of thing, refused in words that say what an id looks like."""

    name = "id"

    def __init__(self, noun: str) -> None:
        self.noun = noun

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value).strip()
        if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_INTEGER:
            return int(text)
        self.fail(f"{value!r} is not {self.noun} id (a whole number from 1 to {MAX_INTEGER})", param, ctx)


PROJECT_ID = DatabaseId("a project")
TASK_ID = DatabaseId("a task")
ITERATION_ID = DatabaseId("an iteration")
ID = DatabaseId("a database")  # any other kind of id


SCHEMA_BEHIND = "The database schema is not up to date: run `tutti db upgrade` first."


class App:
    """Lazily built Tutti for one CLI invocation."""

    def __init__(self) -> None:
        self.settings = Settings.from_env()
        self._tutti: Tutti | None = None

    @property
    def tutti(self) -> Tutti:
        """Tutti on an existing database at the newest schema (built on first use, kept only if both hold)."""
        if self._tutti is None:
            self.require_database_file()
            tutti = Tutti(self.settings)
            try:
                self.require_schema(tutti.database.engine)
            except BaseException:
                tutti.close()
                raise
            self._tutti = tutti
        return self._tutti

    def require_database_file(self) -> None:
        """Refuse, in one line, a SQLite database file that does not exist (connecting would create it empty)."""
        path = self.settings.sqlite_path
        if path is not None and not path.exists():
            raise click.ClickException(
                f"No database at {path}: run `tutti db upgrade` (or `make dev`) to create it, "
                "or set DATABASE_URL to an existing database."
            )

    def require_schema(self, engine: Engine) -> None:
        """Refuse, in one line, a database whose schema is not at the newest migration."""
        if not migrate.is_current(engine, self.settings.database_url):
            raise click.ClickException(SCHEMA_BEHIND)

    def check_database(self) -> None:
        """For commands that build their own Tutti: the database exists and its schema is at head."""
        self.require_database_file()
        engine = make_engine(self.settings.database_url)
        try:
            self.require_schema(engine)
        finally:
            engine.dispose()

    def actor(self) -> Actor:
        return Actor.cli()

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one use case in its own unit of work, turning domain errors into one clear line."""
        with self.tutti.database.unit_of_work() as uow:
            result = fn(uow.session, *args, **kwargs)
            uow.commit()
            return result

    def close(self, *, quietly: bool = False) -> None:
        """Deliver what the command queued (in-process jobs) and let go; `quietly` after the command failed."""
        tutti, self._tutti = self._tutti, None
        if tutti is None:
            return
        try:
            if self.settings.redis_url is None:
                tutti.scheduler.close()  # type: ignore[union-attr]
                tutti.dispatcher.drain()
        except Exception:
            if not quietly:
                raise
        finally:
            tutti.close()


pass_app = click.make_pass_decorator(App)


@contextmanager
def clear_errors() -> Iterator[None]:
    try:
        yield
    except WorkflowValidationError as exc:
        for problem in exc.problems:
            click.echo(f"{problem.file}: {problem.location}: {problem.message}", err=True)
        raise click.ClickException(exc.message) from None
    except TuttiError as exc:
        raise click.ClickException(cli_message(exc)) from None
    except IntegrityError:
        raise click.ClickException("Someone else changed this at the same moment; nothing was changed. Try again.") \
            from None
    except OperationalError as exc:
        raise click.ClickException(f"Database error: {exc.orig}") from None
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt, BrokenPipeError):
        raise  # click reports these itself (a closed pipe, as in `tutti tasks list | head`, ends quietly)
    except Exception as exc:  # a bug: still one line, and the whole story when asked for
        if os.environ.get("TUTTI_DEBUG"):
            raise
        raise click.ClickException(f"Unexpected {type(exc).__name__}: {exc} (set TUTTI_DEBUG=1 to see where)") \
            from None


def cli_message(exc: TuttiError) -> str:
    """An engine error told to someone at the shell, who may act for any worker, with the command that helps."""
    if isinstance(exc, TaskAlreadyAssigned):
        return (f"{exc.operator_message.removesuffix('.')}; use `tutti tasks reassign {exc.task_id} --worker NAME` "
                "to hand it to someone else.")
    return exc.operator_message


class TuttiGroup(click.Group):
    """Runs a command, then closes its App; errors from either end as one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with clear_errors():
                result = super().invoke(ctx)
        except BaseException:
            if isinstance(ctx.obj, App):
                ctx.obj.close(quietly=True)  # the command's own error is the one to show
            raise
        if isinstance(ctx.obj, App):
            with clear_errors():
                ctx.obj.close()
        return result


@click.group(cls=TuttiGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """Tutti: run teams of experts and machines through structured projects, in Slack."""
    ctx.obj = App()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def parse_json(text: str | None, what: str) -> dict[str, Any] | None:
    if text is None:
        return None
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {text[1:]}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        value = json_input.parse(text)
    except JsonInputError as exc:
        raise click.BadParameter(f"{what}: {exc}") from None
    if not isinstance(value, dict):
        raise click.BadParameter(f"{what} must be a JSON object")
    return value


# --- db ----------------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App) -> None:
    """Migrate the database to the newest schema."""
    upgrade_database(app.settings)
    click.echo("Database is at the newest schema.")


def upgrade_database(settings: Settings) -> None:
    """Create (SQLite: with its folder) or migrate the database to head."""
    if settings.sqlite_path is not None:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.database_url)


# --- workflows ---------------------------------------------------------------------------------------


@main.group()
def workflows() -> None:
    """Workflow definitions."""


@workflows.command("load")
@click.argument("directory", type=click.Path(path_type=Path), required=False)
@click.option("--version", "version_slug", help="Load only this version.")
@click.option("--force", is_flag=True, help="Update an existing version (steps may be added, not removed).")
@click.option("--bundled", is_flag=True, help="Load the workflows that ship with Tutti.")
@click.option("--check", is_flag=True, help="Validate only; change nothing.")
@pass_app
def workflows_load(app: App, directory: Path | None, version_slug: str | None, force: bool, bundled: bool,
                   check: bool) -> None:
    """Load an Orchestra workflow directory (workflow.json + <version>/version.json)."""
    if (directory is None) == (not bundled):
        raise click.UsageError("Give a workflow DIRECTORY or --bundled.")
    directories = bundled_workflow_dirs() if bundled else [directory]
    for path in directories:
        assert path is not None
        definition, warnings = loader.read_workflow(path)
        for warning in warnings:
            click.echo(f"warning: {warning.file}: {warning.location}: {warning.message}", err=True)
        if check:
            click.echo(f"{definition.slug}: valid ({len(definition.versions)} version(s)).")
            continue
        result = app.run(loader.load_workflow, definition, version_slug=version_slug, force=force)
        for warning in result.warnings:
            click.echo(f"warning: {warning.file}: {warning.location}: {warning.message}", err=True)
        if result.versions:
            click.echo(f"Loaded {result.workflow.slug} versions {', '.join(result.versions)}.")
        if result.unchanged:
            click.echo(f"{result.workflow.slug} {', '.join(result.unchanged)}: already loaded and unchanged.")


@workflows.command("list")
@pass_app
def workflows_list(app: App) -> None:
    """Loaded workflows and their versions."""
    with app.tutti.database.read() as session:
        for workflow in session.scalars(select(Workflow).order_by(Workflow.slug)):
            versions = ", ".join(v.slug for v in workflow.versions)
            click.echo(f"{workflow.slug}\t{workflow.name}\tversions: {versions}")


@workflows.command("sample-data")
@click.argument("workflow_slug")
@pass_app
def workflows_sample_data(app: App, workflow_slug: str) -> None:
    """Create a workflow's sample workers and their certifications."""
    click.echo(app.run(loader.load_sample_data, workflow_slug.split("/")[0]))


# --- workers ---------------------------------------------------------------------------------------


@main.group("workers")
def workers_group() -> None:
    """Experts."""


@workers_group.command("add")
@click.argument("slack_user_id")
@click.argument("username")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--email")
@click.option("--admin/--no-admin", default=None)
@click.option("--staffer/--no-staffer", default=None)
@pass_app
def workers_add(app: App, slack_user_id: str, username: str, first_name: str, last_name: str, email: str | None,
                admin: bool | None, staffer: bool | None) -> None:
    """Add (or update) the worker for a Slack user."""
    worker = app.run(workers.upsert_worker, slack_user_id=slack_user_id, username=username,
                     first_name=first_name, last_name=last_name, email=email, is_admin=admin, is_staffer=staffer)
    click.echo(f"Worker {worker.id} {worker.username} ({worker.slack_user_id}).")


@workers_group.command("certify")
@click.argument("worker_ref")
@click.argument("certification", metavar="WORKFLOW/CERTIFICATION")
@click.option("--reviewer", is_flag=True, help="Reviewer level (needs the entry level first).")
@click.option("--training", is_flag=True, help="A training certification instead of a real one.")
@click.option("--priority", default=0, help="Staffing priority (higher is offered first).")
@pass_app
def workers_certify(app: App, worker_ref: str, certification: str, reviewer: bool, training: bool,
                    priority: int) -> None:
    """Certify a worker (by id, Slack id or username)."""
    workflow_slug, _, cert_slug = certification.partition("/")
    if not cert_slug:
        raise click.BadParameter("write the certification as WORKFLOW/CERTIFICATION, e.g. journalism/reporter")
    role = Role.REVIEWER if reviewer else Role.ENTRY_LEVEL
    task_class = TaskClass.TRAINING if training else TaskClass.REAL

    def do(session: Any) -> str:
        worker = workers.find_worker(session, worker_ref)
        workers.certify(session, worker, workflow_slug, cert_slug, role, task_class, staffing_priority=priority)
        return worker.username

    username = app.run(do)
    click.echo(f"{username} is certified {certification} ({role.value}, {task_class.value}).")


@workers_group.command("list")
@pass_app
def workers_list(app: App) -> None:
    """Workers and their certifications."""
    with app.tutti.database.read() as session:
        for worker in session.scalars(select(Worker).order_by(Worker.username)):
            certs = session.scalars(select(WorkerCertification).where(WorkerCertification.worker_id == worker.id))
            described = ", ".join(
                f"{c.certification.slug}:{c.role.value}" + ("" if c.task_class is TaskClass.REAL else ":training")
                for c in certs
            )
            flags = " admin" if worker.is_admin else ""
            click.echo(f"{worker.id}\t{worker.slack_user_id}\t{worker.username}{flags}\t{described or '-'}")


# --- projects --------------------------------------------------------------------------------------


@main.group("projects")
def projects_group() -> None:
    """Projects."""


@projects_group.command("create")
@click.argument("workflow_slug")
@click.argument("version_slug")
@click.option("--description", "-d", default="")
@click.option("--priority", "-p", default=0)
@click.option("--data", "data_json", help="project_data as JSON, or @file.json")
@click.option("--task-class", type=click.Choice(["real", "training"]), default="real")
@click.option("--idempotency-key", help="Creating again with the same key returns the same project.")
@click.option("--wait", "wait_seconds", type=float, default=None,
              help="Wait up to this many seconds for machine steps to settle, showing their progress.")
@pass_app
def projects_create(app: App, workflow_slug: str, version_slug: str, description: str, priority: int,
                    data_json: str | None, task_class: str, idempotency_key: str | None,
                    wait_seconds: float | None) -> None:
    """Start a project of a workflow version."""
    request = projects.ProjectRequest(workflow_slug, version_slug, description, priority,
                                      parse_json(data_json, "--data") or {}, TaskClass(task_class))
    created = app.run(projects.create_project, request, actor=app.actor(), client_id="cli" if idempotency_key else None,
                      idempotency_key=idempotency_key)
    verb = "Created" if created.created else "Already created"
    click.echo(f"{verb} project {created.project.id}.")
    if wait_seconds:
        wait_for_machines(app, created.project.id, wait_seconds)


def wait_for_machines(app: App, project_id: int, timeout: float) -> None:
    """Deliver and poll until no machine step of the project is pending, printing each change."""
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while True:
        if app.settings.redis_url is None:
            app.tutti.dispatcher.sweep()
        with app.tutti.database.read() as session:
            found = read_models.project_information(session, [project_id])
        if str(project_id) not in found:
            raise click.ClickException(f"Project {project_id} does not exist.")
        info = found[str(project_id)]
        pending = False
        for slug, task in info["tasks"].items():
            if seen.get(slug) != task["status"]:
                seen[slug] = task["status"]
                click.echo(f"  task {task['id']} {slug}: {task['status']}")
            step = next(s for s in info["steps"] if s["slug"] == slug)
            if not step["is_human"] and task["status"] in ("Awaiting Processing", "Processing"):
                pending = True
        if not pending or time.monotonic() > deadline:
            if pending:
                click.echo("  (machine steps still running; they go on in the background)")
            return
        time.sleep(0.2)


@projects_group.command("wait")
@click.argument("project_id", type=PROJECT_ID)
@click.option("--timeout", type=float, default=60.0, show_default=True)
@pass_app
def projects_wait(app: App, project_id: int, timeout: float) -> None:
    """Wait until the project's machine steps have settled, showing task statuses as they change."""
    wait_for_machines(app, project_id, timeout)


@projects_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in ProjectStatus]))
@pass_app
def projects_list(app: App, status: str | None) -> None:
    """Projects, newest first."""
    with app.tutti.database.read() as session:
        query = select(Project).order_by(Project.id.desc()).limit(200)
        if status:
            query = query.where(Project.status == ProjectStatus(status))
        for project in session.scalars(query):
            click.echo(f"{project.id}\t{project.status.value}\t{project.version.workflow.slug}/"
                       f"{project.version.slug}\t{project.short_description}")


@projects_group.command("show")
@click.argument("project_id", type=PROJECT_ID)
@pass_app
def projects_show(app: App, project_id: int) -> None:
    """A project as JSON, in the shape of Orchestra's project_information."""
    with app.tutti.database.read() as session:
        info = read_models.project_information(session, [project_id])
    if not info:
        raise click.ClickException(f"Project {project_id} does not exist.")
    echo_json(info[str(project_id)])


def _project_command(name: str, fn: Callable[..., Any], past: str) -> None:
    @projects_group.command(name, help=f"{name.capitalize()} a project.")
    @click.argument("project_id", type=PROJECT_ID)
    @pass_app
    def command(app: App, project_id: int) -> None:
        app.run(fn, project_id, actor=app.actor())
        click.echo(f"Project {project_id} {past}.")


_project_command("pause", projects.pause_project, "paused")
_project_command("resume", projects.resume_project, "resumed")
_project_command("abort", projects.abort_project, "aborted")
_project_command("complete", projects.complete_project, "completed")


# --- tasks -------------------------------------------------------------------------------------------


@main.group("tasks")
def tasks_group() -> None:
    """Tasks: assign, do, review, and repair."""


def _worker_id(session: Any, ref: str) -> int:
    return workers.find_worker(session, ref).id


@tasks_group.command("show")
@click.argument("task_id", type=TASK_ID)
@pass_app
def tasks_show(app: App, task_id: int) -> None:
    """A task as JSON."""
    with app.tutti.database.read() as session:
        ctx = load_task(session, task_id)
        echo_json(read_models.task_json(ctx.task, ctx.info))


@tasks_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in TaskStatus]))
@click.option("--project", "project_id", type=PROJECT_ID)
@pass_app
def tasks_list(app: App, status: str | None, project_id: int | None) -> None:
    """Tasks, with their project, step and status."""
    with app.tutti.database.read() as session:
        query = select(Task).order_by(Task.id).limit(500)
        if status:
            query = query.where(Task.status == TaskStatus(status))
        if project_id:
            query = query.where(Task.project_id == project_id)
        for task in session.scalars(query):
            click.echo(f"{task.id}\tproject {task.project_id}\t{task.step.slug}\t{task.status.display}")


@tasks_group.command("assign")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True, help="Worker id, Slack id or username.")
@pass_app
def tasks_assign(app: App, task_id: int, worker_ref: str) -> None:
    """Give a task's next assignment (the work, or its next review) to a worker."""
    def do(session: Any) -> tuple[int, str]:
        worker = workers.find_worker(session, worker_ref)
        assigned = assignment.assign_task(session, task_id, worker.id, actor=app.actor())
        return assigned.assignment_counter, worker.username

    counter, username = app.run(do)
    role = "core work" if counter == 0 else f"review level {counter}"
    click.echo(f"Task {task_id} ({role}) assigned to {username}.")


FILE_OPTION = click.option(
    "--file", "file_args", multiple=True, metavar="FIELD=PATH",
    help="Attach a local file to a files field (repeat for several files).",
)


def _with_files(session: Any, task_id: int, worker_id: int, data: dict[str, Any] | None,
                file_args: tuple[str, ...]) -> dict[str, Any] | None:
    """Store `--file field=path` uploads and put their references into the task data."""
    if not file_args:
        return data
    by_field: dict[str, list[uploads.Upload]] = {}
    for arg in file_args:
        key, _, path = arg.partition("=")
        if not path:
            raise click.BadParameter(f"--file takes FIELD=PATH, not {arg!r}")
        local = Path(path)
        if not local.is_file():
            raise click.BadParameter(f"--file {arg}: no such file")
        content_type = mimetypes.guess_type(local.name)[0] or "application/octet-stream"
        by_field.setdefault(key, []).append(uploads.Upload(local.name, local.read_bytes(), content_type))
    merged = dict(data or {})
    for key, files_for_key in by_field.items():
        merged[key] = uploads.store_uploads(session, task_id, worker_id, key, files_for_key)
    return merged


@tasks_group.command("save")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True)
@click.option("--data", "data_json", help="Draft data as JSON, or @file.json")
@FILE_OPTION
@pass_app
def tasks_save(app: App, task_id: int, worker_ref: str, data_json: str | None, file_args: tuple[str, ...]) -> None:
    """Save a draft of a worker's task data."""
    data = parse_json(data_json, "--data") or {}

    def do(session: Any) -> None:
        worker_id = _worker_id(session, worker_ref)
        submission.save_task(session, task_id, worker_id, _with_files(session, task_id, worker_id, data, file_args)
                             or {}, actor=app.actor())

    app.run(do)
    click.echo(f"Draft of task {task_id} saved.")


def _report(app: App, task_id: int) -> None:
    with app.tutti.database.read() as session:
        ctx = load_task(session, task_id)
        click.echo(f"Task {task_id} is now {ctx.task.status.display}.")


@tasks_group.command("submit")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True)
@click.option("--data", "data_json", help="Task data as JSON, or @file.json (default: the saved draft)")
@FILE_OPTION
@pass_app
def tasks_submit(app: App, task_id: int, worker_ref: str, data_json: str | None, file_args: tuple[str, ...]) -> None:
    """Submit work (first submission, or the fix after a return)."""
    data = parse_json(data_json, "--data")

    def do(session: Any) -> None:
        worker_id = _worker_id(session, worker_ref)
        submission.submit_task(session, task_id, worker_id, _with_files(session, task_id, worker_id, data, file_args),
                               actor=app.actor())

    app.run(do)
    _report(app, task_id)


@tasks_group.command("accept")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True, help="The reviewer.")
@click.option("--data", "data_json", help="The reviewer's edited data (default: as submitted)")
@pass_app
def tasks_accept(app: App, task_id: int, worker_ref: str, data_json: str | None) -> None:
    """Accept the work under review."""
    data = parse_json(data_json, "--data")
    app.run(lambda s: submission.accept_task(s, task_id, _worker_id(s, worker_ref), data, actor=app.actor()))
    _report(app, task_id)


@tasks_group.command("return")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True, help="The reviewer.")
@click.option("--feedback", required=True, help="What needs to change.")
@pass_app
def tasks_return(app: App, task_id: int, worker_ref: str, feedback: str) -> None:
    """Return the work under review one level down, with feedback."""
    app.run(lambda s: submission.return_task(s, task_id, _worker_id(s, worker_ref), feedback, actor=app.actor()))
    _report(app, task_id)


@tasks_group.command("skip")
@click.argument("task_id", type=TASK_ID)
@pass_app
def tasks_skip(app: App, task_id: int) -> None:
    """Complete a task on someone's behalf (complete-and-skip)."""
    app.run(submission.complete_and_skip_task, task_id, actor=app.actor())
    _report(app, task_id)


@tasks_group.command("reassign")
@click.argument("task_id", type=TASK_ID)
@click.option("--worker", "worker_ref", required=True, help="Who takes the assignment over.")
@click.option("--from", "from_ref", help="Whose assignment (default: the one currently working).")
@pass_app
def tasks_reassign(app: App, task_id: int, worker_ref: str, from_ref: str | None) -> None:
    """Hand an assignment, with its data and history, to another worker."""
    def do(session: Any) -> str:
        ctx = load_task(session, task_id)
        if from_ref is not None:
            old = _worker_id(session, from_ref)
            target = next((a for a in ctx.task.assignments if a.worker_id == old), None)
            if target is None:
                raise click.ClickException(f"{from_ref} holds no assignment on task {task_id}.")
        else:
            target = current_assignment(ctx.assignments)
            if target is None:
                raise click.ClickException(f"Task {task_id} has no assignment to reassign; use `tasks assign`.")
        worker = workers.find_worker(session, worker_ref)
        assignment.reassign_assignment(session, target.id, worker.id, actor=app.actor())
        return worker.username

    click.echo(f"Task {task_id} reassigned to {app.run(do)}.")


@tasks_group.command("revert")
@click.argument("task_id", type=TASK_ID)
@click.option("--iteration", "iteration_id", type=ITERATION_ID, required=True)
@click.option("--before", "revert_before", is_flag=True, help="Revert to before the iteration.")
@click.option("--commit", is_flag=True, help="Apply the revert (default: dry run, printing what would change).")
@pass_app
def tasks_revert(app: App, task_id: int, iteration_id: int, revert_before: bool, commit: bool) -> None:
    """Revert a task to an iteration; prints the audit."""
    audit = app.run(revert.revert_task, task_id, iteration_id, revert_before=revert_before, commit=commit,
                    actor=app.actor())
    echo_json(audit)
    if not commit:
        click.echo("Dry run: nothing changed. Add --commit to apply.", err=True)


@tasks_group.command("retry")
@click.argument("task_id", type=TASK_ID)
@pass_app
def tasks_retry(app: App, task_id: int) -> None:
    """Run a failed machine step again."""
    app.run(machine.retry_machine_task, task_id, actor=app.actor())
    click.echo(f"Task {task_id} will run again.")


# --- outbox ------------------------------------------------------------------------------------------


@main.group("outbox")
def outbox_group() -> None:
    """Deliveries after commit (Slack messages, webhooks, machine steps): see what gave up, send it again."""


OUTBOX_ID = DatabaseId("an outbox message")


@outbox_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in OutboxStatus]), help="Only messages in this status.")
@click.option("--project", "project_id", type=PROJECT_ID, help="Only this project's messages.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@pass_app
def outbox_list(app: App, status: str | None, project_id: int | None, limit: int) -> None:
    """Messages, newest first: id, topic, status, attempts, project, and the last error."""
    with app.tutti.database.read() as session:
        for m in outbox.recent(session, status=OutboxStatus(status) if status else None, project_id=project_id,
                               limit=limit):
            project = f"project {m.project_id}" if m.project_id is not None else "-"
            error = (m.last_error or "").replace("\n", " ")[:200]
            click.echo(f"{m.id}\t{m.topic}\t{m.status.value}\t{m.attempts}/{m.max_attempts}\t{project}\t"
                       f"{m.created_at:%Y-%m-%d %H:%M:%S}\t{error}")


@outbox_group.command("retry")
@click.argument("message_ids", nargs=-1, required=True, type=OUTBOX_ID)
@pass_app
def outbox_retry(app: App, message_ids: tuple[int, ...]) -> None:
    """Send dead messages again, each with a fresh set of attempts (machine steps: `tutti tasks retry`)."""
    def revive(session: Any) -> list[tuple[int, str]]:
        revived = []
        for message_id in message_ids:
            message = session.get(OutboxMessage, message_id)
            if message is not None and message.topic == MACHINE_TOPIC:
                task = message.payload.get("task_id")
                raise click.ClickException(f"Outbox message {message_id} runs a machine step: use "
                                           f"`tutti tasks retry {task}`, which also resets the task.")
            try:
                revived.append((outbox.revive(session, message_id).id, message.topic if message else ""))
            except outbox.NotRevivable as exc:
                raise click.ClickException(str(exc)) from None
        return revived

    revived = app.run(revive)
    if app.tutti.database.outbox_notifier is not None:
        app.tutti.database.outbox_notifier([message_id for message_id, _ in revived])
    for message_id, topic in revived:
        click.echo(f"Outbox message {message_id} ({topic}) will be sent again.")


# --- processes ---------------------------------------------------------------------------------------


@main.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@pass_app
def worker_command(app: App, burst: bool) -> None:
    """Process jobs: an RQ worker with REDIS_URL, otherwise an in-process delivery loop."""
    from bot.processes import run_worker

    app.check_database()
    run_worker(app.settings, burst=burst)


@main.command("cron")
@pass_app
def cron_command(app: App) -> None:
    """Run the periodic jobs: the outbox sweep, StaffBot's rounds and SanityBot's checks."""
    from bot.processes import run_cron

    app.check_database()
    run_cron(app.settings)


@main.command("socket")
@pass_app
def socket_command(app: App) -> None:
    """Serve the Slack app over Socket Mode (needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN)."""
    from bot.slack_app import run_socket_mode

    run_socket_mode(app.tutti)


@main.command("dev")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="Port Tutti serves on (default: $PORT or 8000); the sandbox's is TUTTI_SANDBOX_PORT (3001).")
@pass_app
def dev_command(app: App, port: int | None) -> None:
    """Run everything in one process on embedded defaults (SQLite, in-process jobs, the Slack sandbox)."""
    from bot.dev import run_dev

    settings = app.settings if port is None else app.settings.on_port(port)
    run_dev(settings)


import bot.cli_api  # noqa: E402, F401 - registers `api-keys`, `webhooks` and `demo` on `main`

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
