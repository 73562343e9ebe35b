"""Browser fixtures: the sandbox, the test Bolt app, and headless Debian Chromium via Playwright."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sandbox.driver import Sandbox
from sandbox.testing import sandbox, sandbox_server  # noqa: F401
from tests.sandbox.bolt_app import ServedBoltApp, serve_bolt_app

DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium: $TUTTI_CHROMIUM, else Debian's package, else Playwright's own build (`make browser`)."""
    executable = os.environ.get("TUTTI_CHROMIUM") or (DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page at a desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


@pytest.fixture
def bolt_app(sandbox: Sandbox) -> Iterator[ServedBoltApp]:  # noqa: F811
    """The test suite's Bolt app, wired to the sandbox."""
    served = serve_bolt_app(sandbox)
    sandbox.app_request_url = served.url
    yield served
    served.stop()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
