"""Deterministic functions that test workflows point at: machine steps, creation policies, abort hooks."""

from __future__ import annotations

from typing import Any

CALLS: dict[str, int] = {}
"""How often each counting function ran; tests reset it with `reset()`."""

SEEN: dict[str, Any] = {}
"""The last arguments each function was called with."""


def reset() -> None:
    CALLS.clear()
    SEEN.clear()


def succeed(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Echo what the step was given, so tests can check project data, prerequisites and kwargs."""
    CALLS["succeed"] = CALLS.get("succeed", 0) + 1
    SEEN["succeed"] = {"project_data": project_data, "prerequisites": prerequisites, "kwargs": kwargs}
    return {"done": True, "project_id": project_data.get("project_id"), "seen": sorted(prerequisites), **kwargs}


def always_fail(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    CALLS["always_fail"] = CALLS.get("always_fail", 0) + 1
    raise RuntimeError(f"boom #{CALLS['always_fail']}")


def fail_until_allowed(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Fails until a test sets `SEEN["allow"] = True`, then succeeds."""
    CALLS["fail_until_allowed"] = CALLS.get("fail_until_allowed", 0) + 1
    if not SEEN.get("allow"):
        raise RuntimeError("not yet")
    return {"fixed": True, "calls": CALLS["fail_until_allowed"]}


def returns_a_list(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> Any:
    return ["not", "a", "dict"]


def only_if_flag(prerequisite_data: dict[str, Any], project_data: dict[str, Any], flag: str = "wanted",
                 **kwargs: Any) -> bool:
    """A creation policy that reads project data."""
    SEEN["only_if_flag"] = {"prerequisites": prerequisite_data, "project_data": project_data}
    return bool(project_data.get(flag))


def broken_policy(prerequisite_data: dict[str, Any], project_data: dict[str, Any], **kwargs: Any) -> bool:
    raise ValueError("policy exploded")


def remember_abort(project: dict[str, Any], **kwargs: Any) -> None:
    """An abort_completion_function."""
    SEEN["abort"] = {"project": project, "kwargs": kwargs}


def abort_explodes(project: dict[str, Any], **kwargs: Any) -> None:
    raise RuntimeError("abort hook failed")
