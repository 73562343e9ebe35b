"""String enums stored by value. Display strings keep Orchestra's wording for the client API."""

from enum import StrEnum


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    ABORTED = "aborted"

    @property
    def display(self) -> str:
        return self.value.capitalize()

    @property
    def orchestra_code(self) -> int:
        return {"active": 0, "aborted": 2, "paused": 3, "completed": 4}[self.value]

    @property
    def is_over(self) -> bool:
        return self in (ProjectStatus.COMPLETED, ProjectStatus.ABORTED)


class TaskStatus(StrEnum):
    AWAITING_PROCESSING = "awaiting_processing"
    PROCESSING = "processing"
    PENDING_REVIEW = "pending_review"
    REVIEWING = "reviewing"
    POST_REVIEW_PROCESSING = "post_review_processing"
    COMPLETE = "complete"
    ABORTED = "aborted"
    FAILED = "failed"

    @property
    def display(self) -> str:
        return _TASK_DISPLAY[self]

    @property
    def is_final(self) -> bool:
        return self in (TaskStatus.COMPLETE, TaskStatus.ABORTED)


_TASK_DISPLAY = {
    TaskStatus.AWAITING_PROCESSING: "Awaiting Processing",
    TaskStatus.PROCESSING: "Processing",
    TaskStatus.PENDING_REVIEW: "Pending Review",
    TaskStatus.REVIEWING: "Reviewing",
    TaskStatus.POST_REVIEW_PROCESSING: "Post-review Processing",
    TaskStatus.COMPLETE: "Complete",
    TaskStatus.ABORTED: "Aborted",
    TaskStatus.FAILED: "Failed",
}


class AssignmentStatus(StrEnum):
    PROCESSING = "processing"
    SUBMITTED = "submitted"
    FAILED = "failed"

    @property
    def display(self) -> str:
        return self.value.capitalize()


class IterationStatus(StrEnum):
    PROCESSING = "processing"
    REQUESTED_REVIEW = "requested_review"
    PROVIDED_REVIEW = "provided_review"

    @property
    def display(self) -> str:
        return {"processing": "Processing", "requested_review": "Requested Review",
                "provided_review": "Provided Review"}[self.value]


class Role(StrEnum):
    ENTRY_LEVEL = "entry_level"
    REVIEWER = "reviewer"

    @classmethod
    def for_counter(cls, counter: int) -> "Role":
        return cls.ENTRY_LEVEL if counter == 0 else cls.REVIEWER


class TaskClass(StrEnum):
    TRAINING = "training"
    REAL = "real"

    @property
    def orchestra_code(self) -> int:
        return 1 if self is TaskClass.REAL else 0


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class EventSource(StrEnum):
    SLACK = "slack"
    API = "api"
    JOB = "job"
    CLI = "cli"
    SYSTEM = "system"


class StaffingCause(StrEnum):
    """Why StaffBot is looking for someone."""

    USER = "user"
    TASK_POLICY = "task_policy"
    RESTAFF = "restaff"


class StaffingStatus(StrEnum):
    """A staffing request offers in batches, then waits for answers, then closes (staffed or given up)."""

    SENDING_INQUIRIES = "sending_inquiries"
    DONE_SENDING_INQUIRIES = "done_sending_inquiries"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self is not StaffingStatus.CLOSED


class InquiryMethod(StrEnum):
    """How an offer reached the expert: a Slack DM, or auto-staffing within their declared availability."""

    SLACK = "slack"
    PREVIOUSLY_OPTED_IN = "previously_opted_in"
