"""The sandbox's notion of time, which tests can move forward instead of sleeping."""

from __future__ import annotations

import threading
import time


class Clock:
    """Wall-clock time plus an offset that tests may advance."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Current sandbox time in seconds since the epoch."""
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move sandbox time forward (trigger ids expire, timestamps move on)."""
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        """Return to real time."""
        with self._lock:
            self._offset = 0.0
