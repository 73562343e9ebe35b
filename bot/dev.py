"""`tutti dev` / `make dev`: every process in one, on embedded defaults, with the Slack sandbox."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from bot.cli import upgrade_database
from bot.container import Tutti
from bot.settings import Settings
from bot.web import create_web_app
from store.models import Workflow
from workflows import loader
from workflows.bundled import bundled_workflow_dirs
from workflows.workers import upsert_worker

log = logging.getLogger(__name__)

ADMIN = {"slack_user_id": "UADMIN0001", "username": "admin", "first_name": "Ada", "last_name": "Admin",
         "email": "admin@example.org"}


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


def run_dev(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    upgrade_database(settings)
    sandbox = None
    if settings.slack_app_token is None:
        from sandbox.sample_users import sample_users
        from sandbox.server import start_sandbox

        sandbox = start_sandbox(
            app_request_url=f"http://{settings.web_host}:{settings.web_port}/slack/events",
            signing_secret=settings.slack_signing_secret,
            bot_token=settings.slack_bot_token,
            port=settings.sandbox_port,
        )
        sandbox.slack.workspace.seed_users(sample_users())
        settings = settings.with_(slack_api_url=sandbox.base_url)
    tutti = Tutti(settings, in_process_jobs=True)
    prepare(tutti)
    tutti.start_sweeper()
    tutti.start_periodic()  # StaffBot rounds and SanityBot, as `rq cron` runs them in a deployment
    if settings.slack_app_token:
        from bot.slack_app import run_socket_mode

        threading.Thread(target=run_socket_mode, args=(tutti,), name="tutti-socket-mode", daemon=True).start()
        print("Connected to Slack over Socket Mode (SLACK_APP_TOKEN).")
    server = make_server(settings.web_host, settings.web_port, create_web_app(tutti), threaded=True)
    print(f"Tutti is running on http://{settings.web_host}:{settings.web_port} (health: /healthz)")
    if sandbox is not None:
        print(f"Slack sandbox: open {sandbox.ui_url} in a browser and pick a user.")
    print(f"Database: {settings.database_url}; jobs run in this process. Ctrl-C stops.")
    thread = threading.Thread(target=server.serve_forever, name="tutti-web", daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        tutti.close()
        if sandbox is not None:
            sandbox.stop()
