"""Validate a workflow directory all at once: every problem, with its file and JSON location, no traceback."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from workflows import dotted
from workflows.definition import (
    ANGULAR_KEYS,
    FIELD_KEY_PATTERN,
    FROM_FILE,
    SLUG_PATTERN,
    FunctionRef,
    GraphReport,
    Loc,
    StepDef,
    StepNode,
    VersionDef,
    VersionHeader,
    WorkflowDef,
    WorkflowHeader,
    check_graph,
    check_sanity_check_steps,
)
from workflows.directory import JsonFile, read_workflow_directory
from workflows.errors import WorkflowError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or merely ignored) in a workflow definition."""

    file: str
    location: str  # a JSON path such as `$.steps[2].review_policy.rate`
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.severity}: {self.message}"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(loc: Iterable[str | int]) -> str:
    """`("steps", 2, "slug")` -> `$.steps[2].slug`; keys that are not identifiers are bracketed."""
    text = "$"
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.match(part):
            text += f".{part}"
        else:
            text += "['" + part.replace("\\", "\\\\").replace("'", "\\'") + "']"
    return text


# How each kind of function is called, and how many positional arguments it gets.
_CALLS: dict[str, tuple[str, int]] = {
    "execution": ("fn(project_data, prerequisites, **kwargs)", 2),
    "creation": ("fn(prerequisite_data, project_data, **kwargs)", 2),
    "assignment": ("fn(task, **kwargs)", 1),
    "description": ("fn(task_details, **kwargs)", 1),
    "hours": ("fn(task_details, **kwargs)", 1),
    "sanity": ("fn(project, **kwargs)", 1),
    "abort": ("fn(project, **kwargs)", 1),
    "sample_data": ("fn(session, **kwargs)", 1),
}
_ROLE_NAMES = {
    "execution": "an execution_function",
    "creation": "a creation policy",
    "assignment": "an assignment policy",
    "description": "a detailed_description_function",
    "hours": "an assignable_hours_function",
    "sanity": "a sanity_check_function",
    "abort": "an abort_completion_function",
    "sample_data": "a sample_data_load_function",
    "modal": "a modal_function",
}
_BUILTIN_KWARGS: dict[str, frozenset[str]] = {
    dotted.ANYONE_CERTIFIED: frozenset(),
    dotted.STAFFBOT_AUTOASSIGN: frozenset(),
    dotted.SPECIFIED_WORKER: frozenset({"username", "slack_user_id"}),
    dotted.PREVIOUSLY_COMPLETED_STEPS: frozenset({"related_steps"}),
    dotted.ALWAYS_CREATE: frozenset(),
    dotted.NEVER_CREATE: frozenset(),
}

_MESSAGES = {
    "model_type": "Expected a JSON object",
    "model_attributes_type": "Expected a JSON object",
    "dict_type": "Expected a JSON object",
    "tuple_type": "Expected a JSON list",
    "list_type": "Expected a JSON list",
    "string_type": "Expected a string",
    "bool_type": "Expected true or false",
    "int_type": "Expected a whole number",
    "float_type": "Expected a number",
}


def _pydantic_problems(file: str, exc: ValidationError, prefix: Loc = ()) -> list[Problem]:
    problems = []
    for item in exc.errors():
        loc = (*prefix, *(part for part in item["loc"] if part != "[key]"))
        kind = item["type"]
        if (
            kind == "too_short"
            and isinstance(item["input"], list | tuple)
            and item["ctx"]["min_length"] <= len(item["input"])
        ):
            continue  # too short only because some items failed, and those are reported already
        if kind == "missing":
            problems.append(Problem(file, json_path(loc[:-1]), f"Missing required key '{loc[-1]}'"))
        elif kind == "extra_forbidden":
            problems.append(Problem(file, json_path(loc), f"Unknown key '{loc[-1]}'"))
        elif kind == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == SLUG_PATTERN:
            problems.append(
                Problem(file, json_path(loc), f"'{item['input']}' is not a slug: use letters, digits, '_' and '-'")
            )
        elif kind == "string_pattern_mismatch" and item.get("ctx", {}).get("pattern") == FIELD_KEY_PATTERN:
            message = f"'{item['input']}' is not a field key: use a-z, 0-9 and '_', starting with a letter"
            problems.append(Problem(file, json_path(loc), message))
        else:
            problems.append(Problem(file, json_path(loc), _MESSAGES.get(kind, item["msg"])))
    return problems


