"""Review findings on API keys, webhook settings and webhook delivery: what an operator would trip over."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner, Result

from bot.cli import main
from jobs.dispatcher import Delivery
from jobs.webhooks import DELIVER_TOPIC, static_webhooks, webhook_handlers
from store import api_clients
from store.api_clients import ApiKeyError, Webhook
from tests.api.conftest import KEY_ID, ApiClient
from tests.support.world import World

GOOD_SECRET = "whsec_" + base64.b64encode(b"twenty-four bytes secret").decode()


def run(world: World, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with world.tutti.database.unit_of_work() as uow:
        result = fn(uow.session, *args, **kwargs)
        uow.commit()
        return result


# --- keys ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key_id", ['news"room', "news room", "a,b", "x" * 101, ""])
def test_key_ids_a_client_cannot_sign_with_are_refused(api_world: World, key_id: str) -> None:
    """A quote ends keyId="..." early; ids over 100 characters are never looked up: such keys never worked."""
    with pytest.raises(ApiKeyError, match="A key id is 1 to 100"):
        run(api_world, api_clients.create_key, key_id=key_id or "\t")


def test_a_long_or_spaced_client_name_still_gives_a_usable_key(api: ApiClient, api_world: World) -> None:
    key = run(api_world, api_clients.create_key, client="The Newsroom CMS")
    assert key.key_id.startswith("The-Newsroom-CMS-")
    assert api.get("workflow_types", key_id=key.key_id, secret=key.secret).status_code == 200
    with pytest.raises(ApiKeyError, match="client name is longer than 100"):
        run(api_world, api_clients.create_key, client="c" * 101)


# --- webhook settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("secret", ["whsec_!!!!", "whsec_abc", "whsec_" + base64.b64encode(b"short").decode()])
def test_webhook_secrets_that_cannot_sign_are_refused(api_world: World, secret: str) -> None:
    """`whsec_!!!!` made every delivery fail to sign (and never reach the delivery log); `whsec_abc` signed with
    a two-byte key."""
    with pytest.raises(ApiKeyError, match="whsec_ followed by base64 of 24 to 64"):
        run(api_world, api_clients.set_webhook, KEY_ID, "https://example.org/hook", secret)
    with pytest.raises(ValueError, match="TUTTI_API_WEBHOOKS: k2"):
        static_webhooks([], [("k2", "https://example.org/hook", secret)])


@pytest.mark.parametrize("url", ["http://", "https:///path", "ftp://example.org/", "http://host:notaport/",
                                 "http://exa mple.com/", "http://[::1"])
def test_webhook_urls_without_a_host_are_refused(api_world: World, url: str) -> None:
    with pytest.raises(ApiKeyError, match="name a host"):
        run(api_world, api_clients.set_webhook, KEY_ID, url)


# --- delivery ----------------------------------------------------------------------------------------------


class EndlessBody(io.RawIOBase):
    """A response body that never ends; it counts what the client reads."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        assert self.read_bytes < 8 * 1024 * 1024, "the whole answer was being read"
        buffer[:] = b"x" * len(buffer)
        self.read_bytes += len(buffer)
        return len(buffer)


