"""Each project gets a private channel; people are invited and removed; lifecycle messages go there."""

from __future__ import annotations

from sandbox.driver import Sandbox
from store.enums import TaskClass, TaskStatus
from tests.slack.conftest import SlackWorld
from tests.support.world import ACTOR, human
from workflows import assignment, projects, submission
from workflows.workers import find_worker


def ids(world: SlackWorld, *names: str) -> list[int]:
    return [world.run(lambda s, n=n: find_worker(s, n).id) for n in names]


def channel_of(world: SlackWorld, project: int) -> str:
    channel = world.info(project)["project"]["slack_group_id"]
    assert channel, "the project has no channel"
    return channel


def test_a_new_project_gets_a_private_channel_named_after_it(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    info = sandbox.channel(channel_of(slack_world, project))
    assert info.name == f"project-{project}-a-test-project"
    assert info.is_private
    assert info.topic == "a test project"


def test_colliding_channel_names_get_a_suffix(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    sandbox.create_channel("project-1-a-test-project")
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    assert sandbox.channel(channel_of(slack_world, project)).name == "project-1-a-test-project-2"


def test_assigned_people_are_invited_welcomed_and_told_in_a_dm(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    editor, = ids(slack_world, "journalism-editor")
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "article_planning"), editor, actor=ACTOR)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    assert "UJEDITOR01" in sandbox.channel(channel).members
    seen = [m.text for m in sandbox.as_user("UJEDITOR01").messages(channel)]
    assert any("<@UJEDITOR01> has been added to the team" in t or "has been added to the team" in t for t in seen)
    assert any("picked up" in t for t in seen)
    assert any("You've been assigned" in m.text for m in sandbox.as_user("UJEDITOR01").dms())


def returned_story(world: SlackWorld, feedback: str, *, description: str = "") -> int:
    """A one-step reviewed `story` project whose draft the critic returned to its author with `feedback`."""
    world.load("story", [human("draft", required_certifications=["writer"])], certifications=["writer"])
    author = world.worker("author", "writer", workflow="story")
    reviewer = world.worker("critic", "writer", workflow="story", reviewer=("writer",))
    request = projects.ProjectRequest("story", "v1", description, 0, {}, TaskClass.REAL)
    project = world.run(projects.create_project, request, actor=ACTOR).project.id
    task = world.task_id(project, "draft")
    world.run(assignment.assign_task, task, author, actor=ACTOR)
    world.run(submission.submit_task, task, author, {"text": "v1"}, actor=ACTOR, rng=lambda: 0.0)
    world.run(assignment.assign_task, task, reviewer, actor=ACTOR)
    world.run(submission.return_task, task, reviewer, feedback, actor=ACTOR)
    world.settle()
    return project


def test_a_return_reaches_the_author_with_the_feedback(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    project = returned_story(slack_world, "Add a source.")
    assert slack_world.status(project, "draft") is TaskStatus.POST_REVIEW_PROCESSING
    author_dms = [m.text for m in sandbox.as_user("UAUTHOR").dms()]
    assert any("sent back" in t and "Add a source." in t for t in author_dms)
    channel = channel_of(slack_world, project)
    assert any("was returned" in m.text for m in sandbox.as_user("UCRITIC").messages(channel))


def test_reassigning_removes_the_replaced_worker_from_the_channel(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    editor, = ids(slack_world, "journalism-editor")
    other = slack_world.worker("second-editor", "editor", workflow="journalism")
    task = slack_world.task_id(project, "article_planning")
    created = slack_world.run(assignment.assign_task, task, editor, actor=ACTOR)
    slack_world.settle()
    slack_world.run(assignment.reassign_assignment, created.id, other, actor=ACTOR)
    slack_world.settle()
    members = sandbox.channel(channel_of(slack_world, project)).members
    assert "USECOND-ED" in members
    assert "UJEDITOR01" not in members


def test_a_finished_project_announces_it_and_archives_its_channel(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    slack_world.run(projects.abort_project, project, actor=ACTOR)
    slack_world.settle()
    channel = sandbox.channel(channel_of(slack_world, project))
    assert channel.is_archived
    posted = [c.args.get("text", "") for c in sandbox.calls("chat.postMessage") if c.args.get("channel") == channel.id]
    assert "has been aborted" in posted[-1]
    archive_calls = [c for c in sandbox.calls("conversations.archive") if c.args.get("channel") == channel.id]
    assert len(archive_calls) == 1


def test_slack_rate_limits_and_outages_delay_delivery_but_lose_nothing(
    slack_world: SlackWorld, sandbox: Sandbox
) -> None:
    slack_world.load_bundled()
    sandbox.faults.rate_limit("conversations.create", times=2, retry_after=1)
    sandbox.faults.fail("conversations.invite", error="internal_error", times=1, status=500)
    project = slack_world.create("journalism", drain=False)
    slack_world.settle(timeout=30)
    editor, = ids(slack_world, "journalism-editor")
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "article_planning"), editor, actor=ACTOR)
    slack_world.settle(timeout=30)
    assert "UJEDITOR01" in sandbox.channel(channel_of(slack_world, project)).members
    assert slack_world.dead_messages() == []
    assert len([c for c in sandbox.calls("conversations.create")]) >= 3


def test_a_message_to_the_team_sent_before_the_channel_exists_is_posted_once_it_does(
    slack_world: SlackWorld, sandbox: Sandbox
) -> None:
    from workflows.messaging import message_project_team

    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.run(message_project_team, project, "Kick-off at 10", actor=ACTOR)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    texts = [c.args.get("text") for c in sandbox.calls("chat.postMessage") if c.args.get("channel") == channel]
    assert "Kick-off at 10" in texts


def test_a_post_refused_with_not_in_channel_is_retried_and_arrives(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    slack_world.load_bundled()
    project = slack_world.create("journalism", drain=False)
    slack_world.settle()
    channel = channel_of(slack_world, project)
    sandbox.faults.fail("chat.postMessage", error="not_in_channel", times=1)
    editor, = ids(slack_world, "journalism-editor")
    slack_world.run(assignment.assign_task, slack_world.task_id(project, "article_planning"), editor, actor=ACTOR)
    slack_world.settle(timeout=30)
    refused = [c for c in sandbox.calls("chat.postMessage") if c.response.get("error") == "not_in_channel"]
    assert len(refused) == 1
    texts = [c.args.get("text", "") for c in sandbox.calls("chat.postMessage")
             if c.args.get("channel") == channel and c.response.get("ok")]
    assert any("picked up by <@UJEDITOR01>" in t for t in texts)
    assert any("has been added to the team" in t for t in texts)
    assert slack_world.dead_messages() == []


def test_text_people_typed_is_shown_as_typed_and_pings_nobody(slack_world: SlackWorld, sandbox: Sandbox) -> None:
    project = returned_story(slack_world, "<!channel> Cite <@UCRITIC> & a source.", description="Floods <!here>")
    returned = next(m.text for m in sandbox.as_user("UAUTHOR").dms() if "sent back" in m.text)
    assert "> <!channel> Cite <@UCRITIC> & a source." in returned
    assert "Floods <!here>" in returned
    in_channel = [m.text for m in sandbox.as_user("UCRITIC").messages(channel_of(slack_world, project))]
    assert any("<!channel> Cite <@UCRITIC> & a source." in t for t in in_channel)
    assert not any("@channel" in t or "@here" in t for t in [returned, *in_channel])
