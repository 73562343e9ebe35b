"""SQLAlchemy models: Orchestra's vocabulary with string enums and database-enforced invariants."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.enums import (
    AssignmentStatus,
    EventSource,
    InquiryMethod,
    IterationStatus,
    OutboxStatus,
    ProjectStatus,
    Role,
    StaffingCause,
    StaffingStatus,
    TaskClass,
    TaskStatus,
)
from store.types import JSONType, UTCDateTime, str_enum, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONType, datetime: UTCDateTime}


# --- workflow definitions -------------------------------------------------------------------------

certification_requirements = Table(
    "certification_requirements",
    Base.metadata,
    Column("certification_id", ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True),
    Column("required_id", ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True),
)

step_certifications = Table(
    "step_certifications",
    Base.metadata,
    Column("step_id", ForeignKey("steps.id", ondelete="CASCADE"), primary_key=True),
    Column("certification_id", ForeignKey("certifications.id", ondelete="CASCADE"), primary_key=True),
)


class Workflow(Base):
    __tablename__ = "workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    code_directory: Mapped[str | None] = mapped_column(Text)
    sample_data_load_function: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list["WorkflowVersion"]] = relationship(back_populates="workflow")
    certifications: Mapped[list["Certification"]] = relationship(back_populates="workflow")


class WorkflowVersion(Base):
    """One version of a workflow; `definition` holds the validated version.json the engine runs."""

    __tablename__ = "workflow_versions"
    __table_args__ = (UniqueConstraint("workflow_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict[str, Any]]
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    workflow: Mapped[Workflow] = relationship(back_populates="versions")
    steps: Mapped[list["Step"]] = relationship(back_populates="version", order_by="Step.position")


class Certification(Base):
    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("workflow_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("workflows.id"))
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    workflow: Mapped[Workflow] = relationship(back_populates="certifications")
    required_certifications: Mapped[list["Certification"]] = relationship(
        secondary=certification_requirements,
        primaryjoin=lambda: Certification.id == certification_requirements.c.certification_id,
        secondaryjoin=lambda: Certification.id == certification_requirements.c.required_id,
    )


class Step(Base):
    """A step row gives tasks a stable foreign key; its meaning lives in the version's definition."""

    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"))
    slug: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    is_human: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[WorkflowVersion] = relationship(back_populates="steps")
    required_certifications: Mapped[list[Certification]] = relationship(secondary=step_certifications)


# --- people ---------------------------------------------------------------------------------------


