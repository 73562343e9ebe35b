"""Domain errors. Each carries a message a person can act on; the CLI, Slack and the API show it as is."""

from __future__ import annotations


class TuttiError(Exception):
    """Base of every error the engine raises on purpose.

    `message` speaks to the person who acted (in Slack, "You are not assigned to task 10"); `operator_message`
    says the same to someone acting on a worker's behalf, such as the command line or an admin, naming the worker.
    """

    def __init__(self, message: str, *, operator_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.operator_message = operator_message or message


class WorkflowError(TuttiError):
    """A workflow definition cannot be loaded."""


class WorkflowValidationError(WorkflowError):
    """A workflow definition has problems; `problems` lists every one of them."""

    def __init__(self, message: str, problems: list | None = None) -> None:  # type: ignore[type-arg]
        super().__init__(message)
        self.problems = problems or []


class NotFound(TuttiError):
    """An id or slug names nothing."""


class TaskAssignmentError(TuttiError):
    """The task cannot take (or give up) this assignment in its current state."""


class NotAssignedToTask(TaskAssignmentError):
    """A worker acted on a task they hold no assignment on."""


class WorkerCertificationError(TuttiError):
    """The worker lacks a certification the work requires."""


class TaskStatusError(TuttiError):
    """The task's status does not allow the requested change."""


class TaskAlreadyAssigned(TaskStatusError, TaskAssignmentError):
    """The task's work is held by someone (`holder`), so it takes no new assignment; it can be reassigned."""

    def __init__(self, message: str, *, task_id: int, holder: str) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.holder = holder


class IllegalTaskSubmission(TuttiError):
    """A submit, accept or return that the task's state or dependencies do not allow."""


class ReviewPolicyError(TuttiError):
    """A review policy is malformed."""


class AssignmentPolicyError(TuttiError):
    """An assignment policy failed or is malformed."""


class CreationPolicyError(TuttiError):
    """A creation policy failed or is malformed."""


class TaskDependencyError(TuttiError):
    """A prerequisite task is not complete."""


class ProjectStatusError(TuttiError):
    """The project's status does not allow the requested change."""


class InvalidRevertError(TuttiError):
    """A revert that cannot be done."""


class TimerError(TuttiError):
    """The timer is not in the state the request expects."""


class MachineExecutionError(TuttiError):
    """A machine step cannot run."""


class IdempotencyConflict(TuttiError):
    """An idempotency key was reused with a different request."""


class TaskChanged(TuttiError):
    """The task changed since the person's view of it was drawn (optimistic concurrency: nothing was done)."""


class PermissionDenied(TuttiError):
    """The actor may not do this."""


class ValidationError(TuttiError):
    """Input data does not satisfy the step's form or the operation's rules."""


class FormErrors(ValidationError):
    """Submitted data does not satisfy the step's form; `field_errors` maps each field key to its problem."""

    def __init__(self, message: str, field_errors: dict[str, str]) -> None:
        super().__init__(message)
        self.field_errors = dict(field_errors)


class DottedPathError(WorkflowError):
    """A dotted function path does not import or does not name a callable."""
