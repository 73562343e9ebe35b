"""views.*: modal stacks, Home tabs, trigger ids, hashes and external ids."""

from typing import Any

from slack_sdk import WebClient

from sandbox.driver import Sandbox
from tests.sandbox.helpers import error_code, slack_error


def modal(title: str = "Task", **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": title},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": f"{title} body"}}]}
    view.update(extra)
    return view


HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Welcome"}}]}


def test_open_shows_the_modal_to_the_person_who_clicked(sandbox: Sandbox, slack_client: WebClient) -> None:
    view = slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=modal("Open task")).data["view"]
    assert view["id"].startswith("V") and view["hash"]
    shown = sandbox.as_user("demo").modal()
    assert (shown.title, shown.text) == ("Open task", "Open task body")
    assert sandbox.as_user("journalism-editor").modal() is None


def test_a_trigger_id_is_single_use(sandbox: Sandbox, slack_client: WebClient) -> None:
    trigger = sandbox.trigger_id("demo")
    slack_client.views_open(trigger_id=trigger, view=modal())
    assert error_code(lambda: slack_client.views_open(trigger_id=trigger, view=modal())) == "exchanged_trigger_id"


def test_a_trigger_id_expires_after_three_seconds(sandbox: Sandbox, slack_client: WebClient) -> None:
    fresh, stale = sandbox.trigger_id("demo"), sandbox.trigger_id("demo")
    sandbox.advance_time(2.9)
    slack_client.views_open(trigger_id=fresh, view=modal())
    sandbox.advance_time(0.2)
    assert error_code(lambda: slack_client.views_open(trigger_id=stale, view=modal())) == "expired_trigger_id"


def test_an_unknown_trigger_id_is_invalid(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.views_open(trigger_id="1.2.3", view=modal())) == "invalid_trigger_id"


def test_push_stacks_up_to_three_modals(sandbox: Sandbox, slack_client: WebClient) -> None:
    slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=modal("One"))
    second = slack_client.views_push(trigger_id=sandbox.trigger_id("demo"), view=modal("Two")).data["view"]
    slack_client.views_push(trigger_id=sandbox.trigger_id("demo"), view=modal("Three"))
    assert error_code(lambda: slack_client.views_push(trigger_id=sandbox.trigger_id("demo"), view=modal("Four"))) \
        == "push_limit_reached"
    demo = sandbox.as_user("demo")
    assert (demo.modal().title, demo.modal().depth) == ("Three", 3)
    assert second["previous_view_id"] is not None
    demo.close()
    assert demo.modal().title == "Two"


def test_update_by_id_and_by_external_id(sandbox: Sandbox, slack_client: WebClient) -> None:
    opened = slack_client.views_open(trigger_id=sandbox.trigger_id("demo"),
                                     view=modal("Loading", external_id="task-7")).data["view"]
    slack_client.views_update(view_id=opened["id"], view=modal("Loaded", external_id="task-7"))
    assert sandbox.as_user("demo").modal().title == "Loaded"
    slack_client.views_update(external_id="task-7", view=modal("Again", external_id="task-7"))
    assert sandbox.as_user("demo").modal().title == "Again"


def test_update_with_a_stale_hash_is_a_hash_conflict(sandbox: Sandbox, slack_client: WebClient) -> None:
    opened = slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=modal()).data["view"]
    fresh = slack_client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("New")).data["view"]
    assert fresh["hash"] != opened["hash"]
    assert error_code(lambda: slack_client.views_update(view_id=opened["id"], hash=opened["hash"],
                                                        view=modal("Stale"))) == "hash_conflict"
    assert sandbox.as_user("demo").modal().title == "New"


def test_update_of_an_unknown_view_is_not_found(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.views_update(view_id="V404", view=modal())) == "not_found"
    assert error_code(lambda: slack_client.views_update(external_id="nope", view=modal())) == "not_found"


def test_update_keeps_what_the_person_typed_when_ids_match(sandbox: Sandbox, slack_client: WebClient) -> None:
    form = modal("Form", submit={"type": "plain_text", "text": "Save"}, blocks=[
        {"type": "input", "block_id": "h", "label": {"type": "plain_text", "text": "Headline"},
         "element": {"type": "plain_text_input", "action_id": "v"}}])
    opened = slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=form).data["view"]
    sandbox.as_user("demo").fill("Headline", "Flood")
    updated = slack_client.views_update(view_id=opened["id"], view=form).data["view"]
    assert updated["state"]["values"]["h"]["v"]["value"] == "Flood"


def test_duplicate_external_id_is_refused(sandbox: Sandbox, slack_client: WebClient) -> None:
    slack_client.views_open(trigger_id=sandbox.trigger_id("demo"), view=modal(external_id="x"))
    assert error_code(lambda: slack_client.views_open(trigger_id=sandbox.trigger_id("journalism-editor"),
                                                      view=modal(external_id="x"))) == "duplicate_external_id"


def test_publish_sets_the_persons_home(sandbox: Sandbox, slack_client: WebClient) -> None:
    published = slack_client.views_publish(user_id="UDEMO00001", view=HOME).data["view"]
    assert sandbox.as_user("demo").home().text == "Welcome"
    assert sandbox.as_user("journalism-editor").home() is None
    again = slack_client.views_publish(user_id="UDEMO00001", view=HOME, hash=published["hash"]).data["view"]
    assert again["id"] == published["id"]
    assert error_code(lambda: slack_client.views_publish(user_id="UDEMO00001", view=HOME,
                                                         hash=published["hash"])) == "hash_conflict"


def test_publish_errors(slack_client: WebClient) -> None:
    assert error_code(lambda: slack_client.views_publish(user_id="UNOBODY01", view=HOME)) == "user_not_found"
    assert error_code(lambda: slack_client.views_publish(user_id="UDEMO00001", view=modal())) == "invalid_arguments"
    missing = slack_error(lambda: slack_client.api_call("views.publish", json={"user_id": "UDEMO00001"}))
    assert missing["response_metadata"]["messages"] == ["[ERROR] missing required field: view"]
