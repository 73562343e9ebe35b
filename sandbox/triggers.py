"""Trigger ids: issued with each interaction, valid for 3 seconds, exchangeable once."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass

from sandbox.clock import Clock
from sandbox.errors import ApiError

TRIGGER_TTL_SECONDS = 3.0


@dataclass
class _Trigger:
    user_id: str
    issued_at: float
    exchanged: bool = False


class TriggerBook:
    """Issues and exchanges trigger ids against the sandbox clock."""

    def __init__(self, clock: Clock, ttl: float = TRIGGER_TTL_SECONDS) -> None:
        self.clock = clock
        self.ttl = ttl
        self._triggers: dict[str, _Trigger] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str) -> str:
        """A fresh trigger id for an interaction by `user_id`."""
        trigger_id = f"{int(self.clock.now())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user_id=user_id, issued_at=self.clock.now())
        return trigger_id

    def exchange(self, trigger_id: str) -> str:
        """Use a trigger id up and return the user it belongs to, or raise Slack's error."""
        with self._lock:
            trigger = self._triggers.get(trigger_id)
            if trigger is None:
                raise ApiError("invalid_trigger_id")
            if trigger.exchanged:
                raise ApiError("exchanged_trigger_id")
            if self.clock.now() - trigger.issued_at > self.ttl:
                raise ApiError("expired_trigger_id")
            trigger.exchanged = True
            return trigger.user_id

    def reset(self) -> None:
        """Forget all trigger ids."""
        with self._lock:
            self._triggers.clear()
