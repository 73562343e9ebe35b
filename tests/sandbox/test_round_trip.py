"""A Bolt app driven through the sandbox over real HTTP, as a person would use it."""

from pathlib import Path

from sandbox.driver import Sandbox
from tests.sandbox.bolt_app import ServedBoltApp


def test_person_opens_a_task_fixes_a_validation_error_and_the_story_lands_in_the_channel(
    sandbox: Sandbox, bolt_app: ServedBoltApp, tmp_path: Path
) -> None:
    sandbox.create_channel("project-12", members=["demo", "journalism-editor"])
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff fake jpeg")
    alice = sandbox.as_user("demo")

    assert alice.open_home().ok
    assert "Write the flood story" in alice.home().text
    assert alice.click("Open task").ok
    assert alice.wait_for_modal("Flood story")

    alice.fill("Headline", "Fl")
    submitted = alice.submit()
    assert submitted.ok
    assert alice.modal().errors == {"Headline": "At least 4 characters, please"}

    alice.fill("Headline", "Flood")
    alice.upload("Photos", photo)
    alice.select("Rating", "5: excellent")
    alice.pick_date("Deadline", "2030-01-31")
    assert alice.submit().ok
    assert alice.modal() is None

    bob = sandbox.as_user("journalism-editor")
    assert bob.last_message("#project-12", containing="Flood").text == "New story: Flood (photo.jpg)"
    submission = [s for s in bolt_app.seen if s.get("type") == "view_submission"][-1]
    values = submission["view"]["state"]["values"]
    assert values["rating"]["value"]["selected_option"]["value"] == "5"
    assert values["deadline"]["value"]["selected_date"] == "2030-01-31"
    assert values["photos"]["files"]["files"][0]["name"] == "photo.jpg"
