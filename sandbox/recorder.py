"""A record of every Web API call the app made, and of whether one is still in flight."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as the sandbox saw it."""

    method: str
    args: dict[str, Any]
    response: dict[str, Any]
    status: int
    at: float
    duration: float

    @property
    def ok(self) -> bool:
        """Whether Slack answered ok: true."""
        return bool(self.response.get("ok"))


class CallRecorder:
    """Keeps calls in order; tracks activity so drivers can wait for the app to go quiet."""

    def __init__(self) -> None:
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.last_activity = time.monotonic()

    def begin(self) -> None:
        """A call has started."""
        with self._lock:
            self._in_flight += 1
            self.last_activity = time.monotonic()

    def end(self, call: ApiCall) -> None:
        """A call has finished; keep it."""
        with self._lock:
            self._in_flight -= 1
            self._calls.append(call)
            self.last_activity = time.monotonic()

    def touch(self) -> None:
        """Note other app activity (a delivery answered, a response_url POST)."""
        with self._lock:
            self.last_activity = time.monotonic()

    @property
    def in_flight(self) -> int:
        """Calls started and not yet answered."""
        with self._lock:
            return self._in_flight

    def calls(self, method: str | None = None) -> list[ApiCall]:
        """Recorded calls, optionally of one method, oldest first."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget recorded calls."""
        with self._lock:
            self._calls.clear()