def answer(status: int, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.raw = body if not isinstance(body, bytes) else io.BytesIO(body)
    response.headers.update(headers or {})
    return response


@dataclass(frozen=True)
class Logged:
    status_code: int | None
    response_excerpt: str | None
    error: str | None


def deliver(world: World, response: requests.Response) -> list[Logged]:
    hooks = {KEY_ID: Webhook(KEY_ID, "https://client.example/hook", GOOD_SECRET)}
    handlers = webhook_handlers(world.tutti.database, hooks, post=lambda *args, **kwargs: response)
    payload = {"webhook_id": "msg_tutti_7", "key_id": KEY_ID, "type": "project.completed", "project_id": 1,
               "body": "{}"}
    try:
        handlers[DELIVER_TOPIC](Delivery(7, DELIVER_TOPIC, payload, 1, 50, 1))
    except Exception as exc:  # RetryLater on a non-2xx answer
        assert type(exc).__name__ == "RetryLater", exc
    with world.tutti.database.read() as session:
        return [Logged(row.status_code, row.response_excerpt, row.error)
                for row in api_clients.delivery_log(session, key_id=KEY_ID)]


def test_an_answer_with_nul_bytes_is_logged_without_them(api_world: World) -> None:
    """PostgreSQL refuses NUL in text: the log row failed, so a delivered webhook was sent again and again."""
    [row] = deliver(api_world, answer(200, b"ok\x00\x00thanks"))
    assert row.status_code == 200 and row.error is None
    assert "\x00" not in (row.response_excerpt or "")
    assert (row.response_excerpt or "").startswith("ok")


def test_an_answer_in_a_charset_python_does_not_know_is_logged_once(api_world: World) -> None:
    """The POST succeeded; failing to decode the answer must not make it a failed attempt (and a resend)."""
    [row] = deliver(api_world, answer(200, b"ok", {"content-type": "text/plain; charset=utf8mb4"}))
    assert (row.status_code, row.error, row.response_excerpt) == (200, None, "ok")


def test_only_the_start_of_a_huge_answer_is_read(api_world: World) -> None:
    body = EndlessBody()
    [row] = deliver(api_world, answer(200, body, {"content-type": "text/plain; charset=utf-8"}))
    assert row.status_code == 200
    assert row.response_excerpt == "x" * 500
    assert body.read_bytes <= 64 * 1024


def test_a_redirecting_receiver_is_logged_with_where_it_points(api_world: World) -> None:
    [row] = deliver(api_world, answer(301, b"", {"location": "https://client.example/new-hook"}))
    assert row.status_code == 301
    assert "https://client.example/new-hook" in (row.error or "")
    assert "do not follow redirects" in (row.error or "")


# --- CLI -----------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TUTTI_SLACK_ENABLED": "0", "TUTTI_FILES_DIR": str(tmp_path / "files"),
            "REDIS_URL": "", "TUTTI_API_KEYS": "orchestra-user:CHANGEME", "TUTTI_DEMO_KEY": "", "TUTTI_DEMO_SECRET": ""}


def tutti(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_the_cli_refuses_unusable_key_ids_and_webhook_secrets(cli_env: dict[str, str], world: World) -> None:
    quoted = tutti(cli_env, "api-keys", "create", "--key-id", 'news"room')
    assert quoted.exit_code == 1 and "A key id is 1 to 100" in quoted.output
    assert tutti(cli_env, "api-keys", "create", "--key-id", "k1").exit_code == 0
    bad = tutti(cli_env, "webhooks", "set", "k1", "https://example.org/h", "--secret", "whsec_!!!!")
    assert bad.exit_code == 1 and "whsec_ followed by base64" in bad.output
    assert "webhook: -" in tutti(cli_env, "api-keys", "list").output


def test_keys_from_settings_are_not_revoked_or_hooked_from_the_cli(cli_env: dict[str, str], world: World) -> None:
    """`No API key orchestra-user.` was wrong (the key works) and gave no hint where it is configured."""
    revoked = tutti(cli_env, "api-keys", "revoke", "orchestra-user")
    assert revoked.exit_code == 1
    assert "orchestra-user comes from the TUTTI_API_KEYS setting; remove it there" in revoked.output
    hooked = tutti(cli_env, "webhooks", "set", "orchestra-user", "https://example.org/h")
    assert hooked.exit_code == 1 and "TUTTI_API_WEBHOOKS" in hooked.output


def test_the_webhook_log_needs_a_positive_limit(cli_env: dict[str, str], world: World) -> None:
    result = tutti(cli_env, "webhooks", "log", "--limit", "-1")
    assert result.exit_code == 2 and "--limit" in result.output


def test_the_demo_does_not_silently_sign_with_another_key(cli_env: dict[str, str], world: World) -> None:
    """Only --key was given: the demo used to sign with TUTTI_API_KEYS' first key and say nothing."""
    result = tutti(cli_env, "demo", "simple", "--yes", "--api-url", "http://127.0.0.1:9", "--key", "mine")
    assert result.exit_code == 2
    assert "Give both --key and --secret" in result.output
    assert "orchestra-user" not in result.output


def test_the_journalism_demo_says_when_tutti_is_not_running(cli_env: dict[str, str], world: World) -> None:
    result = tutti(cli_env, "demo", "journalism", "--new", "--api-url", "http://127.0.0.1:9")
    assert result.exit_code == 1
    assert "Cannot reach Tutti at http://127.0.0.1:9" in result.output
    assert "is `make dev` running?" in result.output
