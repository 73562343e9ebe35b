"""Dotted function paths (`package.module.function`): Orchestra's aliases, resolution and checking."""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workflows.errors import DottedPathError

POLICIES = "workflows.policies"

ANYONE_CERTIFIED = f"{POLICIES}.anyone_certified"
SPECIFIED_WORKER = f"{POLICIES}.specified_worker"
PREVIOUSLY_COMPLETED_STEPS = f"{POLICIES}.previously_completed_steps"
STAFFBOT_AUTOASSIGN = f"{POLICIES}.staffbot_autoassign"
ALWAYS_CREATE = f"{POLICIES}.always_create"
NEVER_CREATE = f"{POLICIES}.never_create"

BUILTIN_ASSIGNMENT_POLICIES = frozenset(
    {ANYONE_CERTIFIED, SPECIFIED_WORKER, PREVIOUSLY_COMPLETED_STEPS, STAFFBOT_AUTOASSIGN}
)
BUILTIN_CREATION_POLICIES = frozenset({ALWAYS_CREATE, NEVER_CREATE})
BUILTINS = BUILTIN_ASSIGNMENT_POLICIES | BUILTIN_CREATION_POLICIES

# Orchestra's names for its built-in policies, so that an Orchestra workflow directory loads unchanged.
ORCHESTRA_ALIASES = {
    "orchestra.assignment_policies.anyone_certified": ANYONE_CERTIFIED,
    "orchestra.assignment_policies.specified_worker": SPECIFIED_WORKER,
    "orchestra.assignment_policies.previously_completed_steps": PREVIOUSLY_COMPLETED_STEPS,
    "orchestra.bots.assignment_policies.staffbot_autoassign": STAFFBOT_AUTOASSIGN,
    "orchestra.creation_policies.always_create": ALWAYS_CREATE,
    "orchestra.creation_policies.never_create": NEVER_CREATE,
}

_path_lock = threading.Lock()


def canonical(path: str) -> str:
    """Tutti's name for `path`: Orchestra's built-in policy names map to `workflows.policies.*`."""
    return ORCHESTRA_ALIASES.get(path, path)


def resolve(path: str, search_root: str | Path | None = None) -> Callable[..., Any]:
    """Import and return the callable named by `path`, or raise DottedPathError saying why not.

    `search_root` is a directory that may hold the top-level package of `path`: an Orchestra workflow
    is a Django app, so `simple_workflow.v1.crawl.crawl_page` imports once the workflow directory's
    parent is importable.
    """
    path = canonical(path)
    parts = path.split(".")
    if len(parts) < 2 or not all(part.isidentifier() for part in parts):
        raise DottedPathError(f"'{path}' is not a dotted path like 'package.module.function'")
    if search_root is not None:
        _make_importable(Path(search_root))
    module, rest = _import_longest_module(path, parts)
    target: Any = module
    for index, name in enumerate(rest):
        try:
            target = getattr(target, name)
        except AttributeError:
            owner = ".".join(parts[: len(parts) - len(rest) + index])
            what = "module or attribute" if index == 0 and hasattr(module, "__path__") else "attribute"
            raise DottedPathError(f"'{path}' does not exist: '{owner}' has no {what} '{name}'") from None
    if not callable(target):
        raise DottedPathError(f"'{path}' is not callable (it is of type {type(target).__name__})")
    if search_root is not None:
        _check_not_shadowed(path, parts[0], Path(search_root))
    return target


def check(path: str, search_root: str | Path | None = None) -> str | None:
    """The reason `path` does not resolve to a callable, or None when it does."""
    try:
        resolve(path, search_root)
    except DottedPathError as exc:
        return exc.message
    return None


def _make_importable(root: Path) -> None:
    # The root is appended to sys.path once and left there: the functions it holds are called for as
    # long as the process runs, and appending (not prepending) keeps installed packages first.
    entry = str(root.resolve())
    with _path_lock:
        if entry not in sys.path:
            sys.path.append(entry)
    # A workflow directory may have appeared after the import system cached its directory listings.
    importlib.invalidate_caches()


def _import_longest_module(path: str, parts: list[str]) -> tuple[Any, list[str]]:
    """Import the longest importable module prefix of `parts`; the rest are attribute names."""
    for end in range(len(parts) - 1, 0, -1):
        name = ".".join(parts[:end])
        try:
            return importlib.import_module(name), parts[end:]
        except ModuleNotFoundError as exc:
            missing = exc.name or ""
            if name == missing or name.startswith(missing + "."):
                continue  # this prefix is not a module; try a shorter one
            raise DottedPathError(f"importing '{name}' for '{path}' failed: {exc}") from exc
        except (Exception, SystemExit) as exc:  # the workflow's own module is broken; say how, never crash the loader
            raise DottedPathError(f"importing '{name}' for '{path}' failed: {type(exc).__name__}: {exc}") from exc
    raise DottedPathError(f"'{path}' does not import: no module named '{parts[0]}'")


def _check_not_shadowed(path: str, top: str, root: Path) -> None:
    """Refuse a function whose top-level package came from somewhere other than the workflow's root."""
    if not ((root / top).is_dir() or (root / f"{top}.py").is_file()):
        return
    top_module = sys.modules.get(top)
    locations = [
        *getattr(top_module, "__path__", []),
        *([top_module.__file__] if getattr(top_module, "__file__", None) else []),
    ]
    base = root.resolve()
    if any(Path(location).resolve().is_relative_to(base) for location in locations):
        return
    where = locations[0] if locations else "elsewhere"
    raise DottedPathError(
        f"'{path}' resolves to another package named '{top}' (imported from {where}), "
        f"not the one in {base}; rename one of them"
    )
