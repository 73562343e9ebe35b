"""What the person sees after the app answers: response actions, replies, timeouts and payload shapes."""

from typing import Any

from slack_sdk import WebClient

from sandbox.delivery import MODAL_TROUBLE, TOO_SLOW
from sandbox.driver import Sandbox
from tests.sandbox.bolt_app import ServedBoltApp
from tests.sandbox.scripted_app import ScriptedApp


def form(title: str = "Form", **extra: Any) -> dict[str, Any]:
    view = {
        "type": "modal", "callback_id": "form", "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [
            {"type": "input", "block_id": "h", "label": {"type": "plain_text", "text": "Headline"},
             "element": {"type": "plain_text_input", "action_id": "v"}},
            {"type": "actions", "block_id": "act", "elements": [
                {"type": "button", "action_id": "more", "text": {"type": "plain_text", "text": "More"}},
                {"type": "checkboxes", "action_id": "flags", "options": [
                    {"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"}]}]},
        ],
    }
    view.update(extra)
    return view


def open_form(sandbox: Sandbox, client: WebClient, **extra: Any) -> dict[str, Any]:
    return client.views_open(trigger_id=sandbox.trigger_id("demo"), view=form(**extra)).data["view"]


def test_submit_with_empty_answer_closes_the_modal(sandbox: Sandbox, slack_client: WebClient,
                                                   scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client)
    demo = sandbox.as_user("demo")
    demo.fill("Headline", "Flood")
    assert demo.submit().ok
    assert demo.modal() is None
    payload = scripted_app.received[0].body
    assert payload["type"] == "view_submission"
    assert payload["view"]["state"]["values"]["h"]["v"] == {"type": "plain_text_input", "value": "Flood"}
    assert payload["trigger_id"] and payload["user"]["id"] == "UDEMO00001"


def test_errors_show_under_the_named_input(sandbox: Sandbox, slack_client: WebClient,
                                           scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client)
    scripted_app.answer({"response_action": "errors", "errors": {"h": "Too short"}})
    demo = sandbox.as_user("demo")
    demo.submit()
    assert demo.modal().errors == {"Headline": "Too short"}
    demo.fill("Headline", "Longer")
    assert demo.modal().errors == {}


def test_errors_for_a_block_that_is_not_an_input_are_reported(sandbox: Sandbox, slack_client: WebClient,
                                                              scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client)
    scripted_app.answer({"response_action": "errors", "errors": {"act": "nope"}})
    outcome = sandbox.as_user("demo").submit()
    assert not outcome.ok and "not input blocks" in outcome.error
    assert sandbox.as_user("demo").modal().notice == MODAL_TROUBLE


def test_update_push_and_clear(sandbox: Sandbox, slack_client: WebClient, scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client)
    demo = sandbox.as_user("demo")
    scripted_app.answer({"response_action": "update", "view": form("Updated")})
    demo.submit()
    assert demo.modal().title == "Updated"
    scripted_app.answer({"response_action": "push", "view": form("Pushed")})
    demo.submit()
    assert (demo.modal().title, demo.modal().depth) == ("Pushed", 2)
    demo.submit()  # empty answer: back to the view below
    assert demo.modal().title == "Updated"
    scripted_app.answer({"response_action": "clear"})
    demo.submit()
    assert demo.modal() is None


def test_an_invalid_update_view_is_reported(sandbox: Sandbox, slack_client: WebClient,
                                            scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client)
    scripted_app.answer({"response_action": "update", "view": form("A title far longer than Slack allows")})
    outcome = sandbox.as_user("demo").submit()
    assert not outcome.ok and "json-pointer:/view/title/text" in outcome.error


def test_close_notifies_the_app_when_asked(sandbox: Sandbox, slack_client: WebClient,
                                           scripted_app: ScriptedApp) -> None:
    open_form(sandbox, slack_client, notify_on_close=True)
    assert sandbox.as_user("demo").close().ok
    assert scripted_app.received[0].body["type"] == "view_closed"
    assert scripted_app.received[0].body["is_cleared"] is False
    open_form(sandbox, slack_client)
    sandbox.as_user("demo").close()
    assert len(scripted_app.received) == 1


def test_block_actions_in_a_modal_carry_view_state_and_container(sandbox: Sandbox, slack_client: WebClient,
                                                                 scripted_app: ScriptedApp) -> None:
    view = open_form(sandbox, slack_client, private_metadata="task-9")
    demo = sandbox.as_user("demo")
    demo.fill("Headline", "Draft")
    demo.click("More")
    payload = scripted_app.received[-1].body
    assert payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": view["id"]}
    assert payload["view"]["private_metadata"] == "task-9"
    assert payload["view"]["state"]["values"]["h"]["v"]["value"] == "Draft"
    assert payload["actions"][0]["action_id"] == "more" and payload["actions"][0]["block_id"] == "act"
    assert payload["api_app_id"] == "ATUTTI0001" and payload["team"]["id"] == "T0TUTTI001"


