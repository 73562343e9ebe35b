"""Reading an Orchestra workflow directory from disk: `workflow.json` plus `<version>/version.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflows import json_input
from workflows.errors import WorkflowError
from workflows.json_input import JsonInputError

MANIFEST = "workflow.json"
VERSION_FILE = "version.json"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class JsonFile:
    """One JSON document of a workflow directory, or the reason it could not be read."""

    file: str  # relative to the workflow directory, with '/' separators
    data: Any = None
    error: str | None = None
    duplicate_keys: tuple[Loc, ...] = field(default=())  # where an object repeats a key (the key is last)


@dataclass(frozen=True)
class WorkflowFiles:
    """The documents of a workflow directory, in a stable order (versions sorted by directory name)."""

    root: Path
    manifest: JsonFile
    versions: tuple[JsonFile, ...]


def read_workflow_directory(path: str | Path) -> WorkflowFiles:
    """Read the manifest and every version; raise WorkflowError when there is no workflow to read."""
    root = Path(path)
    if not root.is_dir():
        raise WorkflowError("Workflow directory does not exist.")
    if not (root / MANIFEST).is_file():
        raise WorkflowError('No "workflow.json" manifest file found.')
    # As in Orchestra, subdirectories without version.json are ignored.
    version_dirs = sorted(child for child in root.iterdir() if (child / VERSION_FILE).is_file())
    return WorkflowFiles(
        root=root,
        manifest=read_json(root / MANIFEST, MANIFEST),
        versions=tuple(read_json(child / VERSION_FILE, f"{child.name}/{VERSION_FILE}") for child in version_dirs),
    )


class _Object(dict):  # type: ignore[type-arg]
    """A JSON object that remembers the keys it saw twice."""

    duplicates: list[str]


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _plain(value: Any, loc: Loc, duplicates: list[Loc]) -> Any:
    """Plain dicts and lists again, collecting where keys were repeated."""
    if isinstance(value, _Object):
        duplicates.extend((*loc, key) for key in value.duplicates)
        return {key: _plain(item, (*loc, key), duplicates) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item, (*loc, index), duplicates) for index, item in enumerate(value)]
    return value


def read_json(path: Path, file: str) -> JsonFile:
    """Parse one JSON file; a syntax error is reported with its line and column, never raised."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # tolerate a byte order mark
    except (OSError, UnicodeDecodeError) as exc:
        return JsonFile(file, error=f"Cannot read the file: {exc}")
    try:
        data = json_input.parse(text, object_pairs_hook=_object_pairs)
    except JsonInputError as exc:
        return JsonFile(file, error=str(exc))
    duplicates: list[Loc] = []
    try:
        data = _plain(data, (), duplicates)
    except RecursionError:
        return JsonFile(file, error="Invalid JSON: it is nested too deeply")
    return JsonFile(file, data=data, duplicate_keys=tuple(duplicates))
