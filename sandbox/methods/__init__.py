"""The Web API methods the sandbox answers, by Slack method name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.methods import auth, chat, conversations, files, users, views
from sandbox.methods.args import Args
from sandbox.slack import FakeSlack

Method = Callable[[FakeSlack, Args], dict[str, Any]]


def all_methods() -> dict[str, Method]:
    """Every implemented method, keyed by its Slack name."""
    table: dict[str, Method] = {}
    for module in (auth, chat, conversations, files, users, views):
        table.update(module.METHODS)
    return table
