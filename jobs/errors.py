"""Errors a delivery handler raises to steer the outbox."""

from __future__ import annotations


class RetryLater(Exception):
    """Deliver again after `delay` seconds; counts as a failed attempt unless `counts` is False."""

    def __init__(self, reason: str, delay: float | None = None, *, counts: bool = True) -> None:
        super().__init__(reason)
        self.delay = delay
        self.counts = counts


class PermanentFailure(Exception):
    """Retrying cannot help (a malformed payload, a deleted target); the message is marked dead now."""