class Worker(Base):
    """An expert, keyed by Slack user id."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), unique=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    first_name: Mapped[str] = mapped_column(String(150), default="")
    last_name: Mapped[str] = mapped_column(String(150), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    slack_username: Mapped[str | None] = mapped_column(String(150))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_staffer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    max_autostaff_hours_per_day: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    certifications: Mapped[list["WorkerCertification"]] = relationship(back_populates="worker")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.username


class WorkerCertification(Base):
    __tablename__ = "worker_certifications"
    __table_args__ = (
        UniqueConstraint("certification_id", "worker_id", "task_class", "role"),
        Index("ix_worker_certifications_staffing", "certification_id", "role", "task_class"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    task_class: Mapped[TaskClass] = mapped_column(str_enum(TaskClass), default=TaskClass.REAL)
    staffbot_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    staffing_priority: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    worker: Mapped[Worker] = relationship(back_populates="certifications")
    certification: Mapped[Certification] = relationship()


# --- projects and work ------------------------------------------------------------------------------


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("client_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_version_id: Mapped[int] = mapped_column(ForeignKey("workflow_versions.id"), index=True)
    short_description: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(default=0)
    project_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    task_class: Mapped[TaskClass] = mapped_column(str_enum(TaskClass), default=TaskClass.REAL)
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus), default=ProjectStatus.ACTIVE,
                                                  index=True)
    start_datetime: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    scratchpad_url: Mapped[str | None] = mapped_column(Text)
    slack_channel_id: Mapped[str | None] = mapped_column(String(32))
    slack_channel_name: Mapped[str | None] = mapped_column(String(80))
    client_id: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))

    version: Mapped[WorkflowVersion] = relationship()
    tasks: Mapped[list["Task"]] = relationship(back_populates="project", order_by="Task.id")


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("project_id", "step_id"),
        Index("ix_tasks_step_status", "step_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"))
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.AWAITING_PROCESSING,
                                               index=True)
    start_datetime: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tags: Mapped[dict[str, Any]] = mapped_column(default=lambda: {"tags": []})
    last_error: Mapped[str | None] = mapped_column(Text)

    project: Mapped[Project] = relationship(back_populates="tasks")
    step: Mapped[Step] = relationship()
    assignments: Mapped[list["TaskAssignment"]] = relationship(
        back_populates="task", order_by="TaskAssignment.assignment_counter"
    )


class TaskAssignment(Base):
    """Counter 0 is the core expert, 1..n the reviewers, in order."""

    __tablename__ = "task_assignments"
    __table_args__ = (
        UniqueConstraint("task_id", "assignment_counter"),
        UniqueConstraint("task_id", "worker_id"),
        Index(
            "uq_task_assignments_one_processing",
            "task_id",
            unique=True,
            sqlite_where=text("status = 'processing'"),
            postgresql_where=text("status = 'processing'"),
        ),
        Index("ix_task_assignments_worker_status", "worker_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"))
    assignment_counter: Mapped[int] = mapped_column(default=0)
    status: Mapped[AssignmentStatus] = mapped_column(str_enum(AssignmentStatus),
                                                     default=AssignmentStatus.PROCESSING)
    in_progress_task_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    start_datetime: Mapped[datetime] = mapped_column(default=utcnow)

    task: Mapped[Task] = relationship(back_populates="assignments")
    worker: Mapped[Worker | None] = relationship()
    iterations: Mapped[list["Iteration"]] = relationship(
        back_populates="assignment", order_by="Iteration.start_datetime, Iteration.id",
        cascade="all, delete-orphan",
    )


class Iteration(Base):
    """One contiguous stretch of work by an assignment."""

    __tablename__ = "iterations"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("task_assignments.id", ondelete="CASCADE"),
                                               index=True)
    status: Mapped[IterationStatus] = mapped_column(str_enum(IterationStatus),
                                                    default=IterationStatus.PROCESSING)
    start_datetime: Mapped[datetime] = mapped_column(default=utcnow)
    end_datetime: Mapped[datetime | None]
    submitted_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    feedback: Mapped[str | None] = mapped_column(Text)

    assignment: Mapped[TaskAssignment] = relationship(back_populates="iterations")


class TimeEntry(Base):
    __tablename__ = "time_entries"
    __table_args__ = (Index("ix_time_entries_worker_date", "worker_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("task_assignments.id", ondelete="SET NULL"), index=True
    )
    date: Mapped[date] = mapped_column(Date)
    seconds: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200), default="")
    timer_start_time: Mapped[datetime | None]
    timer_stop_time: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskTimer(Base):
    """At most one running timer per worker (the primary key says so)."""

    __tablename__ = "task_timers"

    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("task_assignments.id", ondelete="SET NULL"))
    start_time: Mapped[datetime | None]
    description: Mapped[str] = mapped_column(String(200), default="")


# --- delivery and audit --------------------------------------------------------------------------------


class OutboxMessage(Base):
    """Work to do after commit: a machine step, a Slack call, a webhook. Written with the state change."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    backoff_seconds: Mapped[float] = mapped_column(Float, default=2.0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)


