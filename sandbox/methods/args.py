"""The arguments of one Web API call, however the app encoded them."""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import ApiError, missing_argument

# Arguments that Slack accepts as JSON text when they arrive form-encoded.
JSON_ARGS = {"blocks", "view", "attachments", "files", "metadata"}


class Args:
    """Typed access to call arguments with Slack's errors for missing or malformed ones."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, name: str, default: Any = None) -> Any:
        """An argument or `default` when absent or empty."""
        value = self.values.get(name)
        return default if value is None or value == "" else value

    def required(self, name: str) -> Any:
        """An argument that must be there (invalid_arguments otherwise)."""
        value = self.get(name)
        if value is None:
            raise missing_argument(name)
        return value

    def text(self, name: str, default: str = "") -> str:
        """A string argument."""
        value = self.get(name)
        return default if value is None else str(value)

    def flag(self, name: str) -> bool:
        """A boolean sent as true/false/1/0."""
        value = self.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes") if value is not None else False

    def json(self, name: str) -> Any:
        """A structured argument, given as JSON or as JSON text."""
        value = self.get(name)
        if isinstance(value, str) and name in JSON_ARGS:
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ApiError(
                    "invalid_arguments", [f"[ERROR] {name} is not valid JSON [json-pointer:/{name}]"]
                ) from error
        return value

    def id_list(self, name: str) -> list[str]:
        """A comma-separated list of ids (or a JSON list)."""
        value = self.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]
