"""users.info, users.list, users.lookupByEmail."""

from __future__ import annotations

from typing import Any

from sandbox.errors import ApiError
from sandbox.methods import resolve
from sandbox.methods.args import Args
from sandbox.slack import FakeSlack


def info(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """users.info."""
    return {"user": resolve.user(slack.workspace, args.required("user")).to_slack()}


def list_users(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """users.list, paginated with cursor/limit."""
    everyone = sorted(slack.workspace.users.values(), key=lambda u: u.id)
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 0) or len(everyone)
    page = everyone[start:start + limit]
    more = start + limit < len(everyone)
    return {
        "members": [u.to_slack() for u in page],
        "cache_ts": slack.workspace.now(),
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


def lookup_by_email(slack: FakeSlack, args: Args) -> dict[str, Any]:
    """users.lookupByEmail."""
    email = args.text("email")
    if not email:
        raise ApiError("invalid_arguments", ["[ERROR] missing required field: email"])
    for user in slack.workspace.users.values():
        if user.email and user.email.lower() == email.lower():
            return {"user": user.to_slack()}
    raise ApiError("users_not_found")


METHODS = {"users.info": info, "users.list": list_users, "users.lookupByEmail": lookup_by_email}
