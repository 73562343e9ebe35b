"""`tutti dev` / `make dev`: every process in one, on embedded defaults, with the Slack sandbox.

The sandbox stands in for this installation's Slack workspace, so it behaves like one:

- Its workspace (channels, messages, users, DMs, Home tabs, files) is kept in `sandbox.json` beside the SQLite
  database (var/ by default; TUTTI_SANDBOX_STATE names another file, or `memory` for none) and reloaded on
  start, so old projects keep their channels and new ones get new ids (sandbox.persist).
- Ids never repeat, even when the two files part ways. If the database is new but the sandbox file is not, the
  old channels stay, as in a real workspace whose app lost its database: Tutti names new channels around them.
  If the sandbox file is gone but the database is not, old projects' channels are gone (posts to them fail
  with channel_not_found) and new channels still get new ids. Either way one log line says so; deleting both
  files starts afresh.
- Tutti's workers are its members: the sandbox asks the database for workers it has not met when it starts,
  when a call names an unknown user id, and when the browser lists people (Workspace.learn_users). Asking on
  demand needs no running sandbox for `tutti workers add` to succeed, no notification that could be lost, and
  no polling: a worker added while dev runs exists by the time Tutti invites her, and appears in the picker on
  the next page load.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bot.cli import upgrade_database
from bot.container import Tutti
from bot.settings import ROOT, Settings
from bot.web import create_web_app
from store.models import Project, Worker, Workflow
from workflows import loader
from workflows.bundled import bundled_workflow_dirs
from workflows.workers import upsert_worker

if TYPE_CHECKING:
    from sandbox.server import RunningSandbox
    from sandbox.state import User

log = logging.getLogger(__name__)

ADMIN = {"slack_user_id": "UADMIN0001", "username": "admin", "first_name": "Ada", "last_name": "Admin",
         "email": "admin@example.org"}
SANDBOX_STATE = "TUTTI_SANDBOX_STATE"  # would be Settings.sandbox_state_path
WEB_PORT_SETTING = "PORT (or `tutti dev --port`)"
SANDBOX_PORT_SETTING = "TUTTI_SANDBOX_PORT"


def prepare(tutti: Tutti) -> None:
    """Load the bundled workflows with their sample workers, any TUTTI_WORKFLOW_DIRS, and the sandbox admin."""
    for directory in [*bundled_workflow_dirs(), *tutti.settings.workflow_dirs]:
        definition, _ = loader.read_workflow(directory)
        with tutti.database.unit_of_work() as uow:
            exists = uow.session.scalar(select(Workflow.id).where(Workflow.slug == definition.slug))
            if exists is None:
                loader.load_workflow(uow.session, definition)
            if definition.sample_data_load_function is not None:
                loader.load_sample_data(uow.session, definition.slug)
            uow.commit()
    with tutti.database.unit_of_work() as uow:
        upsert_worker(uow.session, is_admin=True, **ADMIN)
        uow.commit()


def sandbox_state_path(settings: Settings, env: Mapping[str, str] = os.environ) -> Path | None:
    """Where the sandbox keeps its workspace: TUTTI_SANDBOX_STATE, else sandbox.json beside the SQLite file
    (the repository's var/ for other databases); None (in memory) when TUTTI_SANDBOX_STATE is `memory`."""
    chosen = env.get(SANDBOX_STATE, "").strip()
    if chosen:
        return None if chosen.lower() == "memory" else Path(chosen)
    folder = settings.sqlite_path.parent if settings.sqlite_path is not None else ROOT / "var"
    return folder / "sandbox.json"


def worker_directory(tutti: Tutti) -> Iterable[User]:
    """Every worker as a sandbox user (display name = username)."""
    from sandbox.state import User

    with tutti.database.read() as session:
        rows = session.execute(select(Worker.slack_user_id, Worker.username, Worker.first_name, Worker.last_name,
                                      Worker.email, Worker.is_admin)).all()
    return [User(id=slack_id, name=username, real_name=" ".join(p for p in (first, last) if p) or username,
                 email=email or "", is_admin=is_admin)
            for slack_id, username, first, last, email, is_admin in rows]


def listener_name(host: str, port: int) -> str:
    """Who answers on host:port: a Tutti sandbox, Tutti, or another program (asked over HTTP, briefly)."""
    address = f"[{host}]" if ":" in host else host
    for path, name in (("/_sandbox/faults", "a Tutti Slack sandbox"), ("/healthz", "Tutti")):
        try:
            with urllib.request.urlopen(f"http://{address}:{port}{path}", timeout=1) as response:
                body = json.load(response)
        except (OSError, ValueError):
            continue
        if isinstance(body, dict) and "ok" in body:
            return name
    return "another program"


def port_in_use(host: str, port: int, setting: str) -> click.ClickException:
    """The one line that says who holds the port and which setting moves us elsewhere."""
    who = listener_name(host, port)
    hint = " (is `make dev` already running?)" if who != "another program" else ""
    return click.ClickException(f"port {port} on {host} is already in use by {who}{hint}: stop it, or set "
                                f"{setting} to use another port.")


def bind_port(host: str, port: int, setting: str) -> socket.socket:
    """A listening socket for one of dev's servers, or the one-line error when the port is taken."""
    from sandbox.background import PortInUse, listen

    try:
        return listen(host, port)
    except PortInUse:
        raise port_in_use(host, port, setting) from None


def start_sandbox(settings: Settings) -> RunningSandbox:
    """Serve the sandbox with its saved workspace and the sample workers."""
    from sandbox.background import PortInUse
    from sandbox.persist import StateInUse
    from sandbox.sample_users import sample_users
    from sandbox.server import start_sandbox

    try:
        sandbox = start_sandbox(
            app_request_url=f"http://{settings.web_host}:{settings.web_port}/slack/events",
            signing_secret=settings.slack_signing_secret,
            bot_token=settings.slack_bot_token,
            port=settings.sandbox_port,
            state_path=sandbox_state_path(settings),
        )
    except PortInUse as error:
        raise port_in_use(error.host, error.port, SANDBOX_PORT_SETTING) from None
    except StateInUse as error:
        raise click.ClickException(f"the Slack sandbox's workspace {error.path} is in use by another `tutti dev` "
                                   f"(on other ports?): stop it, or set DATABASE_URL or {SANDBOX_STATE} to use "
                                   "another one.") from None
    sandbox.slack.workspace.seed_users(sample_users())
    return sandbox


def connect_sandbox(sandbox: RunningSandbox, tutti: Tutti, database_is_new: bool) -> None:
    """Make Tutti's workers sandbox members, and say so when the database and the saved workspace disagree."""
    workspace = sandbox.slack.workspace
    workspace.directory = lambda: worker_directory(tutti)
    workspace.learn_users()
    store = sandbox.store
    if store is None:
        return
    if store.loaded == "restored" and database_is_new:
        log.warning("The database is new but the Slack sandbox kept its workspace (%s): old channels stay and new "
                    "ones get new names and ids. Delete that file to start Slack afresh too.", store.path)
    elif store.loaded != "restored":
        with tutti.database.read() as session:
            orphans = session.scalar(select(func.count()).select_from(Project)
                                     .where(Project.slack_channel_id.is_not(None))) or 0
        if orphans:
            log.warning("The Slack sandbox starts empty (%s) but %d projects in the database had channels: those "
                        "are gone, and new channels get new ids.", store.path, orphans)


def serve(tutti: Tutti, web_listener: socket.socket, sandbox: RunningSandbox | None) -> None:
    """Serve Tutti's web app on the bound socket until Ctrl-C (or SIGTERM)."""
    settings = tutti.settings
    with web_listener:
        server = make_server(settings.web_host, settings.web_port, create_web_app(tutti), threaded=True,
                             fd=web_listener.fileno())
    print(f"Tutti is running on http://{settings.web_host}:{settings.web_port} (health: /healthz)")
    if sandbox is not None:
        print(f"Slack sandbox: open {sandbox.ui_url} in a browser and pick a user.")
        if sandbox.store is not None:
            print(f"Slack sandbox workspace: saved in {sandbox.store.path}.")
    print(f"Database: {settings.database_url}; jobs run in this process. Ctrl-C stops.")
    thread = threading.Thread(target=server.serve_forever, name="tutti-web", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()


def run_dev(settings: Settings) -> None:
    """Run Tutti, its jobs and (without SLACK_APP_TOKEN) the Slack sandbox in this process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _stop_on_sigterm()
    web_listener = bind_port(settings.web_host, settings.web_port, WEB_PORT_SETTING)
    database_is_new = settings.sqlite_path is not None and not settings.sqlite_path.exists()
    sandbox: RunningSandbox | None = None
    tutti: Tutti | None = None
    try:
        if settings.slack_app_token is None:
            sandbox = start_sandbox(settings)
            settings = settings.with_(slack_api_url=sandbox.base_url)
        upgrade_database(settings)
        tutti = Tutti(settings, in_process_jobs=True)
        prepare(tutti)
        if sandbox is not None:
            connect_sandbox(sandbox, tutti, database_is_new)
        tutti.start_sweeper()
        tutti.start_periodic()  # StaffBot rounds and SanityBot, as `rq cron` runs them in a deployment
        if settings.slack_app_token:
            from bot.slack_app import run_socket_mode

            threading.Thread(target=run_socket_mode, args=(tutti,), name="tutti-socket-mode", daemon=True).start()
            print("Connected to Slack over Socket Mode (SLACK_APP_TOKEN).")
        serve(tutti, web_listener, sandbox)
    finally:
        web_listener.close()
        try:
            if tutti is not None:
                tutti.close()
        finally:
            if sandbox is not None:
                sandbox.stop()  # writes the sandbox's last changes


def _stop_on_sigterm() -> None:
    """Let `kill` stop dev as cleanly as Ctrl-C does, so the sandbox's last changes are written."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)
