"""Settings from the environment. Defaults are the embedded ones: SQLite, no Redis, the local Slack sandbox."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy.engine import make_url

# The directory holding the `bot` package (Django's BASE_DIR): the embedded defaults live under it, so every
# command finds the same database and files wherever it is run from.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{ROOT / 'var' / 'tutti.db'}"
DEFAULT_FILES_DIR = ROOT / "var" / "files"
DEV_BOT_TOKEN = "xoxb-tutti-sandbox"
DEV_SIGNING_SECRET = "tutti-sandbox-signing-secret"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    queue_name: str = "tutti"
    slack_api_url: str = "http://127.0.0.1:3001/api/"  # sandbox_api_url(sandbox_port)
    slack_bot_token: str = DEV_BOT_TOKEN
    slack_signing_secret: str = DEV_SIGNING_SECRET
    slack_app_token: str | None = None
    slack_enabled: bool = True
    public_url: str = "http://127.0.0.1:8000"
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    sandbox_port: int = 3001
    files_dir: Path = DEFAULT_FILES_DIR
    workflow_dirs: tuple[Path, ...] = field(default_factory=tuple)
    sweep_seconds: float = 5.0
    # Client API keys (key id, secret) from TUTTI_API_KEYS, and webhooks (key id, url, whsec_ secret or None)
    # from TUTTI_API_WEBHOOKS; kept out of repr so printing the settings never shows a secret.
    api_keys: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    api_webhooks: tuple[tuple[str, str, str | None], ...] = field(default=(), repr=False)
    # StaffBot and SanityBot (jobs/staffing.py, jobs/sanity.py): batches of offers, reminders, warnings, checks.
    staffbot_batch_size: int = 5
    staffbot_batch_seconds: float = 120.0
    staffbot_reminder_seconds: float = 4 * 3600.0
    staffbot_unstaffed_after_seconds: float = 1800.0
    staffbot_warning_seconds: float = 3600.0
    staffbot_channel_id: str | None = None
    staffbot_max_tasks_per_day: int = 4
    enforce_no_new_tasks_during_review: bool = True
    staffbot_tick_seconds: float = 30.0
    sanity_seconds: float = 300.0
    slack_rate_scale: float = 1.0  # multiplies the rate limits jobs keep to (only a sandbox warrants more than 1)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        defaults = cls()
        web_host = env.get("TUTTI_HOST", defaults.web_host)
        web_port = int(env.get("PORT") or defaults.web_port)
        sandbox_port = int(env.get("TUTTI_SANDBOX_PORT") or defaults.sandbox_port)
        return cls(
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            redis_url=env.get("REDIS_URL") or None,
            queue_name=env.get("TUTTI_QUEUE", defaults.queue_name),
            slack_api_url=env.get("SLACK_API_URL") or sandbox_api_url(sandbox_port),
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or defaults.slack_bot_token,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or defaults.slack_signing_secret,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_enabled=(env.get("TUTTI_SLACK_ENABLED") or "1").lower() not in ("0", "false", "no", "off"),
            public_url=(env.get("TUTTI_PUBLIC_URL") or local_url(web_host, web_port)).rstrip("/"),
            web_host=web_host,
            web_port=web_port,
            sandbox_port=sandbox_port,
            files_dir=Path(env.get("TUTTI_FILES_DIR") or defaults.files_dir),
            workflow_dirs=tuple(Path(p) for p in (env.get("TUTTI_WORKFLOW_DIRS") or "").split(os.pathsep) if p),
            sweep_seconds=float(env.get("TUTTI_SWEEP_SECONDS") or defaults.sweep_seconds),
            api_keys=parse_api_keys(env.get("TUTTI_API_KEYS") or ""),
            api_webhooks=parse_api_webhooks(env.get("TUTTI_API_WEBHOOKS") or ""),
            staffbot_batch_size=int(env.get("STAFFBOT_BATCH_SIZE") or defaults.staffbot_batch_size),
            staffbot_batch_seconds=float(env.get("STAFFBOT_BATCH_SECONDS") or defaults.staffbot_batch_seconds),
            staffbot_reminder_seconds=float(env.get("STAFFBOT_REMINDER_SECONDS")
                                            or defaults.staffbot_reminder_seconds),
            staffbot_unstaffed_after_seconds=float(env.get("STAFFBOT_UNSTAFFED_AFTER_SECONDS")
                                                   or defaults.staffbot_unstaffed_after_seconds),
            staffbot_warning_seconds=float(env.get("STAFFBOT_WARNING_SECONDS") or defaults.staffbot_warning_seconds),
            staffbot_channel_id=env.get("STAFFBOT_CHANNEL_ID") or None,
            staffbot_max_tasks_per_day=int(env.get("STAFFBOT_MAX_TASKS_PER_DAY")
                                           or defaults.staffbot_max_tasks_per_day),
            enforce_no_new_tasks_during_review=(env.get("TUTTI_ENFORCE_NO_NEW_TASKS_DURING_REVIEW") or "1").lower()
            not in ("0", "false", "no", "off"),
            staffbot_tick_seconds=float(env.get("STAFFBOT_TICK_SECONDS") or defaults.staffbot_tick_seconds),
            sanity_seconds=float(env.get("SANITYBOT_SECONDS") or defaults.sanity_seconds),
            slack_rate_scale=float(env.get("SLACK_RATE_SCALE") or defaults.slack_rate_scale),
        )

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def on_port(self, port: int) -> Settings:
        """These settings serving on `port`; a public URL that was the local default follows the port."""
        if self.public_url == local_url(self.web_host, self.web_port):
            return self.with_(web_port=port, public_url=local_url(self.web_host, port))
        return self.with_(web_port=port)

    @property
    def sqlite_path(self) -> Path | None:
        """The absolute path of the SQLite database file; None for other databases and in-memory SQLite."""
        url = make_url(self.database_url)
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
            return None
        return Path(database).absolute()  # a relative path given explicitly stays relative to the cwd

    @property
    def files_url(self) -> str:
        return f"{self.public_url}/files"


def sandbox_api_url(port: int) -> str:
    """The local Slack sandbox's Web API, where commands send Slack calls unless SLACK_API_URL says otherwise."""
    return f"http://127.0.0.1:{port}/api/"


def local_url(host: str, port: int) -> str:
    """The URL this machine reaches Tutti at when it serves on host:port (bind-all addresses mean loopback)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def parse_api_keys(text: str) -> tuple[tuple[str, str], ...]:
    """`key1:secret1,key2:secret2` (Orchestra's ORCHESTRA_PROJECT_API_CREDENTIALS as one variable)."""
    keys = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        key_id, sep, secret = entry.partition(":")
        if not sep or not key_id or not secret:
            raise ValueError("TUTTI_API_KEYS entries are KEY:SECRET, separated by commas")
        keys.append((key_id.strip(), secret.strip()))
    return tuple(keys)


def parse_api_webhooks(text: str) -> tuple[tuple[str, str, str | None], ...]:
    """`key1=https://host/hook whsec_...,key2=...`: a webhook URL per API key, optionally its signing secret."""
    hooks = []
    for entry in filter(None, (e.strip() for e in text.split(","))):
        key_id, sep, rest = entry.partition("=")
        url, _, secret = rest.strip().partition(" ")
        if not sep or not key_id or not url:
            raise ValueError("TUTTI_API_WEBHOOKS entries are KEY=URL [whsec_SECRET], separated by commas")
        hooks.append((key_id.strip(), url, secret.strip() or None))
    return tuple(hooks)
