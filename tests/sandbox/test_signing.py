"""Deliveries carry Slack's v0 signature: Bolt's verification accepts them and rejects a wrong secret."""

import time

from slack_sdk.signature import SignatureVerifier

from sandbox.driver import Sandbox
from sandbox.signing import signed_headers
from tests.sandbox.bolt_app import ServedBoltApp
from tests.sandbox.scripted_app import ScriptedApp


def test_signed_headers_verify_with_slack_sdk() -> None:
    now = int(time.time())
    headers = signed_headers("s3cret", now, "payload=%7B%7D", "application/x-www-form-urlencoded")
    assert SignatureVerifier("s3cret").is_valid("payload=%7B%7D", headers["X-Slack-Request-Timestamp"],
                                                headers["X-Slack-Signature"])
    assert not SignatureVerifier("other").is_valid("payload=%7B%7D", headers["X-Slack-Request-Timestamp"],
                                                   headers["X-Slack-Signature"])


def test_bolt_accepts_the_sandboxes_requests(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    outcome = sandbox.as_user("demo").open_home()
    assert outcome.ok and outcome.answer.status == 200
    assert bolt_app.kinds() == ["app_home_opened"]
    assert bolt_app.rejected == []


def test_bolt_rejects_requests_signed_with_the_wrong_secret(sandbox: Sandbox, bolt_app: ServedBoltApp) -> None:
    sandbox.faults.sign_with_wrong_secret()
    outcome = sandbox.as_user("demo").open_home()
    assert not outcome.ok
    assert outcome.answer.status == 401
    assert bolt_app.rejected == [401]
    assert bolt_app.seen == []
    assert sandbox.as_user("demo").home() is None


def test_headers_carry_a_fresh_timestamp(sandbox: Sandbox, scripted_app: ScriptedApp) -> None:
    sandbox.as_user("demo").open_home()
    headers = scripted_app.received[0].headers
    assert abs(int(headers["X-Slack-Request-Timestamp"]) - time.time()) < 5
    assert SignatureVerifier(sandbox.signing_secret).is_valid(
        scripted_app.received[0].raw, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
