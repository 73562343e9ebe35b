"""Fault injection: rate limits, failures and delays for Web API methods, odd deliveries to the app."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

KINDS = ("ratelimited", "error", "delay")


@dataclass
class MethodFault:
    """One planned misbehaviour of a Web API method; `remaining` None means until cleared."""

    method: str
    kind: str
    remaining: int | None = 1
    error: str = "internal_error"
    status: int = 200
    retry_after: int = 1
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description."""
        return dict(self.__dict__)


class Faults:
    """The faults in force; the Web API and the delivery consult it on every call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        """Back to a well-behaved Slack."""
        with self._lock:
            self._method_faults: list[MethodFault] = []
            self._duplicates: dict[str, int] = {"event": 0, "interaction": 0}
            self.wrong_signature = False

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of `method` with HTTP 429 and Retry-After."""
        self.add(MethodFault(method=method, kind="ratelimited", remaining=times, retry_after=retry_after))

    def fail(self, method: str, error: str = "internal_error", times: int = 1, status: int = 200) -> None:
        """Answer the next `times` calls of `method` with an error (status 500 for a server error)."""
        self.add(MethodFault(method=method, kind="error", remaining=times, error=error, status=status))

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        """Hold answers of `method` for `seconds` (the next `times` calls, or until cleared)."""
        self.add(MethodFault(method=method, kind="delay", remaining=times, seconds=seconds))

    def duplicate_next(self, kind: str = "event", times: int = 1) -> None:
        """Deliver the next `times` events or interactions twice."""
        if kind not in self._duplicates:
            raise ValueError(f"kind must be one of {sorted(self._duplicates)}")
        with self._lock:
            self._duplicates[kind] += times

    def sign_with_wrong_secret(self, enabled: bool = True) -> None:
        """Sign deliveries with a secret the app does not know."""
        with self._lock:
            self.wrong_signature = enabled

    def add(self, fault: MethodFault) -> None:
        """Put a method fault in force."""
        if fault.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        with self._lock:
            self._method_faults.append(fault)

    def take(self, method: str) -> list[MethodFault]:
        """The faults that apply to this call of `method`, counting it against them."""
        taken: list[MethodFault] = []
        with self._lock:
            for fault in list(self._method_faults):
                if fault.method != method:
                    continue
                taken.append(fault)
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._method_faults.remove(fault)
        return taken

    def take_duplicate(self, kind: str) -> bool:
        """Whether this delivery should be sent twice (and count it)."""
        with self._lock:
            if self._duplicates.get(kind, 0) > 0:
                self._duplicates[kind] -= 1
                return True
            return False

    def describe(self) -> dict[str, Any]:
        """What is in force, for the control endpoint."""
        with self._lock:
            return {
                "methods": [f.to_dict() for f in self._method_faults],
                "duplicates": dict(self._duplicates),
                "wrong_signature": self.wrong_signature,
            }

    def apply_request(self, spec: dict[str, Any]) -> None:
        """Put in force a fault described as JSON (the POST /_sandbox/faults body)."""
        kind = spec.get("kind")
        times = spec.get("times")
        if kind == "ratelimited":
            self.rate_limit(spec["method"], times=int(times or 1), retry_after=int(spec.get("retry_after", 1)))
        elif kind == "error":
            self.fail(spec["method"], error=spec.get("error", "internal_error"), times=int(times or 1),
                      status=int(spec.get("status", 200)))
        elif kind == "delay":
            self.delay(spec["method"], float(spec["seconds"]), times=None if times is None else int(times))
        elif kind == "duplicate":
            self.duplicate_next(spec.get("target", "event"), times=int(times or 1))
        elif kind == "wrong_signature":
            self.sign_with_wrong_secret(bool(spec.get("enabled", True)))
        else:
            raise ValueError("kind must be one of ratelimited, error, delay, duplicate, wrong_signature")
