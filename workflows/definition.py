"""Typed, frozen models of a workflow definition: Orchestra's `workflow.json` and `version.json`.

Models parse Orchestra's JSON shape: a step's `assignment_policy` and `creation_policy` dicts are read in
Orchestra's `{"policy_function": ...}` form, `{}` means "not set", and `user_interface.slack` becomes
`slack_ui`. From Python they also take typed values (`AssignmentPolicy(...)`, `SlackUI(...)`).
`VersionDef.to_json()` writes Orchestra's shape back, plus Tutti's extensions (`user_interface.slack`,
`retry`), and `VersionDef.from_json()` reads it again unchanged. Orchestra's names for its built-in
policies are replaced by Tutti's (`workflows.policies.*`) at parse time.
Cross-document checks (certifications named by steps, dotted paths that import, policy kwargs) live in
`workflows.validation`; the invariants the engine relies on (unique slugs, known dependencies, no
cycles, a start point) are enforced here too, so a stored definition can never break the helpers.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_core.core_schema import ErrorType

from workflows import dotted
from workflows.errors import NotFound

SLUG_PATTERN = r"^[A-Za-z0-9_-]+$"
FIELD_KEY_PATTERN = r"^[a-z][a-z0-9_]*$"

Slug = Annotated[StrictStr, Field(min_length=1, max_length=200, pattern=SLUG_PATTERN)]
Number = Annotated[float, Strict()]  # a JSON number; true/false and strings are refused

Loc = tuple[str | int, ...]

# Validation context flag: the data was read from a workflow directory, not built in Python.
FROM_FILE = "from_file"


def _none_if_empty(value: Any) -> Any:
    """Orchestra writes `{}` for an absent function or policy."""
    return None if isinstance(value, dict) and not value else value


def _error(loc: Loc, message: str, kind: str = "tutti") -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=None)


_PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))


def _relocated(exc: ValidationError, prefix: Loc) -> list[InitErrorDetails]:
    """The errors of a nested validation, placed under `prefix` in the enclosing document."""
    errors = []
    for item in exc.errors():
        loc = (*prefix, *item["loc"])
        if item["type"] in _PYDANTIC_ERROR_TYPES:  # keep pydantic's own type and context (pattern, limits)
            detail = InitErrorDetails(type=item["type"], loc=loc, input=item.get("input"))
            if "ctx" in item:
                detail["ctx"] = item["ctx"]
            errors.append(detail)
        else:
            errors.append(_error(loc, item["msg"], item["type"]))
    return errors


def _raise_if(title: str, errors: list[InitErrorDetails]) -> None:
    if errors:
        raise ValidationError.from_exception_data(title, errors)


def _validate_with(cls: type, handler: Any, data: Any, errors: list[InitErrorDetails]) -> Any:
    """Run the model's own validation and report its errors together with `errors` found beforehand."""
    try:
        model = handler(data)
    except ValidationError as exc:
        raise ValidationError.from_exception_data(cls.__name__, _relocated(exc, ()) + errors) from None
    _raise_if(cls.__name__, errors)
    return model


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# ---------------------------------------------------------------------------------------------------------
# Functions and policies


class FunctionRef(_Model):
    """A dotted path to a callable and the keyword arguments it is called with."""

    path: Annotated[StrictStr, Field(min_length=1)]
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @field_validator("path")
    @classmethod
    def _canonical_path(cls, path: str) -> str:
        return dotted.canonical(path)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, **({"kwargs": dict(self.kwargs)} if self.kwargs else {})}


OptionalFunction = Annotated[FunctionRef | None, BeforeValidator(_none_if_empty)]


class CertificationDef(_Model):
    """A certification a worker can hold, entry-level or reviewer."""

    slug: Slug
    name: StrictStr
    description: StrictStr
    required_certifications: tuple[Slug, ...] = ()


