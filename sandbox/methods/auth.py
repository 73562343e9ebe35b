"""auth.test."""

from __future__ import annotations

from typing import Any

from sandbox.methods.args import Args
from sandbox.slack import FakeSlack
from sandbox.state import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME


def auth_test(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """Who the bot token belongs to."""
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


METHODS = {"auth.test": auth_test}