def test_checkboxes_in_an_actions_block_dispatch_immediately(sandbox: Sandbox, slack_client: WebClient,
                                                             scripted_app: ScriptedApp) -> None:
    view = open_form(sandbox, slack_client)
    outcome = sandbox.interactions.act("UDEMO00001", _view_target(view["id"]), "act", "flags", ["urgent"])
    assert outcome.ok
    action = scripted_app.received[-1].body["actions"][0]
    assert action["selected_options"][0]["value"] == "urgent"


def _view_target(view_id: str) -> Any:
    from sandbox.interactions import Target

    return Target(view_id=view_id)


def test_a_message_button_gives_the_app_a_response_url_that_replaces_the_message(
    sandbox: Sandbox, slack_client: WebClient, bolt_app: ServedBoltApp
) -> None:
    slack_client.chat_postMessage(channel="UDEMO00001", text="Offer", blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": "Task 7 is available"},
         "accessory": {"type": "button", "action_id": "offer.accept",
                       "text": {"type": "plain_text", "text": "Accept"}}}])
    demo = sandbox.as_user("demo")
    assert demo.click("Accept").ok
    payload = bolt_app.seen[-1]
    assert payload["container"]["type"] == "message" and payload["channel"]["id"].startswith("D")
    assert payload["response_url"].startswith(sandbox.ui_url + "_response/")
    shown = demo.dms()[-1]
    assert (shown.text, shown.edited) == ("Taken by @demo", True)


def test_slash_command_reply_is_ephemeral(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    sandbox.create_channel("general", members=["demo", "journalism-editor"])
    reply = sandbox.as_user("demo").slash("/echo", "staff 42", channel="#general")
    assert (reply.text, reply.ephemeral) == ("You said: staff 42", True)
    assert sandbox.as_user("journalism-editor").messages("#general") == []
    command = bolt_app.seen[-1]
    assert (command["command"], command["text"], command["user_name"]) == ("/echo", "staff 42", "demo")
    assert command["channel_name"] == "general" and command["trigger_id"]


def test_slash_command_answered_later_through_response_url(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    sandbox.create_channel("general", members=["demo", "journalism-editor"])
    reply = sandbox.as_user("demo").slash("/later", channel="#general")
    assert reply is not None and reply.text == "Done later" and not reply.ephemeral
    assert sandbox.as_user("journalism-editor").last_message("#general").text == "Done later"


def test_an_app_slower_than_three_seconds_shows_slacks_error(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    demo = sandbox.as_user("demo")
    demo.open_home()
    bolt_app.slow_seconds = 3.2
    outcome = demo.click("Open task")
    assert (outcome.ok, outcome.error) == (False, TOO_SLOW)
    assert outcome.answer.elapsed >= 3.0


def test_a_slow_submission_shows_trouble_connecting_in_the_modal(sandbox: Sandbox, slack_client: WebClient,
                                                                 scripted_app: ScriptedApp) -> None:
    sandbox.ack_timeout = 0.3
    open_form(sandbox, slack_client)
    scripted_app.answer("", delay=0.5)
    outcome = sandbox.as_user("demo").submit()
    assert (outcome.ok, outcome.error) == (False, MODAL_TROUBLE)
    assert sandbox.as_user("demo").modal().notice == MODAL_TROUBLE


def test_a_slow_slash_command_fails_with_operation_timeout(sandbox: Sandbox, scripted_app: ScriptedApp) -> None:
    sandbox.ack_timeout = 0.3
    scripted_app.answer("", delay=0.5)
    reply = sandbox.as_user("demo").slash("/staffbot", "staff 42")
    assert reply.text == '/staffbot failed with the error "operation_timeout"'
    assert reply.author == "Slackbot"


def test_an_app_error_status_is_reported(sandbox: Sandbox, scripted_app: ScriptedApp) -> None:
    scripted_app.answer("boom", status=500)
    outcome = sandbox.as_user("demo").open_home()
    assert not outcome.ok and outcome.error == "The app answered HTTP 500"


def test_app_home_opened_is_an_event_callback_envelope(sandbox: Sandbox, scripted_app: ScriptedApp) -> None:
    sandbox.as_user("demo").open_home()
    envelope = scripted_app.received[0].body
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "UTUTTIBOT1"
    assert envelope["event"]["type"] == "app_home_opened" and envelope["event"]["tab"] == "home"
    assert envelope["event"]["user"] == "UDEMO00001"