@dataclass
class _Checker:
    """Collects the problems of one workflow directory."""

    search_root: Path | None  # None: do not import functions
    problems: list[Problem] = field(default_factory=list)
    _resolved: dict[str, Callable[..., Any] | str] = field(default_factory=dict)

    def error(self, file: str, loc: Loc, message: str) -> None:
        self.problems.append(Problem(file, json_path(loc), message))

    def warning(self, file: str, loc: Loc, message: str) -> None:
        self.problems.append(Problem(file, json_path(loc), message, "warning"))

    def parse(self, model: type[BaseModel], data: Any, file: str, prefix: Loc = ()) -> Any:
        try:
            return model.model_validate(data, context={FROM_FILE: True})
        except ValidationError as exc:
            self.problems.extend(_pydantic_problems(file, exc, prefix))
            return None

    def read(self, document: JsonFile) -> dict[str, Any] | None:
        """The document's object, or None once its problem is reported (every workflow file holds one object)."""
        if document.error is not None:
            self.error(document.file, (), document.error)
            return None
        if not isinstance(document.data, dict):
            self.error(document.file, (), "Expected a JSON object")
            return None
        for loc in document.duplicate_keys:
            self.error(document.file, loc, f"Duplicate key '{loc[-1]}': JSON keeps only the last value")
        return document.data

    def resolve(self, path: str) -> Callable[..., Any] | str:
        if path not in self._resolved:
            try:
                self._resolved[path] = dotted.resolve(path, self.search_root)
            except WorkflowError as exc:
                self._resolved[path] = exc.message
        return self._resolved[path]

    def importable(self, file: str, loc: Loc, path: str) -> None:
        """Report a custom dotted path (read from data that did not parse) that does not resolve to a callable."""
        if self.search_root is None or path in dotted.BUILTINS:
            return
        target = self.resolve(path)
        if isinstance(target, str):
            self.error(file, loc, target)

    def function(
        self, file: str, loc: Loc, ref: FunctionRef | None, role: str, version: _VersionContext | None = None
    ) -> None:
        """Check one function reference: a built-in policy's kwargs, or a custom path that imports and fits."""
        if ref is None:
            return
        if ref.path in dotted.BUILTINS:
            self._builtin(file, loc, ref, role, version)
            return
        if self.search_root is None:
            return
        target = self.resolve(ref.path)
        if isinstance(target, str):
            self.error(file, (*loc, "path"), target)
            return
        if role not in _CALLS:
            return
        shape, positional = _CALLS[role]
        try:
            inspect.signature(target).bind(*([None] * positional), **ref.kwargs)
        except TypeError as exc:
            self.error(file, loc, f"'{ref.path}' cannot be called as {shape}: {exc}")
        except ValueError:
            pass  # no signature to inspect (some C functions); calling it will tell

    def _builtin(self, file: str, loc: Loc, ref: FunctionRef, role: str, version: _VersionContext | None) -> None:
        name = ref.path.rsplit(".", 1)[-1]
        kind = "assignment" if ref.path in dotted.BUILTIN_ASSIGNMENT_POLICIES else "creation"
        if role != kind:
            self.error(file, (*loc, "path"), f"'{ref.path}' is {_ROLE_NAMES[kind]}, not {_ROLE_NAMES[role]}")
            return
        for key in ref.kwargs:
            if key not in _BUILTIN_KWARGS[ref.path]:
                self.warning(file, (*loc, "kwargs", key), f"Ignored: {name} takes no '{key}'")
        if ref.path == dotted.SPECIFIED_WORKER:
            given = [key for key in ("username", "slack_user_id") if key in ref.kwargs]
            if not given:
                self.error(file, loc, "specified_worker needs kwargs 'username' or 'slack_user_id'")
            elif len(given) == 2:
                self.error(file, (*loc, "kwargs"), "specified_worker takes 'username' or 'slack_user_id', not both")
            for key in given:
                value = ref.kwargs[key]
                if not isinstance(value, str) or not value:
                    self.error(file, (*loc, "kwargs", key), f"{key} must be a non-empty string")
        elif ref.path == dotted.PREVIOUSLY_COMPLETED_STEPS:
            related = ref.kwargs.get("related_steps")
            if "related_steps" not in ref.kwargs:
                self.error(file, loc, "previously_completed_steps needs kwargs 'related_steps', a list of human steps")
            elif not isinstance(related, list) or not related or not all(isinstance(s, str) for s in related):
                self.error(
                    file, (*loc, "kwargs", "related_steps"), "related_steps must be a non-empty list of step slugs"
                )
            elif version is not None:
                for position, slug in enumerate(related):
                    where = (*loc, "kwargs", "related_steps", position)
                    if slug not in version.kinds:
                        self.error(file, where, f"'{slug}' is not a step of this version")
                    elif version.kinds[slug] is False:
                        self.error(file, where, f"'{slug}' is a machine step; related_steps must be human steps")


