"""Submitting, reviewing and returning work: one and two review levels, drafts, illegal moves, skip (§2.7 to §2.10)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from store.enums import ProjectStatus, TaskStatus
from tests.support.world import ACTOR, World, human
from workflows import assignment, submission
from workflows.errors import (
    IllegalTaskSubmission,
    TaskAssignmentError,
    TaskChanged,
    TaskStatusError,
    ValidationError,
)
from workflows.worksheet import current_version

WF = "reviewed"
ALWAYS = lambda: 0.0  # noqa: E731  (rng below any rate > 0: sampled review happens)
NEVER = lambda: 0.99  # noqa: E731


def sampled(rate: float, max_reviews: int) -> dict[str, Any]:
    return {"policy": "sampled_review", "rate": rate, "max_reviews": max_reviews}


def setup(world: World, review_policy: dict[str, Any], *, then: bool = False) -> tuple[int, int]:
    """A workflow with one reviewed step `work` (and a follow-up step `next` when `then`); returns project, task."""
    steps = [human("work", review_policy=review_policy)]
    if then:
        steps.append(human("next", creation_depends_on=["work"]))
    world.load(WF, steps)
    project = world.create(WF)
    return project, world.task_id(project, "work")


def people(world: World, *names: str) -> list[int]:
    return [world.worker(name) for name in names]


def assign(world: World, task: int, worker: int) -> None:
    world.run(assignment.assign_task, task, worker, actor=ACTOR)


def submit(world: World, task: int, worker: int, data: dict[str, Any] | None = None,
           rng: Callable[[], float] = ALWAYS) -> None:
    world.run(submission.submit_task, task, worker, data, actor=ACTOR, rng=rng)


def accept(world: World, task: int, worker: int, data: dict[str, Any] | None = None,
           rng: Callable[[], float] = ALWAYS) -> None:
    world.run(submission.accept_task, task, worker, data, actor=ACTOR, rng=rng)


def give_back(world: World, task: int, worker: int, feedback: str, data: dict[str, Any] | None = None) -> None:
    world.run(submission.return_task, task, worker, feedback, data, actor=ACTOR)


def refused(move: Callable[[], None]) -> None:
    with pytest.raises(TaskStatusError):
        move()


def check_iteration_invariants(task: dict[str, Any]) -> list[tuple[int, str]]:
    """Orchestra's iteration invariants (§1.3) over a `project_information` task; returns (counter, status)."""
    counter_of = {a["id"]: counter for counter, a in enumerate(task["assignments"])}
    iterations = sorted((it for a in task["assignments"] for it in a["iterations"]),
                        key=lambda it: (it["start_datetime"], it["id"]))
    first_ids = {a["iterations"][0]["id"] for a in task["assignments"]}
    assert counter_of[iterations[0]["assignment"]] == 0
    for before, after in itertools.pairwise(iterations):
        step = {"Requested Review": 1, "Provided Review": -1}[before["status"]]
        assert counter_of[after["assignment"]] == counter_of[before["assignment"]] + step
        if after["id"] not in first_ids:  # a new assignment's first iteration starts when it was assigned
            assert after["start_datetime"] == before["end_datetime"]
    for it in iterations[:-1]:
        assert it["status"] != "Processing"
        assert it["end_datetime"] is not None
    for a in task["assignments"]:
        assert a["iterations"][0]["start_datetime"] == a["start_datetime"]
    last = iterations[-1]
    last_assignment = task["assignments"][counter_of[last["assignment"]]]
    if last["status"] == "Processing":
        assert last["submitted_data"] == {} and last["end_datetime"] is None
        assert last_assignment["status"] == "Processing"
        assert task["status"] in ("Processing", "Reviewing", "Post-review Processing")
    elif last["status"] == "Requested Review":
        assert task["status"] in ("Pending Review", "Complete")
    else:
        assert task["status"] == "Post-review Processing"
    assert sum(a["status"] == "Processing" for a in task["assignments"]) <= 1
    return [(counter_of[it["assignment"]], it["status"]) for it in iterations]