class ReviewPolicy(_Model):
    """Orchestra's `sampled_review` (review with probability `rate`, up to `max_reviews`) or `no_review`."""

    policy: Literal["sampled_review", "no_review"]
    rate: Annotated[Number, Field(ge=0, le=1)] | None = None
    max_reviews: Annotated[StrictInt, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _sampled_review_has_numbers(self) -> ReviewPolicy:
        if self.policy == "sampled_review":
            missing = [name for name in ("rate", "max_reviews") if getattr(self, name) is None]
            _raise_if(
                "ReviewPolicy",
                [_error((), f"sampled_review needs '{name}'") for name in missing],
            )
        return self


DEFAULT_REVIEW_POLICY = ReviewPolicy(policy="sampled_review", rate=1, max_reviews=1)


def _function(path: str) -> FunctionRef:
    return FunctionRef(path=path)


class AssignmentPolicy(_Model):
    """Who gets a new task, per role. JSON: `{"policy_function": {"entry_level": ..., "reviewer": ...}}`."""

    entry_level: FunctionRef = Field(default_factory=lambda: _function(dotted.ANYONE_CERTIFIED))
    reviewer: FunctionRef = Field(default_factory=lambda: _function(dotted.ANYONE_CERTIFIED))

    def to_json(self) -> dict[str, Any]:
        return {"policy_function": {"entry_level": self.entry_level.to_json(), "reviewer": self.reviewer.to_json()}}


class CreationPolicy(_Model):
    """Whether a step's task is created once its prerequisites are complete. JSON: `{"policy_function": ...}`."""

    function: FunctionRef = Field(default_factory=lambda: _function(dotted.ALWAYS_CREATE))

    def to_json(self) -> dict[str, Any]:
        return {"policy_function": self.function.to_json()}


class _RoleFunctions(_Model):
    # Decision 1: a role left out gets the default policy instead of failing at submission.
    entry_level: FunctionRef = Field(default_factory=lambda: _function(dotted.ANYONE_CERTIFIED))
    reviewer: FunctionRef = Field(default_factory=lambda: _function(dotted.ANYONE_CERTIFIED))


class _OrchestraAssignmentPolicy(_Model):
    policy_function: _RoleFunctions


class _OrchestraCreationPolicy(_Model):
    policy_function: FunctionRef


class RetryPolicy(_Model):
    """How a failing machine step is retried (Tutti's `retry` key on machine steps)."""

    max_attempts: Annotated[StrictInt, Field(ge=1, le=100)] = 3
    backoff_seconds: Annotated[Number, Field(ge=0)] = 2.0
    max_backoff_seconds: Annotated[Number, Field(ge=0)] = 300.0

    @model_validator(mode="after")
    def _max_not_below_base(self) -> RetryPolicy:
        if self.max_backoff_seconds < self.backoff_seconds:
            _raise_if(
                "RetryPolicy",
                [
                    _error(
                        ("max_backoff_seconds",),
                        f"max_backoff_seconds ({self.max_backoff_seconds:g}) is less than "
                        f"backoff_seconds ({self.backoff_seconds:g})",
                    )
                ],
            )
        return self


# ---------------------------------------------------------------------------------------------------------
# The Slack UI of a human step (`user_interface.slack`)

FieldType = Literal[
    "text", "long_text", "number", "select", "multi_select", "date", "url", "email", "user", "files", "checkbox"
]
SELECT_TYPES = frozenset({"select", "multi_select"})
LENGTH_TYPES = frozenset({"text", "long_text"})
MAX_OPTIONS = 100


def _option_shorthand(value: Any) -> Any:
    """An option may be written as a bare string, used as both value and label."""
    return {"value": value, "label": value} if isinstance(value, str) else value


class Option(_Model):
    """One choice of a select or multi-select field."""

    value: Annotated[StrictStr, Field(min_length=1, max_length=150)]
    label: Annotated[StrictStr, Field(min_length=1, max_length=75)]


class FormField(_Model):
    """One input of a step's form, with Slack's limits."""

    key: Annotated[StrictStr, Field(max_length=255, pattern=FIELD_KEY_PATTERN)]
    label: Annotated[StrictStr, Field(min_length=1, max_length=2000)]
    type: FieldType
    required: StrictBool = True
    hint: Annotated[StrictStr, Field(max_length=2000)] | None = None
    placeholder: Annotated[StrictStr, Field(max_length=150)] | None = None
    options: tuple[Annotated[Option, BeforeValidator(_option_shorthand)], ...] = ()
    min_length: Annotated[StrictInt, Field(ge=0, le=3000)] | None = None
    max_length: Annotated[StrictInt, Field(ge=1, le=3000)] | None = None
    min_value: Number | None = None
    max_value: Number | None = None
    decimal: StrictBool = False
    max_files: Annotated[StrictInt, Field(ge=1, le=10)] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _limits_fit_the_type(cls, data: Any, handler: Any) -> FormField:
        # Checked on the raw field, so these problems are reported along with any problem in the keys themselves.
        errors = _form_field_errors(data) if isinstance(data, Mapping) else []
        return _validate_with(cls, handler, data, errors)


def _form_field_errors(data: Mapping[str, Any]) -> list[InitErrorDetails]:
    """Keys that do not fit the field's type, and limits that contradict each other (well-typed values only)."""
    def number(name: str) -> float | None:
        value = data.get(name)
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None

    kind = data.get("type") if data.get("type") in get_args(FieldType) else None
    decimal = data.get("decimal")
    options = data.get("options") if isinstance(data.get("options"), list | tuple) else []
    errors: list[InitErrorDetails] = []
    if kind in SELECT_TYPES:
        if not 1 <= len(options) <= MAX_OPTIONS:
            errors.append(_error(("options",), f"A {kind} field needs 1 to {MAX_OPTIONS} options, not {len(options)}"))
        first: dict[str, int] = {}
        for index, raw in enumerate(options):
            option = raw if isinstance(raw, Option) else _option_shorthand(raw)
            value = option.value if isinstance(option, Option) else \
                option.get("value") if isinstance(option, Mapping) else None
            if not isinstance(value, str):
                continue
            if value in first:
                errors.append(_error(("options", index, "value"),
                                     f"Duplicate option value '{value}' (also options[{first[value]}])"))
            first.setdefault(value, index)
    elif options and kind is not None:
        errors.append(_error(("options",), "Only select and multi_select fields take options"))
    if kind is None:
        return errors  # the type itself is wrong (and reported): what fits it cannot be said
    for name in ("min_length", "max_length"):
        if data.get(name) is not None and kind not in LENGTH_TYPES:
            errors.append(_error((name,), f"Only text and long_text fields take {name}"))
    for name in ("min_value", "max_value"):
        if data.get(name) is None:
            continue
        value = number(name)
        if kind != "number":
            errors.append(_error((name,), f"Only number fields take {name}"))
        elif value is not None and decimal in (False, None) and not float(value).is_integer():
            errors.append(_error((name,), f"{name} must be a whole number unless decimal is true"))
    if decimal is True and kind != "number":
        errors.append(_error(("decimal",), "Only number fields take decimal"))
    if data.get("max_files") is not None and kind != "files":
        errors.append(_error(("max_files",), "Only files fields take max_files"))
    for low, high in (("min_length", "max_length"), ("min_value", "max_value")):
        low_value, high_value = number(low), number(high)
        if low_value is not None and high_value is not None and low_value > high_value:
            errors.append(_error((low,), f"{low} ({low_value:g}) is greater than {high} ({high_value:g})"))
    return errors


ShowKind = Literal["text", "link", "image", "images", "json"]
# What `project.<field>` may show; the engine puts exactly these into the render context.
PROJECT_SHOW_FIELDS = frozenset({"id", "short_description", "priority", "task_class", "status"})
_SHOW_PATH = re.compile(r"^(project|project_data|prerequisites)(\.[A-Za-z0-9_-]+)+$")


class ShowItem(_Model):
    """A value shown in the task modal, by dotted path into the project and prerequisite results."""

    label: Annotated[StrictStr, Field(min_length=1, max_length=2000)]
    path: StrictStr
    kind: ShowKind = "text"

    @field_validator("path")
    @classmethod
    def _path_has_a_known_root(cls, path: str) -> str:
        if not _SHOW_PATH.match(path):
            raise PydanticCustomError(
                "show_path",
                "A show path starts with 'project.', 'project_data.' or 'prerequisites.<step>' "
                "and continues with dot-separated names, not '{path}'",
                {"path": path},
            )
        parts = path.split(".")
        if parts[0] == "project" and (len(parts) != 2 or parts[1] not in PROJECT_SHOW_FIELDS):
            raise PydanticCustomError(
                "show_path",
                "'{path}' is not a project field; use one of {fields}",
                {"path": path, "fields": ", ".join(f"project.{name}" for name in sorted(PROJECT_SHOW_FIELDS))},
            )
        return path

    @property
    def prerequisite_slug(self) -> str | None:
        """The step whose result this item shows, for `prerequisites.<slug>...` paths."""
        parts = self.path.split(".")
        return parts[1] if parts[0] == "prerequisites" else None


class SlackUI(_Model):
    """A human step's Slack surface: what to show, the form, and an optional custom modal builder."""

    show: tuple[ShowItem, ...] = ()
    fields: tuple[FormField, ...] = ()
    review_show: tuple[ShowItem, ...] = ()
    modal_function: OptionalFunction = None

    @model_validator(mode="wrap")
    @classmethod
    def _field_keys_unique(cls, data: Any, handler: Any) -> SlackUI:
        # Checked on the raw fields, so that a duplicate is reported along with any other field problem.
        raw_fields = data.get("fields") if isinstance(data, Mapping) else None
        errors = []
        if isinstance(raw_fields, list | tuple):
            first: dict[str, int] = {}
            for index, raw in enumerate(raw_fields):
                key = raw.key if isinstance(raw, FormField) else raw.get("key") if isinstance(raw, Mapping) else None
                if not isinstance(key, str):
                    continue
                if key in first:
                    errors.append(
                        _error(
                            ("fields", index, "key"), f"Duplicate form field key '{key}' (also fields[{first[key]}])"
                        )
                    )
                first.setdefault(key, index)
        return _validate_with(cls, handler, data, errors)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


# ---------------------------------------------------------------------------------------------------------
# Steps

HUMAN_ONLY_KEYS = ("required_certifications", "assignment_policy", "review_policy", "user_interface")
MACHINE_ONLY_KEYS = ("execution_function", "retry")
ANGULAR_KEYS = frozenset({"angular_module", "angular_directive", "javascript_includes", "stylesheet_includes"})


def _is_set(value: Any) -> bool:
    return value is not None and value != {} and value != [] and value != ()


class StepDef(_Model):
    """One step of a workflow version: a human task or a machine function."""

    slug: Slug
    name: StrictStr
    description: StrictStr
    is_human: StrictBool = True
    creation_depends_on: tuple[Slug, ...] = ()
    submission_depends_on: tuple[Slug, ...] = ()
    execution_function: OptionalFunction = None
    required_certifications: tuple[Slug, ...] = ()
    review_policy: ReviewPolicy | None = None
    assignment_policy: AssignmentPolicy | None = None
    creation_policy: CreationPolicy = Field(default_factory=CreationPolicy)
    # Orchestra's legacy keys (angular_*), kept for the round trip; `slack` is parsed into `slack_ui`.
    user_interface: dict[str, Any] = Field(default_factory=dict)
    slack_ui: SlackUI | None = None
    detailed_description_function: OptionalFunction = None
    assignable_hours_function: OptionalFunction = None
    todolist_templates_to_apply: tuple[StrictStr, ...] = ()
    completion_ends_project: StrictBool = False
    retry: RetryPolicy = Field(default_factory=RetryPolicy)

    @field_validator("todolist_templates_to_apply")
    @classmethod
    def _no_todo_templates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value:
            raise PydanticCustomError(
                "todolist_templates",
                "Tutti has no todo-list templates yet; todolist_templates_to_apply must be empty",
            )
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _from_orchestra(cls, data: Any, handler: Any, info: ValidationInfo) -> StepDef:
        if not isinstance(data, Mapping):
            return handler(data)
        data = dict(data)
        errors: list[InitErrorDetails] = []
        is_human = data.get("is_human", True)
        if isinstance(is_human, bool):
            errors.extend(_role_key_errors(data, is_human))
            _apply_role_defaults(data, is_human)
        _parse_orchestra_policies(data, errors)
        _parse_user_interface(data, errors, from_file=bool(info.context and info.context.get(FROM_FILE)))
        return _validate_with(cls, handler, data, errors)

    def to_json(self) -> dict[str, Any]:
        """This step in Orchestra's `version.json` shape, with Tutti's extensions."""
        data: dict[str, Any] = {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "is_human": self.is_human,
            "creation_depends_on": list(self.creation_depends_on),
            "submission_depends_on": list(self.submission_depends_on),
            "creation_policy": self.creation_policy.to_json(),
            "completion_ends_project": self.completion_ends_project,
        }
        if self.is_human:
            data["required_certifications"] = list(self.required_certifications)
            if self.review_policy is not None:
                data["review_policy"] = self.review_policy.model_dump(exclude_none=True)
            if self.assignment_policy is not None:
                data["assignment_policy"] = self.assignment_policy.to_json()
            user_interface = dict(self.user_interface)
            if self.slack_ui is not None:
                user_interface["slack"] = self.slack_ui.to_json()
            data["user_interface"] = user_interface
        else:
            if self.execution_function is not None:
                data["execution_function"] = self.execution_function.to_json()
            data["retry"] = self.retry.model_dump()
        for key in ("detailed_description_function", "assignable_hours_function"):
            function = getattr(self, key)
            if function is not None:
                data[key] = function.to_json()
        if self.todolist_templates_to_apply:
            data["todolist_templates_to_apply"] = list(self.todolist_templates_to_apply)
        return data


def _role_key_errors(data: dict[str, Any], is_human: bool) -> list[InitErrorDetails]:
    errors = []
    if is_human:
        if _is_set(data.get("execution_function")):
            errors.append(
                _error(
                    ("execution_function",),
                    'A human step cannot have an execution_function (set "is_human": false for a machine step)',
                )
            )
        if "retry" in data:
            errors.append(_error(("retry",), "A human step cannot have retry; retries are for machine steps"))
    else:
        errors.extend(
            _error((key,), f"A machine step cannot have {key}") for key in HUMAN_ONLY_KEYS if _is_set(data.get(key))
        )
        if not _is_set(data.get("execution_function")):
            errors.append(_error((), "A machine step needs an execution_function"))
    return errors


def _apply_role_defaults(data: dict[str, Any], is_human: bool) -> None:
    if is_human:
        if data.get("review_policy") is None:
            data["review_policy"] = DEFAULT_REVIEW_POLICY
        if data.get("assignment_policy") is None:
            data["assignment_policy"] = AssignmentPolicy()
    # Keys that do not belong to the step's kind were refused by _role_key_errors (or are Orchestra's
    # empty defaults); dropping them keeps their contents from piling more errors on top.
    for key in MACHINE_ONLY_KEYS if is_human else HUMAN_ONLY_KEYS:
        data.pop(key, None)


def _parse_orchestra_policies(data: dict[str, Any], errors: list[InitErrorDetails]) -> None:
    """Read `assignment_policy` and `creation_policy` from Orchestra's `policy_function` shape."""
    raw = data.get("assignment_policy")
    if isinstance(raw, Mapping):
        try:
            parsed = _OrchestraAssignmentPolicy.model_validate(raw).policy_function
            data["assignment_policy"] = AssignmentPolicy(entry_level=parsed.entry_level, reviewer=parsed.reviewer)
        except ValidationError as exc:
            errors.extend(_relocated(exc, ("assignment_policy",)))
            data.pop("assignment_policy")
    raw = data.get("creation_policy")
    if raw is None:
        data.pop("creation_policy", None)
    elif isinstance(raw, Mapping):
        try:
            function = _OrchestraCreationPolicy.model_validate(raw).policy_function
            data["creation_policy"] = CreationPolicy(function=function)
        except ValidationError as exc:
            errors.extend(_relocated(exc, ("creation_policy",)))
            data.pop("creation_policy")


def _parse_user_interface(data: dict[str, Any], errors: list[InitErrorDetails], *, from_file: bool) -> None:
    """Split `user_interface` into the legacy keys (kept raw) and `slack` (parsed into `slack_ui`)."""
    if from_file and "slack_ui" in data:
        # `slack_ui` is the model's name for `user_interface.slack`, not a key of version.json.
        errors.append(_error(("slack_ui",), "Extra inputs are not permitted", "extra_forbidden"))
        data.pop("slack_ui")
    raw = data.get("user_interface")
    if not isinstance(raw, Mapping):
        return
    legacy = {}
    for key, value in raw.items():
        if key == "slack":
            continue
        if key not in ANGULAR_KEYS:
            errors.append(_error(("user_interface", key), "Extra inputs are not permitted", "extra_forbidden"))
        legacy[key] = value
    data["user_interface"] = legacy
    if "slack" in raw and data.get("slack_ui") is None:
        try:
            data["slack_ui"] = SlackUI.model_validate(raw["slack"])
        except ValidationError as exc:
            errors.extend(_relocated(exc, ("user_interface", "slack")))


# ---------------------------------------------------------------------------------------------------------
# Sanity checks


class SanityHandler(_Model):
    """Where a failed sanity check is reported: the project channel, mentioning the listed steps' workers."""

    type: Literal["slack_project_channel"]
    message: Annotated[StrictStr, Field(min_length=1)]
    steps: tuple[Slug, ...]


class SanityCheckConfig(_Model):
    """How one sanity check is handled, and how often it may repeat."""

    handlers: Annotated[tuple[SanityHandler, ...], Field(min_length=1)]
    repetition_seconds: Annotated[Number, Field(gt=0)] | None = None


class SanityChecks(_Model):
    """A version's SanityBot configuration."""

    sanity_check_function: FunctionRef
    check_configurations: dict[Slug, SanityCheckConfig]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_defaults=True)


