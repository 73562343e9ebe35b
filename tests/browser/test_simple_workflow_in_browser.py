"""The simple workflow clicked through in headless Chromium: the demo worker rates the crawled image."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from sandbox.driver import Sandbox
from store.enums import ProjectStatus
from tests.slack.conftest import ServedTutti, SlackWorld, served, slack_settings, slack_world  # noqa: F401
from tests.support.pages import html, serve_pages

pytestmark = pytest.mark.browser
RATING = "5: This image is very awesome"


def _lighthouse_png() -> bytes:
    """A small picture to rate: sky, sea and a lighthouse."""
    image = Image.new("RGB", (240, 150), (120, 180, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 110, 240, 150), fill=(30, 90, 160))
    draw.rectangle((110, 40, 130, 110), fill=(240, 240, 240))
    draw.rectangle((110, 60, 130, 72), fill=(200, 40, 40))
    draw.polygon([(104, 40), (136, 40), (120, 24)], fill=(200, 40, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def gallery() -> Iterator[str]:
    page = html("<html><body><img src='/photos/lighthouse.png'></body></html>")
    with serve_pages({"/photos/lighthouse.png": (_lighthouse_png(), "image/png")}, fallback=page) as url:
        yield url


def test_the_demo_worker_rates_the_image_in_the_browser_and_the_project_completes(
    slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox, page: Page, artifacts: Path,  # noqa: F811
    gallery: str,
) -> None:
    slack_world.load_bundled()
    project = slack_world.create("simple_workflow", data={"url": f"{gallery}/lighthouses"}, drain=False)
    slack_world.settle()
    channel_name = sandbox.channel(slack_world.info(project)["project"]["slack_group_id"]).name

    page.goto(sandbox.ui_url + "?user=demo")
    expect(page.get_by_role("button", name="Get a task")).to_be_visible()
    page.get_by_role("button", name="Get a task").click()
    result = page.get_by_role("dialog", name="Get a task")
    expect(result).to_contain_text("You got a new task")
    result.get_by_role("button", name="OK").click()

    page.get_by_role("button", name="Open").first.click()
    dialog = page.get_by_role("dialog", name="Image Rating")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("img")).to_have_count(1)
    dialog.get_by_label("How awesome is this image?").select_option(label=RATING)
    page.screenshot(path=str(artifacts / "tutti-task-modal.png"))
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog).to_contain_text("Submitted.")
    expect(dialog).to_contain_text("The task is complete")
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    slack_world.settle()
    assert slack_world.project_status(project) is ProjectStatus.COMPLETED
    assert slack_world.info(project)["tasks"]["rate"]["latest_data"] == {"rating": RATING}
    expect(page.get_by_text("Recently completed")).to_be_visible()
    page.screenshot(path=str(artifacts / "tutti-home.png"))

    page.get_by_role("button", name=f"# {channel_name}").click()
    expect(page.get_by_text("has been completed", exact=False).last).to_be_visible()
    page.screenshot(path=str(artifacts / "tutti-project-channel.png"))
