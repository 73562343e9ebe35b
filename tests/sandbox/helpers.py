"""Small assertions shared by the sandbox tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError


def slack_error(call: Callable[[], Any]) -> dict[str, Any]:
    """The error body of a Web API call that must fail."""
    with pytest.raises(SlackApiError) as info:
        call()
    data = info.value.response.data
    assert isinstance(data, dict)
    assert data["ok"] is False
    return data


def error_code(call: Callable[[], Any]) -> str:
    """The error code of a Web API call that must fail."""
    return str(slack_error(call)["error"])
