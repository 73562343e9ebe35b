"""Step functions for the StaffBot and SanityBot tests (imported by dotted path from test workflows)."""

from __future__ import annotations

from typing import Any


def hours(task_details: dict[str, Any], hours: float = 1.0) -> float:
    return hours


def describe(task_details: dict[str, Any]) -> str:
    return f"Write about {task_details['project']['details']}."


def flag(project: Any, slugs: list[str] | None = None) -> list[str]:
    """Fails the checks named in the project's data (`{"failing": [...]}`), or `slugs`."""
    return list(project.project_data.get("failing", slugs or []))