@dataclass(frozen=True)
class _VersionContext:
    kinds: dict[str, bool | None]  # step slug -> is_human (None when unreadable)
    prerequisites: dict[str, frozenset[str]]
    certifications: frozenset[str] | None  # None when workflow.json could not be read


def validate_workflow_directory(
    path: str | Path, *, import_functions: bool = True
) -> tuple[WorkflowDef | None, list[Problem]]:
    """Parse and check a workflow directory; the definition comes back only when there are no errors.

    Problems name files relative to the directory. With `import_functions`, every custom dotted path is
    imported (the directory's parent made importable) and checked against its call signature.
    """
    try:
        files = read_workflow_directory(path)
    except WorkflowError as exc:
        return None, [Problem(str(path), "$", exc.message)]
    checker = _Checker(files.root.resolve().parent if import_functions else None)

    manifest = checker.read(files.manifest)
    header = checker.parse(WorkflowHeader, manifest, files.manifest.file) if manifest is not None else None
    certifications = _certification_slugs(header, manifest)
    if header is not None:
        checker.function(
            files.manifest.file, ("sample_data_load_function",), header.sample_data_load_function, "sample_data"
        )

    if not files.versions:
        checker.problems.append(Problem(str(path), "$", f"Workflow directory {path} does not contain any versions"))
    versions: list[VersionDef] = []
    first_file: dict[str, str] = {}
    for document in files.versions:
        version = _validate_version(checker, document, certifications)
        raw = document.data if isinstance(document.data, dict) else {}
        slug = raw.get("slug")
        if isinstance(slug, str):
            if slug in first_file:
                checker.error(document.file, ("slug",), f"Version slug '{slug}' is also used by {first_file[slug]}")
            first_file.setdefault(slug, document.file)
        if version is not None:
            versions.append(version)

    problems = checker.problems
    if header is None or any(problem.severity == "error" for problem in problems):
        return None, problems
    workflow = WorkflowDef(**dict(header), versions=tuple(versions), directory=str(files.root.resolve()))
    return workflow, problems


def _certification_slugs(header: WorkflowHeader | None, manifest: Any) -> frozenset[str] | None:
    if header is not None:
        return frozenset(cert.slug for cert in header.certifications)
    certifications = manifest.get("certifications") if isinstance(manifest, dict) else None
    if not isinstance(certifications, list):
        return None
    return frozenset(
        cert["slug"] for cert in certifications if isinstance(cert, dict) and isinstance(cert.get("slug"), str)
    )


