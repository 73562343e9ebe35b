"""The round trip by clicking in the sandbox's page in headless Chromium."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sandbox.driver import Sandbox
from tests.sandbox.bolt_app import ServedBoltApp

pytestmark = pytest.mark.browser


def test_a_person_completes_a_task_in_the_browser_and_a_colleague_reads_the_story(
    sandbox: Sandbox, bolt_app: ServedBoltApp, page: Page, artifacts: Path, tmp_path: Path
) -> None:
    sandbox.create_channel("project-12", members=["demo", "journalism-editor"])
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg")

    page.goto(sandbox.ui_url + "?user=demo")
    open_task = page.get_by_role("button", name="Open task")
    expect(open_task).to_be_visible()
    expect(page.get_by_text("Write the flood story")).to_be_visible()
    page.screenshot(path=str(artifacts / "sandbox-home.png"))

    open_task.click()
    dialog = page.get_by_role("dialog", name="Flood story")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Headline").fill("Fl")
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_role("alert")).to_have_text("At least 4 characters, please")
    page.screenshot(path=str(artifacts / "sandbox-modal.png"))

    dialog.get_by_label("Headline").fill("Flood")
    dialog.get_by_label("Photos").set_input_files(str(photo))
    expect(dialog.get_by_text("Attached: photo.jpg")).to_be_visible()
    dialog.get_by_label("Rating").select_option(label="5: excellent")
    dialog.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_label("Acting as").select_option(label="Jo Editor (@journalism-editor)")
    page.get_by_role("button", name="# project-12").click()
    expect(page.get_by_text("New story: Flood (photo.jpg)")).to_be_visible()
    page.screenshot(path=str(artifacts / "sandbox-channel.png"))
