"""The browser UI's JSON endpoints: what the page polls and the actions it posts."""

import requests
from slack_sdk import WebClient

from sandbox.driver import Sandbox
from sandbox.ui import _is_loopback
from tests.sandbox.bolt_app import ServedBoltApp


def state(sandbox: Sandbox, user: str, conv: str = "", since: int = -1) -> dict:
    return requests.get(sandbox.ui_url + "_ui/state", params={"user": user, "conv": conv, "since": since},
                        timeout=20).json()


def test_the_page_and_its_scripts_are_served(sandbox: Sandbox) -> None:
    page = requests.get(sandbox.ui_url, timeout=5)
    assert page.status_code == 200 and '<label class="picker" for="user-picker">Acting as</label>' in page.text
    for name in ("app.js", "blocks.js", "mrkdwn.js", "style.css"):
        assert requests.get(sandbox.ui_url + "static/" + name, timeout=5).status_code == 200


def test_users_lists_people_not_the_bot(sandbox: Sandbox) -> None:
    people = requests.get(sandbox.ui_url + "_ui/users", timeout=5).json()
    names = {p["name"] for p in people}
    assert {"admin", "demo", "journalism-copy-editor"} <= names
    assert "tutti" not in names


def test_state_shows_home_channels_and_messages_for_one_person(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.create_channel("project-12", members=["demo"])
    sandbox.create_channel("secret", members=["journalism-editor"], is_private=True)
    slack_client.chat_postMessage(channel="#project-12", text="Hello <@UDEMO00001>")
    slack_client.views_publish(user_id="UDEMO00001", view={"type": "home", "blocks": [{"type": "divider"}]})
    body = state(sandbox, "UDEMO00001", sandbox.channel("#project-12").id)
    assert [c["name"] for c in body["conversations"]] == ["project-12"]
    assert body["home"]["blocks"][0]["type"] == "divider"
    assert body["messages"][0]["text"] == "Hello <@UDEMO00001>"
    assert body["users"]["UDEMO00001"] == "demo"


def test_state_long_polls_until_something_changes(sandbox: Sandbox, slack_client: WebClient) -> None:
    version = state(sandbox, "UDEMO00001")["version"]
    slack_client.chat_postMessage(channel="UDEMO00001", text="ping")
    assert state(sandbox, "UDEMO00001", since=version)["version"] > version


def test_the_page_drives_the_app_home_modal_and_slash_commands(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    post = lambda path, body: requests.post(sandbox.ui_url + path, json=body, timeout=10).json()  # noqa: E731
    assert post("_ui/home", {"user": "UDEMO00001"})["ok"]
    home = sandbox.wait_for(sandbox.as_user("demo").home, "the Home tab")  # the app publishes after its ack
    assert post("_ui/act", {"user": "UDEMO00001", "view_id": home.id, "block_id": "task-1",
                            "action_id": "task.open"})["ok"]
    modal = sandbox.as_user("demo").wait_for_modal("Flood story")
    post("_ui/act", {"user": "UDEMO00001", "view_id": modal.id, "block_id": "headline", "action_id": "value",
                     "value": "Flood"})
    sandbox.create_channel("project-12", members=["demo"])
    assert post("_ui/submit", {"user": "UDEMO00001"})["ok"]
    assert sandbox.as_user("demo").last_message("#project-12", containing="Flood")
    dm = sandbox.workspace.im_with("UDEMO00001").id
    assert post("_ui/send", {"user": "UDEMO00001", "channel": dm, "text": "/echo hi"})["ok"]
    assert sandbox.as_user("demo").dms()[-1].text == "You said: hi"
    assert post("_ui/send", {"user": "UDEMO00001", "channel": dm, "text": "plain words"})["ok"]
    assert sandbox.as_user("demo").dms()[-1].author == "demo"


def test_a_bad_action_is_a_400_with_a_reason(sandbox: Sandbox) -> None:
    answer = requests.post(sandbox.ui_url + "_ui/submit", json={"user": "UDEMO00001"}, timeout=5)
    assert answer.status_code == 400 and "no modal open" in answer.json()["error"]


def test_only_loopback_addresses_may_use_the_ui() -> None:
    assert _is_loopback("127.0.0.1") and _is_loopback("::1")
    assert not _is_loopback("192.0.2.10") and not _is_loopback(None)