def _str_list(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _validate_version(
    checker: _Checker, document: JsonFile, certifications: frozenset[str] | None
) -> VersionDef | None:
    file = document.file
    raw = checker.read(document)
    if raw is None:
        return None
    first_problem = len(checker.problems)
    version = _check_version(checker, file, raw, certifications)
    # Problems in document order of the steps; the checks' own order within a step.
    checker.problems[first_problem:] = sorted(checker.problems[first_problem:], key=_step_index)
    return version


_STEP_INDEX = re.compile(r"^\$\.steps\[(\d+)\]")


def _step_index(problem: Problem) -> int:
    match = _STEP_INDEX.match(problem.location)
    return int(match.group(1)) if match else -1


def _check_version(
    checker: _Checker, file: str, raw: dict[str, Any], certifications: frozenset[str] | None
) -> VersionDef | None:
    errors_before = sum(problem.severity == "error" for problem in checker.problems)
    header = checker.parse(VersionHeader, {key: value for key, value in raw.items() if key != "steps"}, file)
    raw_steps = raw.get("steps")
    if "steps" not in raw:
        checker.error(file, (), "Missing required key 'steps'")
        raw_steps = []
    elif not isinstance(raw_steps, list):
        checker.error(file, ("steps",), "Expected a JSON list")
        raw_steps = []

    steps: list[StepDef | None] = [
        checker.parse(StepDef, raw_step, file, ("steps", index)) for index, raw_step in enumerate(raw_steps)
    ]

    # The dependency graph is checked on the raw steps, so that a typo in one step does not hide a cycle.
    nodes = []
    kinds: dict[str, bool | None] = {}
    for index, raw_step in enumerate(raw_steps):
        if not isinstance(raw_step, dict) or not isinstance(raw_step.get("slug"), str):
            continue
        slug = raw_step["slug"]
        nodes.append(
            StepNode(
                index,
                slug,
                _str_list(raw_step.get("creation_depends_on")),
                _str_list(raw_step.get("submission_depends_on")),
            )
        )
        is_human = raw_step.get("is_human", True)
        kinds.setdefault(slug, is_human if isinstance(is_human, bool) else None)
        certs = raw_step.get("required_certifications")
        if certifications is not None and isinstance(certs, list):
            for position, cert in enumerate(certs):
                if isinstance(cert, str) and cert not in certifications:
                    message = f"{slug}.required_certifications contains a non-existent slug."
                    checker.error(file, ("steps", index, "required_certifications", position), message)
    version_slug = raw.get("slug") if isinstance(raw.get("slug"), str) else "?"
    # An empty list of steps is a problem; a missing or unreadable one was reported above.
    unreadable = len(nodes) < len(raw_steps)
    report = (check_graph(version_slug, nodes, unreadable_steps=unreadable) if nodes or raw.get("steps") == []
              else GraphReport([], {}))
    for loc, message in report.problems:
        checker.error(file, loc, message)
    context = _VersionContext(kinds, report.prerequisites, certifications)

    # On the raw sanity checks when the version's own keys did not parse, so a bad handler hides nothing.
    for loc, message in check_sanity_check_steps(header.sanity_checks if header else raw.get("sanity_checks"), kinds):
        checker.error(file, loc, message)
    if header is not None:
        checker.function(file, ("abort_completion_function",), header.abort_completion_function, "abort")
        if header.sanity_checks is not None:
            checker.function(
                file, ("sanity_checks", "sanity_check_function"), header.sanity_checks.sanity_check_function, "sanity"
            )
    for index, step in enumerate(steps):
        if step is not None:
            _check_step(checker, file, ("steps", index), step, raw_steps[index], context)
        else:  # a step that did not parse still has its dotted paths imported, so one pass reports everything
            for loc, path in _raw_function_paths(raw_steps[index]):
                checker.importable(file, ("steps", index, *loc), path)

    if header is None or sum(problem.severity == "error" for problem in checker.problems) > errors_before:
        return None
    return VersionDef(**dict(header), steps=tuple(step for step in steps if step is not None))


_STEP_FUNCTIONS: tuple[Loc, ...] = (
    ("execution_function",),
    ("creation_policy", "policy_function"),
    ("assignment_policy", "policy_function", "entry_level"),
    ("assignment_policy", "policy_function", "reviewer"),
    ("detailed_description_function",),
    ("assignable_hours_function",),
)


def _raw_function_paths(raw_step: Any) -> list[tuple[Loc, str]]:
    """(location of `path`, path) of every function reference a raw step spells out, wherever it is readable."""
    found: list[tuple[Loc, str]] = []
    for loc in _STEP_FUNCTIONS:
        node: Any = raw_step
        for key in loc:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get("path"), str):
            found.append(((*loc, "path"), node["path"]))
    return found


