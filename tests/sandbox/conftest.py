"""Sandbox fixtures (see sandbox.testing) and a small Bolt app served over HTTP."""

from collections.abc import Iterator

import pytest

from sandbox.driver import Sandbox
from sandbox.testing import sandbox, sandbox_server, slack_client  # noqa: F401
from tests.sandbox.bolt_app import ServedBoltApp, serve_bolt_app


@pytest.fixture
def bolt_app(sandbox: Sandbox) -> Iterator[ServedBoltApp]:  # noqa: F811
    """The test suite's Bolt app, served on a free port and wired to the sandbox."""
    served = serve_bolt_app(sandbox)
    sandbox.app_request_url = served.url
    yield served
    served.stop()