class ProjectEvent(Base):
    """Append-only log: who changed what, when, from where."""

    __tablename__ = "project_events"
    __table_args__ = (Index("ix_project_events_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(100))
    source: Mapped[EventSource] = mapped_column(str_enum(EventSource))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedDelivery(Base):
    """Idempotency keys of deliveries already handled (Slack interactions, events, API requests)."""

    __tablename__ = "processed_deliveries"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- client API --------------------------------------------------------------------------------------


class ApiKey(Base):
    """A client system's HTTP-signature key. Several may be valid at once; revoking keeps the row.

    The secret is an HMAC key, so it is stored as given (it must be read back to verify signatures);
    `__repr__` leaves it and the webhook secret out so they never reach a log line.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(100), unique=True)
    client: Mapped[str] = mapped_column(String(100), default="")
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_secret: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        state = "revoked" if self.revoked_at else "active"
        return f"<ApiKey {self.key_id!r} client={self.client!r} {state}>"


class SeenSignature(Base):
    """Signatures of state-changing API requests already served, so a replay inside the Date window is refused."""

    __tablename__ = "api_seen_signatures"
    __table_args__ = (UniqueConstraint("key_id", "signature", "request_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(100))
    signature: Mapped[str] = mapped_column(String(128))
    request_digest: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookDelivery(Base):
    """One attempt to POST a webhook: what was sent where, and what came back."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_key", "key_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str] = mapped_column(String(64), index=True)
    key_id: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[int | None] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(default=1)
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- StaffBot and SanityBot ------------------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class StaffingRequest(Base):
    """StaffBot looking for someone to take assignment `required_role_counter` of a task.

    `winner_worker_id` is set once, by a conditional UPDATE (`... WHERE winner_worker_id IS NULL`), and the
    partial unique index on responses backs it up: one winner per request, whatever the timing.
    """

    __tablename__ = "staffing_requests"
    __table_args__ = (
        Index("ix_staffing_requests_due", "status", "last_inquiry_sent"),
        Index("ix_staffing_requests_task", "task_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    required_role_counter: Mapped[int] = mapped_column(default=0)
    cause: Mapped[StaffingCause] = mapped_column(str_enum(StaffingCause), default=StaffingCause.USER)
    status: Mapped[StaffingStatus] = mapped_column(str_enum(StaffingStatus), default=StaffingStatus.SENDING_INQUIRIES)
    replaced_worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    requested_by: Mapped[str] = mapped_column(String(100), default="system")
    requested_from: Mapped[EventSource] = mapped_column(str_enum(EventSource), default=EventSource.SYSTEM)
    winner_worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id", ondelete="SET NULL"))
    last_inquiry_sent: Mapped[datetime | None]
    last_warned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class StaffingInquiry(Base):
    """One offer of a request to one expert; `slack_channel`/`slack_ts` locate the DM so it can be updated."""

    __tablename__ = "staffing_inquiries"
    __table_args__ = (
        UniqueConstraint("request_id", "worker_id"),
        Index("ix_staffing_inquiries_worker", "worker_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id", ondelete="CASCADE"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    method: Mapped[InquiryMethod] = mapped_column(str_enum(InquiryMethod), default=InquiryMethod.SLACK)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffingResponse(Base):
    """An expert's answer to an offer. At most one winning response per request (partial unique index)."""

    __tablename__ = "staffing_responses"
    __table_args__ = (
        Index(
            "uq_staffing_responses_one_winner",
            "request_id",
            unique=True,
            sqlite_where=text("is_winner"),
            postgresql_where=text("is_winner"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("staffing_inquiries.id", ondelete="CASCADE"), unique=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    is_available: Mapped[bool] = mapped_column(Boolean)
    is_winner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerAvailability(Base):
    """Hours an expert can work on each day of one week (starting Monday), for auto-staffing."""

    __tablename__ = "worker_availabilities"
    __table_args__ = (
        UniqueConstraint("worker_id", "week_start"),
        *(CheckConstraint(f"hours_{day} >= 0 AND hours_{day} <= 24", name=f"hours_{day}_range") for day in WEEKDAYS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)
    hours_monday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_tuesday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_wednesday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_thursday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_friday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_saturday: Mapped[float] = mapped_column(Float, default=0.0)
    hours_sunday: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def hours_on(self, day: date) -> float:
        return float(getattr(self, f"hours_{WEEKDAYS[day.weekday()]}"))


class SanityCheckRecord(Base):
    """A sanity check SanityBot handled for a project (Orchestra's SanityCheck, saved only when handled)."""

    __tablename__ = "sanity_checks"
    __table_args__ = (Index("ix_sanity_checks_project_slug", "project_id", "check_slug", "handled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    check_slug: Mapped[str] = mapped_column(String(200))
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