# ---------------------------------------------------------------------------------------------------------
# The dependency graph


@dataclass(frozen=True)
class StepNode:
    """The part of a step the dependency checks need; built from parsed steps or from raw JSON."""

    index: int
    slug: str
    creation_depends_on: tuple[str, ...] = ()
    submission_depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class GraphReport:
    """Problems in a version's dependency graph, with locations relative to `version.json`."""

    problems: list[tuple[Loc, str]]
    prerequisites: dict[str, frozenset[str]]  # transitive creation prerequisites, cycles included


def _reachable(graph: Mapping[str, Sequence[str]], start: str) -> set[str]:
    seen: set[str] = set()
    queue = deque(graph.get(start, ()))
    while queue:
        slug = queue.popleft()
        if slug not in seen:
            seen.add(slug)
            queue.extend(graph.get(slug, ()))
    return seen


def _cycle_path(graph: Mapping[str, Sequence[str]], start: str, members: set[str]) -> list[str]:
    """A shortest cycle from `start` back to itself through `members`."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        slug = queue.popleft()
        for dep in graph.get(slug, ()):
            if dep not in members:
                continue
            if dep == start:
                path = [slug]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start, *reversed(path[:-1]), start]
            if dep not in parent:
                parent[dep] = slug
                queue.append(dep)
    return [start, start]  # unreachable: `start` is in a cycle by construction


def check_graph(version_slug: str, nodes: Sequence[StepNode], *, unreadable_steps: bool = False) -> GraphReport:
    """Duplicate slugs, unknown dependencies, cycles, unreachable steps, a missing start point, deadlocks.

    `unreadable_steps`: some steps had no readable slug (reported elsewhere), so one of them may be the start."""
    problems: list[tuple[Loc, str]] = []
    if not nodes:
        return GraphReport([(("steps",), "A version needs at least one step")], {})
    first: dict[str, StepNode] = {}
    for node in nodes:
        if node.slug in first:
            problems.append(
                (
                    ("steps", node.index, "slug"),
                    f"Duplicate step slug '{node.slug}' (also steps[{first[node.slug].index}])",
                )
            )
        else:
            first[node.slug] = node
    for node in first.values():
        for attr in ("creation_depends_on", "submission_depends_on"):
            for position, dep in enumerate(getattr(node, attr)):
                if dep not in first:
                    problems.append(
                        (("steps", node.index, attr, position), f"{node.slug}.{attr} contains a non-existent slug.")
                    )
    graph = {slug: [dep for dep in node.creation_depends_on if dep in first] for slug, node in first.items()}
    reach = {slug: _reachable(graph, slug) for slug in graph}

    in_cycle = {slug for slug in graph if slug in reach[slug]}
    reported: set[str] = set()
    for slug in graph:
        if slug in in_cycle and slug not in reported:
            members = {other for other in in_cycle if other in reach[slug] and slug in reach[other]}
            reported |= members
            cycle = " -> ".join(_cycle_path(graph, slug, members))
            problems.append(
                (
                    ("steps", first[slug].index, "creation_depends_on"),
                    f"creation_depends_on forms a cycle: {cycle} (each step waits for the next)",
                )
            )

    roots = [slug for slug, deps in graph.items() if not first[slug].creation_depends_on]
    if not roots and not unreadable_steps:
        problems.append((("steps",), f"All {version_slug} workflow steps have dependencies. There is no start point."))
    else:
        for slug, deps in graph.items():
            if slug in in_cycle or not (reach[slug] & in_cycle):
                continue
            blocker = next(dep for dep in deps if dep in in_cycle or reach[dep] & in_cycle)
            why = "is in a creation_depends_on cycle" if blocker in in_cycle else "can never be created"
            problems.append(
                (
                    ("steps", first[slug].index, "creation_depends_on"),
                    f"Step '{slug}' can never be created: it depends on '{blocker}', which {why}",
                )
            )

    for slug, node in first.items():
        for position, dep in enumerate(node.submission_depends_on):
            where = ("steps", node.index, "submission_depends_on", position)
            if dep == slug:
                problems.append((where, f"Step '{slug}' can never be submitted: it waits for itself"))
            elif dep in reach and slug in reach[dep]:
                problems.append(
                    (
                        where,
                        f"Step '{slug}' can never be submitted: it waits for '{dep}', "
                        f"which cannot be created before '{slug}' is complete",
                    )
                )
    return GraphReport(problems, {slug: frozenset(found) for slug, found in reach.items()})


def check_sanity_check_steps(
    sanity_checks: SanityChecks | Mapping[str, Any] | None, step_slugs: Iterable[str]
) -> list[tuple[Loc, str]]:
    """Sanity-check handlers that mention steps the version does not have (parsed, or raw JSON that did not parse:
    then only the well-formed parts are looked at)."""
    known = set(step_slugs)
    problems: list[tuple[Loc, str]] = []
    for check_slug, h, position, slug in _sanity_step_mentions(sanity_checks):
        if slug not in known:
            problems.append((("sanity_checks", "check_configurations", check_slug, "handlers", h, "steps", position),
                             f"Sanity check '{check_slug}' mentions non-existent step '{slug}'"))
    return problems


def _sanity_step_mentions(sanity_checks: SanityChecks | Mapping[str, Any] | None) -> list[tuple[str, int, int, str]]:
    if isinstance(sanity_checks, SanityChecks):
        return [(check_slug, h, position, slug)
                for check_slug, config in sanity_checks.check_configurations.items()
                for h, handler in enumerate(config.handlers)
                for position, slug in enumerate(handler.steps)]
    configurations = sanity_checks.get("check_configurations") if isinstance(sanity_checks, Mapping) else None
    mentions = []
    for check_slug, config in (configurations.items() if isinstance(configurations, Mapping) else ()):
        handlers = config.get("handlers") if isinstance(config, Mapping) else None
        for h, handler in enumerate(handlers if isinstance(handlers, list) else ()):
            steps = handler.get("steps") if isinstance(handler, Mapping) else None
            mentions += [(str(check_slug), h, position, slug)
                         for position, slug in enumerate(steps if isinstance(steps, list) else ())
                         if isinstance(slug, str)]
    return mentions


# ---------------------------------------------------------------------------------------------------------
# Versions and workflows


class VersionHeader(_Model):
    """A version's own keys, without its steps."""

    slug: Slug
    name: StrictStr
    description: StrictStr
    sanity_checks: Annotated[SanityChecks | None, BeforeValidator(_none_if_empty)] = None
    abort_completion_function: OptionalFunction = None


