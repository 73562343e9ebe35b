"""The Bolt app: one instance per process, built around an existing Tutti (nothing happens at import)."""

from __future__ import annotations

import random
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App

from bot.container import Tutti
from handlers.slack import register_listeners
from handlers.slack.services import SlackServices


def create_bolt_app(tutti: Tutti, listener_executor: Executor | None = None) -> App:
    """Bolt with Tutti's injected WebClient (real Slack or the sandbox) and request verification on.

    Listeners ack, then finish their work on `listener_executor` (Bolt's own pool unless one is given).
    """
    settings = tutti.settings
    app = App(
        client=tutti.slack_client,
        signing_secret=settings.slack_signing_secret,
        token_verification_enabled=False,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        listener_executor=listener_executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="slack"),
    )
    register_listeners(app, SlackServices(database=tutti.database, public_url=settings.public_url,
                                          random=random.random, publish_home_soon=tutti.publish_home_soon))
    return app


def run_socket_mode(tutti: Tutti) -> None:
    """Serve the same app over Socket Mode (real Slack without a public URL); blocks until stopped."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    if not tutti.settings.slack_app_token:
        raise RuntimeError("SLACK_APP_TOKEN (xapp-...) is needed for Socket Mode.")
    SocketModeHandler(create_bolt_app(tutti), tutti.settings.slack_app_token).start()
