"""Sandbox fixtures (see sandbox.testing) and a small Bolt app served over HTTP."""

from collections.abc import Iterator

import pytest

from sandbox.driver import Sandbox
from sandbox.testing import sandbox, sandbox_server, slack_client  # noqa: F401
from tests.sandbox.bolt_app import ServedBoltApp, serve_bolt_app
from tests.sandbox.scripted_app import ScriptedApp, serve_scripted_app


@pytest.fixture
def bolt_app(sandbox: Sandbox) -> Iterator[ServedBoltApp]:  # noqa: F811
    """The test suite's Bolt app, served on a free port and wired to the sandbox."""
    served = serve_bolt_app(sandbox)
    sandbox.app_request_url = served.url
    yield served
    served.stop()


@pytest.fixture
def scripted_app(sandbox: Sandbox) -> Iterator[ScriptedApp]:  # noqa: F811
    """A bare app whose answers the test scripts, set as the sandbox's request URL."""
    app = serve_scripted_app()
    sandbox.app_request_url = app.url
    yield app
    assert app.server is not None
    app.server.stop()