@dataclass(frozen=True)
class _Graph:
    by_slug: dict[str, StepDef]
    order: tuple[StepDef, ...]
    prerequisites: dict[str, tuple[str, ...]]
    creation_dependents: dict[str, tuple[str, ...]]
    submission_dependents: dict[str, tuple[str, ...]]


class VersionDef(VersionHeader):
    """A workflow version: its steps and their dependency graph, with the helpers the engine calls."""

    steps: tuple[StepDef, ...]

    @model_validator(mode="after")
    def _graph_is_sound(self) -> VersionDef:
        nodes = [
            StepNode(index, step.slug, step.creation_depends_on, step.submission_depends_on)
            for index, step in enumerate(self.steps)
        ]
        problems = check_graph(self.slug, nodes).problems + check_sanity_check_steps(
            self.sanity_checks, self.step_slugs
        )
        _raise_if("VersionDef", [_error(loc, message) for loc, message in problems])
        return self

    @cached_property
    def _graph(self) -> _Graph:
        by_slug = {step.slug: step for step in self.steps}
        position = {step.slug: index for index, step in enumerate(self.steps)}
        creation_dependents: dict[str, list[str]] = {slug: [] for slug in by_slug}
        submission_dependents: dict[str, list[str]] = {slug: [] for slug in by_slug}
        for step in self.steps:
            for dep in dict.fromkeys(step.creation_depends_on):
                creation_dependents[dep].append(step.slug)
            for dep in dict.fromkeys(step.submission_depends_on):
                submission_dependents[dep].append(step.slug)

        # Kahn's algorithm, first in first out, dependents in declaration order.
        waiting = {step.slug: len(set(step.creation_depends_on)) for step in self.steps}
        queue = deque(step.slug for step in self.steps if not waiting[step.slug])
        order: list[StepDef] = []
        prerequisites: dict[str, set[str]] = {}
        while queue:
            slug = queue.popleft()
            step = by_slug[slug]
            order.append(step)
            found: set[str] = set()
            for dep in step.creation_depends_on:
                found.add(dep)
                found |= prerequisites[dep]
            prerequisites[slug] = found
            for dependent in creation_dependents[slug]:
                waiting[dependent] -= 1
                if not waiting[dependent]:
                    queue.append(dependent)
        return _Graph(
            by_slug=by_slug,
            order=tuple(order),
            prerequisites={
                slug: tuple(sorted(found, key=position.__getitem__)) for slug, found in prerequisites.items()
            },
            creation_dependents={slug: tuple(found) for slug, found in creation_dependents.items()},
            submission_dependents={slug: tuple(found) for slug, found in submission_dependents.items()},
        )

    @property
    def step_slugs(self) -> tuple[str, ...]:
        """Step slugs in declaration order."""
        return tuple(step.slug for step in self.steps)

    def step(self, slug: str) -> StepDef:
        """The step called `slug`."""
        try:
            return self._graph.by_slug[slug]
        except KeyError:
            raise NotFound(f"Version {self.slug} has no step {slug}.") from None

    def has_step(self, slug: str) -> bool:
        return slug in self._graph.by_slug

    def topological_order(self) -> tuple[StepDef, ...]:
        """Steps breadth-first from the roots, ties in declaration order."""
        return self._graph.order

    def prerequisite_slugs(self, slug: str) -> tuple[str, ...]:
        """The transitive creation prerequisites of `slug`, in declaration order."""
        self.step(slug)
        return self._graph.prerequisites[slug]

    def creation_dependents(self, slug: str) -> tuple[str, ...]:
        """Steps that list `slug` in creation_depends_on, in declaration order."""
        self.step(slug)
        return self._graph.creation_dependents[slug]

    def submission_dependents(self, slug: str) -> tuple[str, ...]:
        """Steps that list `slug` in submission_depends_on, in declaration order."""
        self.step(slug)
        return self._graph.submission_dependents[slug]

    def to_json(self) -> dict[str, Any]:
        """This version as Orchestra's `version.json`, plus Tutti's extensions; `from_json` reads it back."""
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "steps": [step.to_json() for step in self.steps],
            "sanity_checks": self.sanity_checks.to_json() if self.sanity_checks else {},
            "abort_completion_function": (
                self.abort_completion_function.to_json() if self.abort_completion_function else {}
            ),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str | bytes) -> VersionDef:
        """Rebuild a version from `to_json()` output (a dict or its JSON text)."""
        if isinstance(data, str | bytes):
            data = json.loads(data)
        return cls.model_validate(data)