# --- review levels: the worked cases of §2.9 -----------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (sampled(1, 1), [TaskStatus.PENDING_REVIEW, TaskStatus.COMPLETE]),
        (sampled(1, 2), [TaskStatus.PENDING_REVIEW, TaskStatus.PENDING_REVIEW, TaskStatus.COMPLETE]),
        (sampled(1, 0), [TaskStatus.COMPLETE]),
        (sampled(0, 3), [TaskStatus.COMPLETE]),
        ({"policy": "no_review"}, [TaskStatus.COMPLETE]),
    ],
    ids=["rate-1-max-1", "rate-1-max-2", "max-0", "rate-0", "no-review"],
)
def test_the_review_policy_decides_after_each_submission_whether_another_review_follows(
    world: World, policy: dict[str, Any], expected: list[TaskStatus]
) -> None:
    project, task = setup(world, policy, then=True)
    workers = people(world, "ann", "rev1", "rev2", "rev3")
    assign(world, task, workers[0])
    submit(world, task, workers[0], {"v": 0})
    seen = [world.status(project, "work")]
    for level, reviewer in enumerate(workers[1:len(expected)], start=1):
        assign(world, task, reviewer)
        assert world.status(project, "work") is TaskStatus.REVIEWING
        accept(world, task, reviewer, {"v": level})
        seen.append(world.status(project, "work"))
    assert seen == expected
    final = world.task(project, "work")
    assert final["latest_data"] == {"v": len(expected) - 1}
    assert [a["status"] for a in final["assignments"]] == ["Submitted"] * len(expected)
    assert world.has_task(project, "next")
    assert world.status(project, "next") is TaskStatus.AWAITING_PROCESSING
    assert check_iteration_invariants(final) == [(c, "Requested Review") for c in range(len(expected))]


def test_sampled_review_draws_from_the_injected_random_source(world: World) -> None:
    world.load(WF, [human("work", review_policy=sampled(0.5, 1))])
    ann = world.worker("ann")
    reviewed, unreviewed = world.create(WF), world.create(WF)
    for project, rng in ((reviewed, lambda: 0.49), (unreviewed, lambda: 0.5)):
        task = world.task_id(project, "work")
        assign(world, task, ann)
        submit(world, task, ann, {}, rng=rng)
    assert world.status(reviewed, "work") is TaskStatus.PENDING_REVIEW
    assert world.status(unreviewed, "work") is TaskStatus.COMPLETE
    assert world.project_status(unreviewed) is ProjectStatus.COMPLETED
    assert world.project_status(reviewed) is ProjectStatus.ACTIVE


# --- returns and re-submissions ---------------------------------------------------------------------------


def test_a_return_goes_to_the_worker_with_the_reviewers_data_and_the_fix_goes_back_to_the_same_reviewer(
    world: World,
) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, rev = people(world, "ann", "rev")
    assign(world, task, ann)
    submit(world, task, ann, {"text": "first"})
    assign(world, task, rev)
    give_back(world, task, rev, "  Needs a title.  ", {"text": "first", "note": "see title"})

    returned = world.task(project, "work")
    assert returned["status"] == "Post-review Processing"
    entry, review = returned["assignments"]
    assert (entry["status"], review["status"]) == ("Processing", "Submitted")
    assert entry["in_progress_task_data"] == {"text": "first", "note": "see title"}
    assert review["iterations"][0]["status"] == "Provided Review"
    assert review["iterations"][0]["feedback"] == "Needs a title."
    assert review["iterations"][0]["submitted_data"] == {"text": "first", "note": "see title"}
    assert len(entry["iterations"]) == 2 and entry["iterations"][1]["status"] == "Processing"

    # the re-submission does not consult the review policy: it goes straight back to the same reviewer
    submit(world, task, ann, {"text": "second"}, rng=NEVER)
    resubmitted = world.task(project, "work")
    assert resubmitted["status"] == "Reviewing"
    entry, review = resubmitted["assignments"]
    assert review["worker"]["username"] == "rev"
    assert (entry["status"], review["status"]) == ("Submitted", "Processing")
    assert review["in_progress_task_data"] == {"text": "second"}
    assert len(resubmitted["assignments"]) == 2

    accept(world, task, rev)
    done = world.task(project, "work")
    assert done["status"] == "Complete"
    assert done["latest_data"] == {"text": "second"}
    assert check_iteration_invariants(done) == [
        (0, "Requested Review"), (1, "Provided Review"), (0, "Requested Review"), (1, "Requested Review"),
    ]
    returns = [e for e in world.events(project) if e["action"] == "task.return"]
    assert returns[0]["after"] == {"status": "post_review_processing", "feedback": "Needs a title."}


