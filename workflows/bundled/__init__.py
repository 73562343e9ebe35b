"""The workflows that ship with Tutti, in Orchestra's directory format."""

from __future__ import annotations

from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parent


def bundled_workflow_dirs() -> list[Path]:
    """Every bundled workflow directory (one holding a `workflow.json`), sorted by name."""
    return sorted(path.parent for path in BUNDLED_DIR.glob("*/workflow.json"))