class WorkflowHeader(_Model):
    """The keys of `workflow.json`."""

    slug: Slug
    name: StrictStr
    description: StrictStr
    certifications: tuple[CertificationDef, ...]
    sample_data_load_function: OptionalFunction = None

    @model_validator(mode="wrap")
    @classmethod
    def _certifications_are_sound(cls, data: Any, handler: Any) -> WorkflowHeader:
        # Checked on the raw certifications, so these problems are reported along with any field problem.
        raw = data.get("certifications") if isinstance(data, Mapping) else None
        return _validate_with(cls, handler, data, _certification_errors(raw if isinstance(raw, list | tuple) else []))

    def certification(self, slug: str) -> CertificationDef:
        """The certification called `slug`."""
        for cert in self.certifications:
            if cert.slug == slug:
                return cert
        raise NotFound(f"Workflow {self.slug} has no certification {slug}.")


class WorkflowDef(WorkflowHeader):
    """A workflow: its certifications and versions, and the directory it was read from."""

    versions: tuple[VersionDef, ...] = ()
    directory: str | None = None

    @model_validator(mode="after")
    def _version_slugs_unique(self) -> WorkflowDef:
        seen: set[str] = set()
        errors = []
        for index, version in enumerate(self.versions):
            if version.slug in seen:
                errors.append(_error(("versions", index, "slug"), f"Duplicate version slug '{version.slug}'"))
            seen.add(version.slug)
        _raise_if("WorkflowDef", errors)
        return self

    def version(self, slug: str) -> VersionDef:
        """The version called `slug`."""
        for version in self.versions:
            if version.slug == slug:
                return version
        raise NotFound(f"Invalid version requested: {slug}")