def test_a_second_reviewers_return_goes_to_the_first_reviewer_whose_fix_goes_back_to_the_second(
    world: World,
) -> None:
    project, task = setup(world, sampled(1, 2))
    ann, rev1, rev2 = people(world, "ann", "rev1", "rev2")
    assign(world, task, ann)
    submit(world, task, ann, {"v": "ann"})
    assign(world, task, rev1)
    accept(world, task, rev1, {"v": "rev1"})
    assign(world, task, rev2)
    give_back(world, task, rev2, "Tighten the intro.")

    returned = world.task(project, "work")
    assert returned["status"] == "Post-review Processing"
    assert [a["status"] for a in returned["assignments"]] == ["Submitted", "Processing", "Submitted"]
    assert returned["assignments"][1]["in_progress_task_data"] == {"v": "rev1"}
    with pytest.raises(IllegalTaskSubmission):
        submit(world, task, ann, {"v": "ann again"})

    submit(world, task, rev1, {"v": "rev1 fixed"}, rng=NEVER)
    fixed = world.task(project, "work")
    assert fixed["status"] == "Reviewing"
    assert [a["status"] for a in fixed["assignments"]] == ["Submitted", "Submitted", "Processing"]
    assert fixed["assignments"][2]["in_progress_task_data"] == {"v": "rev1 fixed"}

    accept(world, task, rev2)
    done = world.task(project, "work")
    assert done["status"] == "Complete"
    assert done["latest_data"] == {"v": "rev1 fixed"}
    assert check_iteration_invariants(done) == [
        (0, "Requested Review"), (1, "Requested Review"), (2, "Provided Review"),
        (1, "Requested Review"), (2, "Requested Review"),
    ]


@pytest.mark.parametrize("feedback", ["", "   "])
def test_a_return_without_feedback_is_refused_and_changes_nothing(world: World, feedback: str) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, rev = people(world, "ann", "rev")
    assign(world, task, ann)
    submit(world, task, ann, {"v": 1})
    assign(world, task, rev)
    before = world.task(project, "work")
    with pytest.raises(ValidationError, match="Feedback is required"):
        give_back(world, task, rev, feedback)
    assert world.task(project, "work") == before


def test_iterations_of_a_task_under_way_satisfy_the_invariants_at_every_step(world: World) -> None:
    project, task = setup(world, sampled(1, 2))
    ann, rev1, rev2 = people(world, "ann", "rev1", "rev2")
    moves: list[Callable[[], None]] = [
        lambda: assign(world, task, ann),
        lambda: submit(world, task, ann, {"a": 1}),
        lambda: assign(world, task, rev1),
        lambda: give_back(world, task, rev1, "again"),
        lambda: submit(world, task, ann, {"a": 2}),
        lambda: accept(world, task, rev1),
        lambda: assign(world, task, rev2),
        lambda: give_back(world, task, rev2, "once more"),
        # a first reviewer holding returned work cannot pass it further down: it is not under review
        lambda: refused(lambda: give_back(world, task, rev1, "ann, please")),
        lambda: submit(world, task, rev1, {"a": 3}),
        lambda: accept(world, task, rev2),
    ]
    for move in moves:
        move()
        check_iteration_invariants(world.task(project, "work"))
    task_json = world.task(project, "work")
    assert task_json["status"] == "Complete"
    assert task_json["latest_data"] == {"a": 3}
    assert check_iteration_invariants(task_json) == [
        (0, "Requested Review"), (1, "Provided Review"), (0, "Requested Review"), (1, "Requested Review"),
        (2, "Provided Review"), (1, "Requested Review"), (2, "Requested Review"),
    ]


# --- drafts --------------------------------------------------------------------------------------------------


