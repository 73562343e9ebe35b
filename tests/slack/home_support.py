"""A small newsroom for the Home tests: one reviewed step needing `writer`, one step anyone may take."""

from __future__ import annotations

from typing import Any

from store.enums import TaskClass
from tests.slack.conftest import SlackWorld
from tests.support.world import ACTOR, human
from workflows import assignment, projects

WF = "desk"
ONE_REVIEW = {"policy": "sampled_review", "rate": 1, "max_reviews": 1}


def load_desk(world: SlackWorld) -> None:
    world.load(WF, [
        human("write", name="Write Story", required_certifications=["writer"], review_policy=ONE_REVIEW),
        human("rate", name="Rate Story", creation_depends_on=["write"], review_policy={"policy": "no_review"}),
    ], certifications=["writer"])


def load_open_step(world: SlackWorld) -> None:
    world.load("open", [human("rate", name="Rate Image", review_policy={"policy": "no_review"})])


def create(world: SlackWorld, workflow: str = WF, priority: int = 0, description: str = "a story",
           **data: Any) -> int:
    request = projects.ProjectRequest(workflow, "v1", description, priority, dict(data), TaskClass.REAL)
    project = world.run(projects.create_project, request, actor=ACTOR).project.id
    world.drain()
    return project


def assign(world: SlackWorld, project: int, step: str, worker: int) -> int:
    task = world.task_id(project, step)
    world.run(assignment.assign_task, task, worker, actor=ACTOR)
    return task