def _check_step(
    checker: _Checker, file: str, loc: Loc, step: StepDef, raw: Mapping[str, Any], version: _VersionContext
) -> None:
    policy = step.assignment_policy
    if policy is not None:
        for role in ("entry_level", "reviewer"):
            checker.function(
                file, (*loc, "assignment_policy", "policy_function", role), getattr(policy, role), "assignment", version
            )
    checker.function(
        file, (*loc, "creation_policy", "policy_function"), step.creation_policy.function, "creation", version
    )
    checker.function(file, (*loc, "execution_function"), step.execution_function, "execution")
    checker.function(file, (*loc, "detailed_description_function"), step.detailed_description_function, "description")
    checker.function(file, (*loc, "assignable_hours_function"), step.assignable_hours_function, "hours")
    if not step.is_human:
        for key in ("detailed_description_function", "assignable_hours_function"):
            if getattr(step, key) is not None:
                checker.warning(file, (*loc, key), "Ignored: machine steps are never staffed")

    for key in step.user_interface:
        if key in ANGULAR_KEYS:
            checker.warning(file, (*loc, "user_interface", key), "Ignored: Tutti renders steps in Slack")
    ui = step.slack_ui
    if ui is None:
        return
    slack = (*loc, "user_interface", "slack")
    checker.function(file, (*slack, "modal_function"), ui.modal_function, "modal")
    prerequisites = version.prerequisites.get(step.slug, frozenset())
    for key in ("show", "review_show"):
        for position, item in enumerate(getattr(ui, key)):
            slug = item.prerequisite_slug
            if slug is not None and slug not in prerequisites:
                known = ", ".join(sorted(prerequisites)) or "none"
                checker.error(
                    file,
                    (*slack, key, position, "path"),
                    f"'{item.path}' refers to '{slug}', which is not a creation prerequisite of "
                    f"'{step.slug}' (its prerequisites: {known})",
                )


def check_forced_reload(old: VersionDef, new: VersionDef, file: str = "version.json") -> list[Problem]:
    """Orchestra's `--force` rules: steps may be added, never removed, and dependencies never added."""
    problems = []
    new_slugs = set(new.step_slugs)
    if any(slug not in new_slugs for slug in old.step_slugs):
        problems.append(
            Problem(
                file,
                "$.steps",
                "Even with --force, you cannot remove steps from a workflow.Drop and recreate the database to "
                "reset, or create a new version for your workflow.",
            )
        )
    for index, step in enumerate(new.steps):
        if not old.has_step(step.slug):
            continue
        before = set(old.step(step.slug).creation_depends_on)
        after = set(step.creation_depends_on)
        location = json_path(("steps", index, "creation_depends_on"))
        if after - before:
            problems.append(
                Problem(
                    file,
                    location,
                    "Even with --force, you cannot change the topology of a workflow. Drop and recreate the "
                    "database to reset, or create a new version for your workflow.",
                )
            )
        if before - after:
            removed = ", ".join(sorted(before - after))
            problems.append(
                Problem(file, location, f"Removed creation dependencies of '{step.slug}': {removed}", "warning")
            )
    return problems
