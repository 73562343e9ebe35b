"""The sandbox's HTTP server: Web API, response URLs, control endpoints and the browser UI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from sandbox.background import BackgroundServer, listen, serve_in_thread
from sandbox.control import control_blueprint
from sandbox.interactions import Interactions
from sandbox.persist import WorkspaceStore
from sandbox.response_urls import response_url_blueprint
from sandbox.slack import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, FakeSlack, SandboxConfig
from sandbox.ui import ui_blueprint
from sandbox.webapi import api_blueprint


def create_app(slack: FakeSlack, interactions: Interactions | None = None) -> Flask:
    """A Flask app serving everything the sandbox offers over HTTP."""
    interactions = interactions or Interactions(slack)
    app = Flask(__name__, static_folder=None)
    app.register_blueprint(api_blueprint(slack))
    app.register_blueprint(response_url_blueprint(interactions))
    app.register_blueprint(control_blueprint(slack))
    app.register_blueprint(ui_blueprint(interactions))
    return app


@dataclass
class RunningSandbox:
    """A sandbox serving on a port in a background thread."""

    slack: FakeSlack
    interactions: Interactions
    server: BackgroundServer
    store: WorkspaceStore | None = None

    @property
    def root_url(self) -> str:
        """http://host:port/ of the server."""
        return self.slack.config.root_url

    @property
    def base_url(self) -> str:
        """The Web API base URL for WebClient(base_url=...), ending with '/api/'."""
        return self.slack.config.api_base_url

    @property
    def ui_url(self) -> str:
        """Where a person opens the browser UI."""
        return self.root_url

    def stop(self) -> None:
        """Stop serving and wait for the server thread; then write the workspace if it is kept on disk."""
        try:
            self.server.stop()
        finally:
            if self.store is not None:
                self.store.stop()


def start_sandbox(app_request_url: str | None = None, signing_secret: str = DEFAULT_SIGNING_SECRET,
                  bot_token: str = DEFAULT_BOT_TOKEN, host: str = "127.0.0.1", port: int = 0,
                  state_path: Path | None = None) -> RunningSandbox:
    """Serve a sandbox in a background thread (port 0 picks a free port; PortInUse when the port is taken).

    Without `state_path` the workspace lives in memory and starts empty. With it, the workspace saved there
    is loaded before the first request and kept up to date until stop() (see sandbox.persist); StateInUse
    when another running sandbox keeps its workspace there.
    """
    slack = FakeSlack(SandboxConfig(bot_token=bot_token, signing_secret=signing_secret,
                                    app_request_url=app_request_url))
    interactions = Interactions(slack)
    listener = listen(host, port)  # first, so a taken port leaves the saved state untouched
    store = None
    if state_path is not None:
        store = WorkspaceStore(slack.workspace, state_path)
        try:
            store.load()
        except BaseException:
            listener.close()
            raise
    server = serve_in_thread(create_app(slack, interactions), host, port, name="slack-sandbox", listener=listener)
    slack.config.root_url = server.url
    if store is not None:
        store.start()
    return RunningSandbox(slack=slack, interactions=interactions, server=server, store=store)