def test_saving_a_draft_keeps_the_data_without_changing_any_status(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    (ann,) = people(world, "ann")
    assign(world, task, ann)
    world.run(submission.save_task, task, ann, {"text": "draft"}, actor=ACTOR)
    saved = world.task(project, "work")
    assert saved["status"] == "Processing"
    assert saved["assignments"][0]["status"] == "Processing"
    assert saved["assignments"][0]["in_progress_task_data"] == {"text": "draft"}
    assert saved["assignments"][0]["iterations"][0]["submitted_data"] == {}
    assert [e["action"] for e in world.events(project)][-1] == "task.saved"
    # submitting without data hands in the draft
    submit(world, task, ann, None)
    submitted = world.task(project, "work")
    assert submitted["assignments"][0]["iterations"][0]["submitted_data"] == {"text": "draft"}


def test_a_draft_can_be_saved_only_by_a_worker_whose_part_is_in_progress(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, bob = people(world, "ann", "bob")
    assign(world, task, ann)
    with pytest.raises(TaskAssignmentError, match=f"You are not assigned to task {task}"):
        world.run(submission.save_task, task, bob, {"x": 1}, actor=ACTOR)
    with pytest.raises(ValidationError, match="JSON object"):
        world.run(submission.save_task, task, ann, ["not", "a", "dict"], actor=ACTOR)
    submit(world, task, ann, {"x": 2})
    with pytest.raises(TaskAssignmentError, match="already submitted"):
        world.run(submission.save_task, task, ann, {"x": 3}, actor=ACTOR)
    assert world.task(project, "work")["assignments"][0]["in_progress_task_data"] == {"x": 2}


# --- illegal transitions ---------------------------------------------------------------------------------------


def test_submitting_someone_elses_task_is_refused_and_changes_nothing(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, bob = people(world, "ann", "bob")
    assign(world, task, ann)
    before = world.task(project, "work")
    with pytest.raises(TaskAssignmentError, match=f"You are not assigned to task {task}"):
        submit(world, task, bob, {"mine": True})
    assert world.task(project, "work") == before


def test_accepting_a_completed_task_is_refused(world: World) -> None:
    project, task = setup(world, sampled(1, 1), then=True)
    ann, rev = people(world, "ann", "rev")
    assign(world, task, ann)
    submit(world, task, ann, {})
    assign(world, task, rev)
    accept(world, task, rev)
    with pytest.raises(TaskStatusError, match="Task already completed"):
        accept(world, task, rev)
    with pytest.raises(TaskStatusError, match="Task already completed"):
        submit(world, task, ann)
    assert world.status(project, "work") is TaskStatus.COMPLETE


def test_returning_or_accepting_a_task_that_is_not_under_review_is_refused(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    (ann,) = people(world, "ann")
    assign(world, task, ann)
    with pytest.raises(TaskStatusError, match="Task is not under review, so it cannot be returned"):
        give_back(world, task, ann, "why not")
    with pytest.raises(TaskStatusError, match="Task is not under review, so it cannot be accepted"):
        accept(world, task, ann)
    submit(world, task, ann, {})
    with pytest.raises(TaskStatusError, match="Task is not under review, so it cannot be returned"):
        give_back(world, task, ann, "pending review is not reviewing")
    assert world.status(project, "work") is TaskStatus.PENDING_REVIEW
    assert [a["status"] for a in world.task(project, "work")["assignments"]] == ["Submitted"]


def test_submitting_while_the_task_is_pending_review_or_under_review_is_refused(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, rev = people(world, "ann", "rev")
    assign(world, task, ann)
    submit(world, task, ann, {"v": 1})
    with pytest.raises(TaskStatusError, match="Task has illegal status for submit"):
        submit(world, task, ann, {"v": 2})
    assign(world, task, rev)
    for who in (ann, rev):
        with pytest.raises(TaskStatusError, match="Task has illegal status for submit"):
            submit(world, task, who, {"v": 3})
    with pytest.raises(IllegalTaskSubmission, match="not waiting on you"):
        accept(world, task, ann)
    reviewing = world.task(project, "work")
    assert reviewing["status"] == "Reviewing"
    assert reviewing["assignments"][1]["in_progress_task_data"] == {"v": 1}


def test_task_data_must_be_a_json_object(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    (ann,) = people(world, "ann")
    assign(world, task, ann)
    with pytest.raises(ValidationError, match="JSON object"):
        submit(world, task, ann, "text")  # type: ignore[arg-type]
    assert world.status(project, "work") is TaskStatus.PROCESSING


# --- complete and skip -----------------------------------------------------------------------------------------


def skip(world: World, task: int, rng: Callable[[], float] = ALWAYS) -> None:
    world.run(submission.complete_and_skip_task, task, actor=ACTOR, rng=rng)


def test_skipping_an_assigned_task_submits_the_draft_with_the_internal_flag_and_review_still_applies(
    world: World,
) -> None:
    project, task = setup(world, sampled(1, 1))
    (ann,) = people(world, "ann")
    assign(world, task, ann)
    world.run(submission.save_task, task, ann, {"text": "draft"}, actor=ACTOR)
    skip(world, task)
    skipped = world.task(project, "work")
    assert skipped["status"] == "Pending Review"
    expected = {"text": "draft", "_orchestra_internal": {"complete_and_skip_task": True}}
    assert skipped["assignments"][0]["status"] == "Submitted"
    assert skipped["assignments"][0]["iterations"][0]["submitted_data"] == expected
    assert skipped["latest_data"] == expected


def test_skipping_a_returned_task_sends_it_back_to_review_and_skipping_a_review_accepts_it(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    ann, rev = people(world, "ann", "rev")
    assign(world, task, ann)
    submit(world, task, ann, {"v": 1})
    assign(world, task, rev)
    give_back(world, task, rev, "redo")
    skip(world, task, rng=NEVER)
    assert world.status(project, "work") is TaskStatus.REVIEWING
    skip(world, task)
    done = world.task(project, "work")
    assert done["status"] == "Complete"
    assert done["latest_data"]["_orchestra_internal"] == {"complete_and_skip_task": True}
    assert world.project_status(project) is ProjectStatus.COMPLETED
    check_iteration_invariants(done)


def test_skipping_a_task_that_waits_for_a_reviewer_does_nothing(world: World) -> None:
    project, task = setup(world, sampled(1, 1))
    (ann,) = people(world, "ann")
    assign(world, task, ann)
    submit(world, task, ann, {"v": 1})
    before = world.task(project, "work")
    skip(world, task)
    assert world.task(project, "work") == before


def test_skipping_an_unassigned_task_completes_it_and_creates_what_depends_on_it(world: World) -> None:
    world.load(WF, [human("first"), human("second", creation_depends_on=["first"])])
    project = world.create(WF)
    skip(world, world.task_id(project, "first"))
    assert world.status(project, "first") is TaskStatus.COMPLETE
    assert world.status(project, "second") is TaskStatus.AWAITING_PROCESSING
    assert world.project_status(project) is ProjectStatus.ACTIVE
    skip(world, world.task_id(project, "second"))
    assert world.status(project, "second") is TaskStatus.COMPLETE
    assert world.project_status(project) is ProjectStatus.COMPLETED
    skipped = [e for e in world.events(project) if e["action"] == "task.skipped"]
    assert [e["before"] for e in skipped] == [{"status": "awaiting_processing"}] * 2
    with pytest.raises(Exception, match="completed"):
        skip(world, world.task_id(project, "second"))


def test_a_decision_made_on_an_out_of_date_view_is_refused_and_changes_nothing(world: World) -> None:
    world.load(WF, [human("write", review_policy={"policy": "sampled_review", "rate": 1, "max_reviews": 1})])
    author, reviewer = world.worker("author"), world.worker("reviewer")
    project = world.create(WF)
    task = world.task_id(project, "write")
    world.run(assignment.assign_task, task, author, actor=ACTOR)
    world.run(submission.submit_task, task, author, {"text": "v1"}, actor=ACTOR)
    world.run(assignment.assign_task, task, reviewer, actor=ACTOR)
    seen = world.read(current_version, task)  # what the reviewer's modal shows
    world.run(submission.return_task, task, reviewer, "More", actor=ACTOR, seen_version=seen)
    world.run(submission.submit_task, task, author, {"text": "v2"}, actor=ACTOR)
    with pytest.raises(TaskChanged, match="This task changed since you opened it"):
        world.run(submission.accept_task, task, reviewer, actor=ACTOR, seen_version=seen)
    assert world.status(project, "write") is TaskStatus.REVIEWING
    world.run(submission.accept_task, task, reviewer, actor=ACTOR, seen_version=world.read(current_version, task))
    assert world.status(project, "write") is TaskStatus.COMPLETE
