"""Fault injection: rate limits, failures, delays, duplicate deliveries, over the driver and over HTTP."""

import time

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from sandbox.driver import Sandbox
from tests.sandbox.bolt_app import ServedBoltApp
from tests.sandbox.helpers import error_code
from tests.sandbox.scripted_app import ScriptedApp


def test_rate_limit_answers_429_with_retry_after_for_n_calls(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.faults.rate_limit("auth.test", times=2, retry_after=7)
    for _ in range(2):
        try:
            slack_client.auth_test()
            raise AssertionError("expected a rate limit")
        except SlackApiError as error:
            assert error.response.status_code == 429
            assert error.response.headers["Retry-After"] == "7"
            assert error.response.data == {"ok": False, "error": "ratelimited"}
    assert slack_client.auth_test().data["ok"]


def test_a_client_with_the_rate_limit_retry_handler_gets_through(sandbox: Sandbox) -> None:
    sandbox.faults.rate_limit("auth.test", times=1, retry_after=1)
    client = WebClient(token=sandbox.bot_token, base_url=sandbox.base_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    assert client.auth_test().data["ok"]
    assert [c.status for c in sandbox.calls("auth.test")] == [429, 200]


def test_fail_with_an_error_code_for_n_calls(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.faults.fail("users.info", error="missing_scope", times=1)
    assert error_code(lambda: slack_client.users_info(user="UDEMO00001")) == "missing_scope"
    assert slack_client.users_info(user="UDEMO00001").data["ok"]


def test_fail_with_http_500(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.faults.fail("chat.postMessage", status=500)
    try:
        slack_client.chat_postMessage(channel="UDEMO00001", text="x")
        raise AssertionError("expected a server error")
    except SlackApiError as error:
        assert error.response.status_code == 500
    assert sandbox.as_user("demo").dms() == []


def test_delay_holds_the_answer(sandbox: Sandbox, slack_client: WebClient) -> None:
    sandbox.faults.delay("auth.test", 0.3, times=1)
    started = time.monotonic()
    slack_client.auth_test()
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    slack_client.auth_test()
    assert time.monotonic() - started < 0.3


def test_a_duplicated_event_is_a_retry_with_retry_headers(sandbox: Sandbox, scripted_app: ScriptedApp) -> None:
    sandbox.faults.duplicate_next("event")
    outcome = sandbox.as_user("demo").open_home()
    assert outcome.ok and outcome.answer.duplicate is not None
    first, retry = scripted_app.received
    assert first.body["event_id"] == retry.body["event_id"]
    assert "X-Slack-Retry-Num" not in first.headers
    assert (retry.headers["X-Slack-Retry-Num"], retry.headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")
    sandbox.as_user("demo").open_home()
    assert len(scripted_app.received) == 3


def test_a_duplicated_interaction_arrives_twice_like_a_double_click(sandbox: Sandbox,
                                                                    bolt_app: ServedBoltApp) -> None:
    demo = sandbox.as_user("demo")
    demo.open_home()
    sandbox.faults.duplicate_next("interaction")
    demo.click("Open task")
    clicks = [s for s in bolt_app.seen if s.get("type") == "block_actions"]
    assert len(clicks) == 2
    assert clicks[0]["trigger_id"] != clicks[1]["trigger_id"]
    assert len([c for c in sandbox.calls("views.open") if c.ok]) == 2


def test_faults_over_http(sandbox: Sandbox, slack_client: WebClient) -> None:
    control = sandbox.ui_url + "_sandbox/faults"
    answer = requests.post(control, json={"kind": "error", "method": "auth.test", "error": "account_inactive"},
                           timeout=5).json()
    assert answer["faults"]["methods"][0]["error"] == "account_inactive"
    assert error_code(slack_client.auth_test) == "account_inactive"
    requests.post(control, json={"kind": "ratelimited", "method": "auth.test", "times": 1}, timeout=5)
    requests.delete(control, timeout=5)
    assert slack_client.auth_test().data["ok"]
    assert requests.post(control, json={"kind": "bogus"}, timeout=5).status_code == 400
    requests.post(control, json={"kind": "wrong_signature"}, timeout=5)
    assert sandbox.faults.wrong_signature
