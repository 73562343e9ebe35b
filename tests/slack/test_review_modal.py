"""Reviewing in the review modal: take, accept, return with feedback, resubmission, history, races, refusals."""

from __future__ import annotations

import copy
import threading

from sandbox.driver import Sandbox, UserSession
from store.enums import TaskStatus
from tests.slack.conftest import ServedTutti, SlackWorld, double_click
from tests.slack.test_task_modal import assign, journalism_with_planning_done, open_task, worker_id
from tests.support.world import ACTOR
from workflows import assignment, submission


def reporting_submitted(world: SlackWorld) -> tuple[int, int]:
    project = journalism_with_planning_done(world)
    task = assign(world, project, "reporting", "journalism-reporter-1")
    world.run(submission.submit_task, task, worker_id(world, "journalism-reporter-1"),
              {"article": "The river rose."}, actor=ACTOR)
    return project, task


def open_review(person: UserSession) -> None:
    person.open_home()
    person.click("Open", within="home")
    person.wait_for_modal()


def robin_reviewing(slack_world: SlackWorld, sandbox: Sandbox) -> tuple[int, int, UserSession]:
    """Reporting submitted, Robin (journalism-reporter-2) assigned to review it, with the review open."""
    project, task = reporting_submitted(slack_world)
    slack_world.run(assignment.assign_task, task, worker_id(slack_world, "journalism-reporter-2"), actor=ACTOR)
    robin = sandbox.as_user("UJREPORT02")
    open_review(robin)
    return project, task, robin


