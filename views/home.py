"""The App Home view: a pure function of the dashboard."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from views.ids import Action
from workflows.dashboard import Dashboard, ItemState

SECTION_TITLES = {
    ItemState.RETURNED: "Returned to you",
    ItemState.IN_PROGRESS: "In progress",
    ItemState.AWAITING_REVIEW: "Waiting for review",
    ItemState.COMPLETE: "Recently completed",
}


def home_view(dashboard: Dashboard, page: int = 0) -> dict[str, Any]:
    blocks: list[Any] = [HeaderBlock(text="Tutti")]
    if not dashboard.is_expert:
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text="You are not set up as a Tutti expert yet. Ask an admin to add you.")))
        return View(type="home", blocks=blocks).to_dict()
    for state, title in SECTION_TITLES.items():
        items = dashboard.section(state)
        if not items:
            continue
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=title))
        for item in items[:10]:
            blocks.append(SectionBlock(
                text=MarkdownTextObject(text=f"*{item.step_name}* · {item.project_description or item.project_id}"),
                accessory=ButtonElement(text="Open", action_id=Action.TASK_OPEN.value, value=str(item.task_id)),
            ))
    return View(type="home", blocks=blocks).to_dict()
