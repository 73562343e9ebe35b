"""Errors the sandbox answers with, carrying Slack's own error codes."""

from __future__ import annotations


class ApiError(Exception):
    """A Web API failure: answered as {"ok": false, "error": code} with optional detail messages."""

    def __init__(self, code: str, messages: list[str] | None = None, status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.messages = messages or []
        self.status = status

    def to_body(self) -> dict[str, object]:
        """The JSON body Slack sends for this failure."""
        body: dict[str, object] = {"ok": False, "error": self.code}
        if self.messages:
            if self.code == "invalid_blocks":
                body["errors"] = [m.removeprefix("[ERROR] ") for m in self.messages]
            body["response_metadata"] = {"messages": list(self.messages)}
        return body


def missing_argument(name: str) -> ApiError:
    """The answer to a call that lacks a required argument."""
    return ApiError("invalid_arguments", [f"[ERROR] missing required field: {name}"])