def _certification_errors(raw: list[Any] | tuple[Any, ...]) -> list[InitErrorDetails]:
    """Duplicate slugs, requirements naming no certification, and requirement cycles, from raw certifications."""
    certs: list[tuple[int, str, list[tuple[int, str]]]] = []
    for index, item in enumerate(raw):
        if isinstance(item, CertificationDef):
            slug, required = item.slug, list(item.required_certifications)
        elif isinstance(item, Mapping) and isinstance(item.get("slug"), str):
            slug, required = item["slug"], item.get("required_certifications")
            required = required if isinstance(required, list | tuple) else []
        else:
            continue
        certs.append((index, slug, [(pos, r) for pos, r in enumerate(required) if isinstance(r, str)]))
    errors = []
    first: dict[str, int] = {}
    for index, slug, _ in certs:
        if slug in first:
            errors.append(_error(("certifications", index, "slug"),
                                 f"Duplicate certification slug '{slug}' (also certifications[{first[slug]}])"))
        first.setdefault(slug, index)
    requires = {slug: [r for _, r in required if r in first] for _, slug, required in certs}
    for index, slug, required in certs:
        for position, name in required:
            if name not in first:
                errors.append(_error(("certifications", index, "required_certifications", position),
                                     f"Certification {slug} requires non-existent certification."))
    reported: set[str] = set()
    for index, slug, _ in certs:
        reach = _reachable(requires, slug)
        if slug in reach and slug not in reported:
            members = {other for other in reach if slug in _reachable(requires, other)}
            reported |= members
            cycle = " -> ".join(_cycle_path(requires, slug, members))
            errors.append(_error(("certifications", index, "required_certifications"),
                                 f"required_certifications forms a cycle: {cycle}; nobody could ever be certified"))
    return errors
