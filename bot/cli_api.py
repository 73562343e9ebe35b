"""`tutti api-keys`, `tutti webhooks` and `tutti demo`: the client API from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy import select

from bot import demo_gallery
from bot.cli import App, echo_json, main, pass_app
from bot.demo import (
    JOURNALISM_DESCRIPTION,
    JOURNALISM_TEMPLATE,
    ORCHESTRA_DEMO_URL,
    SIMPLE_DESCRIPTION,
    ClientApi,
    ClientApiError,
    wait_for_task,
)
from store import api_clients
from store.models import Worker
from workflows.bundled.simple_workflow.load_sample_data import DEMO_SLACK_USER_ID

DEMO_KEY_ID = "tutti-demo"


class KeyProblem(click.ClickException):
    pass


def _run_keys(app: App, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return app.run(fn, *args, **kwargs)
    except api_clients.ApiKeyError as exc:
        raise KeyProblem(str(exc)) from None


def _not_a_settings_key(app: App, key_id: str, what: str) -> None:
    """Keys from TUTTI_API_KEYS are checked before stored ones, so changing a stored row would not take effect."""
    if key_id in dict(app.settings.api_keys):
        raise KeyProblem(f"{key_id} comes from the TUTTI_API_KEYS setting; {what} there (and restart Tutti).")


# --- api-keys ------------------------------------------------------------------------------------------


@main.group("api-keys")
def api_keys() -> None:
    """Keys that client systems sign client-API requests with (several may be valid at once)."""


@api_keys.command("create")
@click.option("--client", default="", help="Which client system the key is for (e.g. newsroom-cms).")
@click.option("--key-id", help="The key id clients send (default: CLIENT-<random>).")
@click.option("--webhook", "webhook_url", help="Also push this key's project results to this URL.")
@pass_app
def api_keys_create(app: App, client: str, key_id: str | None, webhook_url: str | None) -> None:
    """Create a key; its secret is shown once, here."""
    def do(session: Any) -> tuple[str, str, str | None]:
        key = api_clients.create_key(session, client=client, key_id=key_id)
        if webhook_url:
            api_clients.set_webhook(session, key.key_id, webhook_url)
        return key.key_id, key.secret, key.webhook_secret

    created_id, secret, webhook_secret = _run_keys(app, do)
    click.echo(f"Key id:  {created_id}")
    click.echo(f"Secret:  {secret}")
    if webhook_secret:
        click.echo(f"Webhook signing secret: {webhook_secret}")
    click.echo("Store the secret now; `tutti api-keys list` does not show it.", err=True)


@api_keys.command("list")
@pass_app
def api_keys_list(app: App) -> None:
    """Keys (without their secrets), with their webhook URLs."""
    with app.tutti.database.read() as session:
        for key in api_clients.list_keys(session):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            click.echo(f"{key.key_id}\t{key.client or '-'}\tcreated {key.created_at:%Y-%m-%d %H:%M}\t{state}\t"
                       f"webhook: {key.webhook_url or '-'}")
    for key_id, _ in app.settings.api_keys:
        click.echo(f"{key_id}\t(settings: TUTTI_API_KEYS)\tactive")


@api_keys.command("revoke")
@click.argument("key_id")
@pass_app
def api_keys_revoke(app: App, key_id: str) -> None:
    """Stop accepting a key (its projects keep their webhooks)."""
    _not_a_settings_key(app, key_id, "remove it")
    _run_keys(app, api_clients.revoke_key, key_id)
    click.echo(f"Key {key_id} is revoked; requests signed with it now get 401.")


# --- webhooks ------------------------------------------------------------------------------------------


@main.group("webhooks")
def webhooks() -> None:
    """Where finished projects and tasks are pushed, per API key."""


@webhooks.command("set")
@click.argument("key_id")
@click.argument("url")
@click.option("--secret", help="A Standard Webhooks secret (whsec_...); default: keep the current one or make one.")
@pass_app
def webhooks_set(app: App, key_id: str, url: str, secret: str | None) -> None:
    """Push the results of projects created with KEY_ID to URL."""
    if secret is not None and not secret.startswith("whsec_"):
        raise click.BadParameter("a Standard Webhooks secret starts with whsec_")
    _not_a_settings_key(app, key_id, "set its webhook in TUTTI_API_WEBHOOKS")
    webhook_secret = _run_keys(app, lambda s: api_clients.set_webhook(s, key_id, url, secret).webhook_secret)
    click.echo(f"Projects created with {key_id} will be pushed to {url}.")
    if secret is None:
        click.echo(f"Signing secret (verify webhook-signature with it): {webhook_secret}")


@webhooks.command("unset")
@click.argument("key_id")
@pass_app
def webhooks_unset(app: App, key_id: str) -> None:
    """Stop pushing for KEY_ID (deliveries still queued are dropped and logged)."""
    _run_keys(app, api_clients.unset_webhook, key_id)
    click.echo(f"No more webhooks for {key_id}.")


@webhooks.command("log")
@click.option("--key", "key_id", help="Only this API key's deliveries.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1))
@pass_app
def webhooks_log(app: App, key_id: str | None, limit: int) -> None:
    """Recent delivery attempts, newest first: what was sent where and what came back."""
    with app.tutti.database.read() as session:
        for row in api_clients.delivery_log(session, key_id=key_id, limit=limit):
            answer = f"HTTP {row.status_code}" if row.status_code is not None else (row.error or "no answer")
            click.echo(f"{row.created_at:%Y-%m-%d %H:%M:%S}\t{row.webhook_id}\t{row.event_type}\t"
                       f"project {row.project_id}\tattempt {row.attempt}\t{row.url}\t{answer}\t"
                       f"{row.duration_ms or 0:.0f} ms\t{(row.response_excerpt or '')[:80]!r}")


# --- demo ----------------------------------------------------------------------------------------------


@main.group("demo")
def demo() -> None:
    """Walk through the bundled workflows over the signed client API of a running Tutti (`make dev`)."""


def _credentials(app: App, key: str | None, secret: str | None) -> tuple[str, str]:
    """--key/--secret, else the first TUTTI_API_KEYS entry, else a demo key in the local database."""
    if key and secret:
        return key, secret
    if key or secret:  # never sign silently with another key than the one asked for
        raise click.UsageError("Give both --key and --secret (or TUTTI_DEMO_KEY and TUTTI_DEMO_SECRET), or neither.")
    if app.settings.api_keys:
        return app.settings.api_keys[0]

    def demo_key(session: Any) -> tuple[str, str]:
        existing = api_clients.find_key(session, DEMO_KEY_ID)
        if existing is not None and existing.revoked_at is None:
            return existing.key_id, existing.secret
        if existing is not None:
            raise click.ClickException(f"The demo key {DEMO_KEY_ID} is revoked; pass --key and --secret.")
        created = api_clients.create_key(session, client="demo", key_id=DEMO_KEY_ID)
        return created.key_id, created.secret

    return app.run(demo_key)


def _client(app: App, api_url: str | None, key: str | None, secret: str | None) -> ClientApi:
    key_id, key_secret = _credentials(app, key, secret)
    return ClientApi(api_url or app.settings.public_url, key_id, key_secret)


API_OPTIONS = [
    click.option("--api-url", help="The running Tutti (default: TUTTI_PUBLIC_URL, http://127.0.0.1:8000)."),
    click.option("--key", envvar="TUTTI_DEMO_KEY", help="API key id (default: TUTTI_API_KEYS, or a demo key)."),
    click.option("--secret", envvar="TUTTI_DEMO_SECRET", help="API key secret."),
]


def api_options(fn: Any) -> Any:
    for option in reversed(API_OPTIONS):
        fn = option(fn)
    return fn


@contextmanager
def _api_errors(api: ClientApi) -> Iterator[None]:
    """A refused or failed API call ends the command with one line instead of a traceback."""
    try:
        yield
    except ClientApiError as exc:
        raise click.ClickException(f"The client API refused the request: {exc}") from None
    except OSError as exc:  # requests' errors are OSErrors
        raise click.ClickException(f"Cannot reach Tutti at {api.base_url} ({exc}); is `make dev` running?") from None


def _say(text: str, yes: bool) -> None:
    click.echo()
    click.echo(click.wrap_text(text, width=100, preserve_paragraphs=True))
    if not yes:
        click.prompt("Press Enter to continue", default="", show_default=False, prompt_suffix=" ")


def _show(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


@demo.command("simple")
@click.option("--yes", is_flag=True, help="Run without pausing for Enter.")
@click.option("--url", help="The web page the crawler takes an image from (default: a page of sample pictures "
                             f"Tutti serves at {demo_gallery.PATH}, so the demo works offline; Orchestra's demo "
                             f"crawled {ORCHESTRA_DEMO_URL}).")
@click.option("--worker-id", type=int, help="Assign the rating to this worker (default: the sample user demo).")
@click.option("--timeout", type=float, default=1800, show_default=True, help="Seconds to wait for the rating.")
@api_options
@pass_app
def demo_simple(app: App, yes: bool, url: str | None, worker_id: int | None, timeout: float, api_url: str | None,
                key: str | None, secret: str | None) -> None:
    """The simple workflow end to end: a machine finds an image, a person rates it."""
    api = _client(app, api_url, key, secret)
    with _api_errors(api):
        _demo_simple(app, api, yes, url or f"{api.base_url}{demo_gallery.PATH}", worker_id, timeout)


def _demo_simple(app: App, api: ClientApi, yes: bool, url: str, worker_id: int | None, timeout: float) -> None:
    _say("This demo runs the simple workflow through Tutti's client API, the way a client system would: "
         f"every call below is an HTTP request to {api.base_url}, signed with the API key {api.key!r} "
         "(HTTP Signatures, hmac-sha256), exactly as Orchestra's Python client signs them.\n\n"
         "The workflow has two steps: `crawl`, a machine step that fetches a web page and picks an image, and "
         "`rate`, a human step where an expert rates how awesome the image is.", yes)
    workflows = api.workflow_types()
    if "simple_workflow" not in workflows:
        raise click.ClickException("simple_workflow is not loaded: run `tutti workflows load --bundled`.")

    _say("First we create a project with create_project:\n\n"
         f"  create_project('simple_workflow', 'v1', {SIMPLE_DESCRIPTION!r}, 10, {{'url': {url!r}}}, 'train')", yes)
    project_id = api.create_project("simple_workflow", "v1", SIMPLE_DESCRIPTION, 10, {"url": url}, "train")
    click.echo(f"Created project {project_id}.")

    click.echo("Waiting for the machine step `crawl` to finish...")
    crawl = wait_for_task(api, project_id, "crawl", lambda t: t["status"] in ("Complete", "Failed"), timeout=120,
                          interval=0.5)
    info = api.project_information([project_id])
    _say("project_information now shows the project, its steps and its tasks. The crawl task is done and its "
         "result (latest_data) is what the rating step will show:", True)
    _show(info[project_id])
    if crawl is None or crawl["status"] != "Complete":
        raise click.ClickException("The crawl step did not complete; see the project's channel or "
                                   f"`tutti projects show {project_id}`.")
    result = crawl["latest_data"] or {}
    click.echo(f"\nThe crawler picked: {result.get('image') or '(no image: ' + str(result.get('error_message')) + ')'}")

    rate = wait_for_task(api, project_id, "rate", lambda t: True, timeout=30, interval=0.5)
    if rate is None:
        raise click.ClickException("The rate task was not created.")
    worker_id = worker_id if worker_id is not None else _demo_worker_id(app)
    if worker_id is not None:
        _say(f"Now the human step. We give the rate task (task {rate['id']}) to the sample expert `demo` with "
             f"assign_worker_to_task({worker_id}, {rate['id']}).", yes)
        answer = api.assign_worker_to_task(worker_id, rate["id"])
        click.echo(json.dumps(answer))
    sandbox = f"http://127.0.0.1:{app.settings.sandbox_port}/"
    _say("Your turn. Open the Slack sandbox at " + sandbox + " (or your Slack workspace), pick the user "
         "'Demo User', open the Image Rating task from the App Home, choose a rating and submit it. "
         "This command polls project_information until the task is complete.", yes)
    done = wait_for_task(api, project_id, "rate", lambda t: t["status"] == "Complete", timeout=timeout, interval=2,
                         on_poll=lambda: click.echo(".", nl=False))
    click.echo()
    if done is None:
        raise click.ClickException(f"No rating after {timeout:.0f} s; the project ({project_id}) stays open.")
    click.echo(f"The expert rated the image: {(done['latest_data'] or {}).get('rating')}")
    click.echo(f"Project {project_id} is complete. That is the whole loop: a client starts work over the API, "
               "machines and people do it in Slack, and the client reads (or is pushed) the result.")


def _demo_worker_id(app: App) -> int | None:
    """The sample user `demo`, if this command can see the running Tutti's database."""
    try:
        with app.tutti.database.read() as session:
            return session.scalar(select(Worker.id).where(Worker.slack_user_id == DEMO_SLACK_USER_ID))
    except Exception:
        return None