def test_a_reviewer_takes_the_review_and_accepts_it(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _ = reporting_submitted(slack_world)
    robin = sandbox.as_user("UJREPORT02")
    open_review(robin)
    modal = robin.modal()
    assert "The river rose." in modal.text
    assert "Accept" not in modal.text
    robin.click("Take this review")
    sandbox.wait_for(lambda: "[Accept]" in robin.modal().text or None, "the Accept button")
    assert "You are now reviewing this task." in robin.modal().text
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    robin.click("Accept")
    sandbox.wait_for(lambda: "Accepted." in robin.modal().text or None, "the accepted note")
    assert slack_world.status(project, "reporting") is TaskStatus.COMPLETE


def test_returning_needs_feedback_and_the_fix_goes_back_to_the_same_reviewer_with_the_history(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _, robin = robin_reviewing(slack_world, sandbox)
    robin.click("Return")
    feedback = robin.wait_for_modal("Return with feedback")
    assert feedback.depth == 2
    robin.submit()
    assert robin.modal().errors == {"Feedback": "Feedback is required: say what needs to change."}
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    robin.fill("Feedback", "Quote the mayor.")
    robin.submit()
    assert "Returned" in robin.modal().text
    assert slack_world.status(project, "reporting") is TaskStatus.POST_REVIEW_PROCESSING

    riley = sandbox.as_user("UJREPORT01")
    modal = open_task(riley)
    assert "Quote the mayor." in modal.text
    assert modal.state["article"]["form.value"]["value"] == "The river rose."
    riley.fill("Article", "The river rose, said the mayor.")
    riley.submit()
    assert "went back to your reviewer" in riley.modal().text
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    reviewers = [a.worker_id for a in slack_world.assignments(project, "reporting") if a.assignment_counter == 1]
    assert reviewers == [worker_id(slack_world, "journalism-reporter-2")]

    robin.close()
    open_review(robin)
    review = robin.modal()
    assert "The river rose, said the mayor." in review.text
    assert "Round 1" in review.text and "Round 4" in review.text
    assert "returned with feedback" in review.text and "> Quote the mayor." in str(review.blocks)


def test_a_reviewer_without_the_certification_cannot_take_the_review(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task = reporting_submitted(slack_world)
    casey = sandbox.as_user("UJCOPYED01")
    outcome = sandbox.interactions.act  # Casey has no button on Home: she forges the click
    home_view_id = None
    casey.open_home()
    home = casey.home()
    assert home is not None
    home_view_id = home.id
    from sandbox.interactions import Target

    block = {"type": "actions", "block_id": "forged", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Open"}, "action_id": "review.open",
         "value": str(task)}]}
    sandbox.workspace.homes[casey.user.id].blocks.append(block)
    outcome(casey.user.id, Target(view_id=home_view_id), "forged", "review.open")
    modal = casey.wait_for_modal()
    assert "cannot review this task" in modal.text and "not certified" in modal.text
    assert slack_world.status(project, "reporting") is TaskStatus.PENDING_REVIEW


def test_two_reviewers_at_once_have_one_effect_and_the_other_is_told(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _ = reporting_submitted(slack_world)
    slack_world.worker("reviewer3", "reporter", workflow="journalism", reviewer=("reporter",))
    robin, third = sandbox.as_user("UJREPORT02"), sandbox.as_user("UREVIEWER3")
    open_review(robin)
    open_review(third)
    threads = [threading.Thread(target=p.click, args=("Take this review",)) for p in (robin, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = [sandbox.wait_for(lambda p=p: (m := p.modal()) and "review" in m.text.lower() and
                              ("[Accept]" in m.text or "Could not take" in m.text) and m.text, "an answer")
             for p in (robin, third)]
    assert sum("[Accept]" in t for t in texts) == 1
    assert sum("Could not take this review" in t for t in texts) == 1
    winner, loser = (robin, third) if "[Accept]" in texts[0] else (third, robin)

    # The loser presses Accept on a copy of the winner's modal at the same moment as the winner.
    mine = sandbox.workspace.find_view(view_id=winner.modal().id)
    forged = copy.deepcopy(mine)
    forged.id, forged.user_id = "VFORGED001", loser.user.id
    sandbox.workspace.modals[loser.user.id] = [forged]
    threads = [threading.Thread(target=p.click, args=("Accept",)) for p in (winner, loser)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert slack_world.status(project, "reporting") is TaskStatus.COMPLETE
    accepted = [e for e in slack_world.events(project) if e["action"] == "task.accept"]
    assert len(accepted) == 1
    sandbox.wait_for(lambda: "Accepted." in winner.modal().text or None, "the winner's note")
    sandbox.wait_for(lambda: ("Only the reviewer assigned" in loser.modal().text
                              or "already decided" in loser.modal().text) or None, "the loser's note")


def test_a_double_clicked_accept_has_one_effect(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, _, robin = robin_reviewing(slack_world, sandbox)
    sandbox.faults.duplicate_next("interaction")
    robin.click("Accept")
    sandbox.wait_for(lambda: "Accepted." in robin.modal().text or None, "the accepted note")
    assert len([e for e in slack_world.events(project) if e["action"] == "task.accept"]) == 1
    assert slack_world.status(project, "reporting") is TaskStatus.COMPLETE


def test_a_double_clicked_take_takes_the_review_once_without_a_false_error(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task = reporting_submitted(slack_world)
    robin = sandbox.as_user("UJREPORT02")
    open_review(robin)
    modal = double_click(sandbox, robin, "Take this review")
    assert "You are now reviewing this task." in modal.text and "[Accept]" in modal.text
    assert "Could not take this review" not in modal.text
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    assigned = [e for e in slack_world.events(project) if e["action"] == "task.assigned" and e["task_id"] == task]
    assert len(assigned) == 2  # the author, then Robin once


def test_taking_a_review_one_already_holds_from_another_device_says_so(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task = reporting_submitted(slack_world)
    robin = sandbox.as_user("UJREPORT02")
    open_review(robin)
    slack_world.run(assignment.assign_task, task, worker_id(slack_world, "journalism-reporter-2"), actor=ACTOR)
    robin.click("Take this review")  # on the modal drawn before: Robin took it meanwhile on their phone
    text = sandbox.wait_for(lambda: (m := robin.modal()) and "already reviewing" in m.text and m.text,
                            "the answer")
    assert "someone else took it first" not in text
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING


def resubmitted_behind_robins_back(world: SlackWorld, task: int) -> None:
    """Meanwhile (another device, the API) the review is returned and the author resubmits other work."""
    world.run(submission.return_task, task, worker_id(world, "journalism-reporter-2"), "Needs a quote", actor=ACTOR)
    world.run(submission.submit_task, task, worker_id(world, "journalism-reporter-1"),
              {"article": "The river rose, said the mayor."}, actor=ACTOR)


def test_accept_in_a_review_modal_opened_before_a_resubmission_is_refused(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task, robin = robin_reviewing(slack_world, sandbox)
    assert "The river rose." in robin.modal().text
    resubmitted_behind_robins_back(slack_world, task)
    robin.click("Accept")
    modal = sandbox.wait_for(lambda: (m := robin.modal()) and "changed since you opened it" in m.text and m,
                             "the refusal")
    assert "nothing was done" in modal.text and "Accepted." not in modal.text
    assert "The river rose, said the mayor." in modal.text  # the redrawn modal shows the work now under review
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    robin.click("Accept")  # having seen it
    sandbox.wait_for(lambda: "Accepted." in robin.modal().text or None, "the accepted note")
    assert slack_world.status(project, "reporting") is TaskStatus.COMPLETE


def test_returning_from_a_review_modal_opened_before_a_resubmission_is_refused(
        slack_world: SlackWorld, served: ServedTutti, sandbox: Sandbox) -> None:
    project, task, robin = robin_reviewing(slack_world, sandbox)
    robin.click("Return")
    robin.wait_for_modal("Return with feedback")
    robin.fill("Feedback", "Shorter, please.")
    resubmitted_behind_robins_back(slack_world, task)
    robin.submit()
    assert "changed since you opened it" in robin.modal().errors["Feedback"]
    assert slack_world.status(project, "reporting") is TaskStatus.REVIEWING
    rounds = slack_world.assignments(project, "reporting")[1].iterations
    assert [i.feedback for i in rounds] == ["Needs a quote", None]  # "Shorter, please." went nowhere