@demo.command("journalism")
@click.option("-n", "--new", "new", is_flag=True, help="Create a new journalism project.")
@click.option("-s", "--status", "status", is_flag=True, help="Show a project's information.")
@click.option("-f", "--final", "--finish", "final", is_flag=True, help="Show a completed project's final JSON.")
@click.option("-p", "--project", "--project-id", "project_id", type=int, help="The project id.")
@api_options
@pass_app
def demo_journalism(app: App, new: bool, status: bool, final: bool, project_id: int | None, api_url: str | None,
                    key: str | None, secret: str | None) -> None:
    """Orchestra's journalism_workflow_ctl: --new, --status -p ID, --final -p ID."""
    if new and project_id is not None:
        raise click.UsageError("The '--new' option cannot be used in conjunction with a project id.")
    if status and project_id is None:
        raise click.UsageError("The '--status' option must be used in conjunction with a project id.")
    if final and project_id is None:
        raise click.UsageError("The '--final' option must be used in conjunction with a project id.")
    if not (new or status or final):
        raise click.UsageError("Give one of --new, --status -p ID or --final -p ID.")
    api = _client(app, api_url, key, secret)
    with _api_errors(api):
        if new:
            project_id = api.create_project("journalism", "v1", JOURNALISM_DESCRIPTION, 10,
                                            {"article_draft_template": JOURNALISM_TEMPLATE}, "train")
            click.echo(f"Project id: {project_id}")
            echo_json(api.project_information([project_id])[project_id])
        elif status:
            assert project_id is not None
            info = api.project_information([project_id])
            if project_id not in info:
                raise click.ClickException(f"Project {project_id} does not exist.")
            echo_json(info[project_id])
        else:
            assert project_id is not None
            tasks = api.project_information([project_id]).get(project_id, {}).get("tasks", {})
            copy_editing = tasks.get("copy_editing")
            if copy_editing is None or copy_editing["status"] != "Complete":
                raise click.ClickException("The '--final' option must be used with a completed project")
            echo_json(journalism_summary(tasks))


def journalism_summary(tasks: dict[str, Any]) -> dict[str, Any]:
    """What the journalism workflow produced, in the shape Orchestra's docs show for `--finish`: the article, the
    headline, and each processed photo with its caption (the copy editor writes one caption per line)."""
    def data(step: str) -> dict[str, Any]:
        return (tasks.get(step) or {}).get("latest_data") or {}

    copy = data("copy_editing")
    photos = data("photo_adjustment").get("photos_for_caption") or []
    captions = [line.strip() for line in str(copy.get("captions") or "").splitlines() if line.strip()]
    return {
        "articleDocument": data("document_creation").get("articleURL"),
        "headline": copy.get("headline"),
        "photos": [{"caption": captions[i] if i < len(captions) else "", "src": src} for i, src in enumerate(photos)],
        **({"extra_captions": captions[len(photos):]} if len(captions) > len(photos) else {}),
    }

