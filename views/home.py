"""The App Home tab: a pure function of the dashboard, paged so it never exceeds Slack's 100 blocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.blocks import (
    Block as SlackBlock,
)
from slack_sdk.models.views import View

from store.enums import Role
from store.types import utcnow
from views.forms import clip, escape
from views.ids import Action, Block, Callback, keyed
from views.staffing import available_offers_blocks
from workflows.dashboard import Dashboard, DashboardItem, OpenAs, Qualification, RunningTimer, Section

MAX_BLOCKS = 100
ITEMS_PER_PAGE = 20
MAX_QUALIFICATIONS = 12
NAV_BLOCKS = 2
FEEDBACK_CHARS = 600
DESCRIPTION_CHARS = 150
MAX_OFFERS = 5

SECTION_TITLES = {
    Section.RETURNED: "Returned to you",
    Section.IN_PROGRESS: "In progress",
    Section.AWAITING_REVIEW: "Waiting for review",
    Section.AVAILABLE_REVIEW: "Reviews you can take",
    Section.PAUSED: "Paused projects",
    Section.COMPLETE: "Recently completed",
}

NOT_AN_EXPERT = (
    "Hi! You are not set up as a Tutti expert yet, so there is no work to show you here. "
    "Ask an admin to add you (`/tutti certify`)."
)


# --- "Get a task" button values -------------------------------------------------------------------


def qualification_value(qualification: Qualification) -> str:
    """The button value naming a certification (empty: steps needing none) and a role."""
    return f"{qualification.role.value}:{qualification.certification_slug or ''}"


def parse_qualification(value: str) -> tuple[str | None, Role]:
    """The inverse of `qualification_value`; raises ValueError on anything else."""
    role, _, slug = value.partition(":")
    return slug or None, Role(role)


def get_task_label(qualification: Qualification) -> str:
    """The button text: unique per certification and role ("Get Editor task", "Get Reporter review")."""
    noun = "review" if qualification.role is Role.REVIEWER else "task"
    if qualification.certification_slug is None:
        return f"Get a {noun}"
    return f"Get {qualification.certification_name} {noun}"[:75]


# --- the Home tab ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    number: int  # 0-based
    count: int
    items: list[DashboardItem]


def home_view(dashboard: Dashboard, page: int = 0, notice: str | None = None,
              now: datetime | None = None) -> dict[str, Any]:
    """The Home view for `page` (clamped to the pages that exist), with an optional notice at the top."""
    now = now or utcnow()
    head: list[SlackBlock] = [HeaderBlock(text="Your Tutti work")]
    if notice:
        head.append(SectionBlock(block_id=Block.HOME_NOTICE.value, text=_md(notice[:3000])))
    if not dashboard.is_expert:
        head.append(SectionBlock(text=_md(NOT_AN_EXPERT)))
        return View(type="home", blocks=head).to_dict()
    head.extend(_timer_blocks(dashboard.timer, now))
    head.extend(_get_task_blocks(dashboard))
    head.extend(available_offers_blocks(list(dashboard.offers), limit=MAX_OFFERS))  # StaffBot (views/staffing.py)
    budget = MAX_BLOCKS - len(head) - NAV_BLOCKS
    pages = paginate(dashboard.items, budget, timer_running=dashboard.timer is not None)
    current = pages[max(0, min(page, len(pages) - 1))]
    body: list[SlackBlock] = []
    if not dashboard.items:
        body.extend([DividerBlock(), SectionBlock(text=_md(
            "Nothing on your plate yet. Press a *Get …* button above to take the next task you qualify for."))])
    section: Section | None = None
    for item in current.items:
        if item.section is not section:
            section = item.section
            body.extend([DividerBlock(), HeaderBlock(text=SECTION_TITLES[section])])
        body.extend(_item_blocks(item, dashboard.timer, now))
    if current.count > 1:
        body.extend(_nav_blocks(current, len(dashboard.items)))
    blocks = head + body
    assert len(blocks) <= MAX_BLOCKS, f"Home has {len(blocks)} blocks"
    return View(type="home", blocks=blocks).to_dict()


def paginate(items: tuple[DashboardItem, ...] | list[DashboardItem], budget: int, *,
             timer_running: bool) -> list[Page]:
    """Split items into pages of at most ITEMS_PER_PAGE items and `budget` blocks (section headers included)."""
    chunks: list[list[DashboardItem]] = []
    current: list[DashboardItem] = []
    used = 0
    for item in items:
        header = 2 if not current or current[-1].section is not item.section else 0
        cost = header + _item_cost(item, timer_running)
        if current and (used + cost > budget or len(current) >= ITEMS_PER_PAGE):
            chunks.append(current)
            current, used = [], 0
            cost = 2 + _item_cost(item, timer_running)
        current.append(item)
        used += cost
    chunks.append(current)
    return [Page(number, len(chunks), chunk) for number, chunk in enumerate(chunks)]


def _has_timer_button(item: DashboardItem, timer_running: bool) -> bool:
    return item.is_processing and not timer_running


def _item_cost(item: DashboardItem, timer_running: bool) -> int:
    return 2 if _has_timer_button(item, timer_running) else 1


def _open_button(item: DashboardItem) -> ButtonElement:
    action = Action.REVIEW_OPEN if item.open_as is OpenAs.REVIEW else Action.TASK_OPEN
    return ButtonElement(text="Open", action_id=action.value, value=str(item.task_id),
                         style="primary" if item.section is Section.RETURNED else None)


def _item_blocks(item: DashboardItem, timer: RunningTimer | None, now: datetime) -> list[SlackBlock]:
    lines = [f"*{escape(item.step_name)}* · {_project(item)}",
             f"Priority {item.priority} · {_since(item, now)}"]
    if item.waiting_on_author:
        lines.append("_You sent it back; waiting for the author's changes._")
    if timer is not None and timer.task_id == item.task_id:
        lines.append(":stopwatch: _Your timer is running on this task._")
    if item.feedback:
        lines.append("*Reviewer's feedback:*\n" + _quote(item.feedback))
    block_id = keyed(Block.HOME_ITEM, item.section.value, item.task_id)
    text = _md("\n".join(lines)[:3000])
    if _has_timer_button(item, timer is not None):
        return [
            SectionBlock(block_id=block_id, text=text),
            ActionsBlock(block_id=keyed(Block.HOME_ITEM_ACTIONS, item.section.value, item.task_id), elements=[
                _open_button(item),
                ButtonElement(text="Start timer", action_id=Action.TIMER_START.value, value=str(item.task_id)),
            ]),
        ]
    return [SectionBlock(block_id=block_id, text=text, accessory=_open_button(item))]


def _timer_blocks(timer: RunningTimer | None, now: datetime) -> list[SlackBlock]:
    if timer is None:
        timer_block = SectionBlock(block_id=Block.HOME_TIMER.value, text=_md(
            ":stopwatch: No timer running. Start one from a task you are working on."))
    else:
        elapsed = _duration(now - timer.started_at)
        timer_block = SectionBlock(
            block_id=Block.HOME_TIMER.value,
            text=_md(f":stopwatch: *Timer running* on {escape(clip(timer.label, DESCRIPTION_CHARS))}\n"
                     f"Started {_when(timer.started_at)} · {elapsed} so far"),
            accessory=ButtonElement(text="Stop timer", action_id=Action.TIMER_STOP.value, value="stop",
                                    style="danger"),
        )
    tools = ActionsBlock(block_id=Block.HOME_TOOLS.value, elements=[
        ButtonElement(text="Timecard", action_id=Action.TIMECARD_OPEN.value, value="week"),
        ButtonElement(text="Refresh", action_id=Action.HOME_REFRESH.value, value="0"),
    ])
    return [timer_block, tools]


def _get_task_blocks(dashboard: Dashboard) -> list[SlackBlock]:
    blocks: list[SlackBlock] = [DividerBlock(), HeaderBlock(text="Get a task")]
    for qualification in dashboard.qualifications[:MAX_QUALIFICATIONS]:
        if qualification.certification_slug is None:
            what = "*Any step* (no certification needed)"
        else:
            what = f"*{escape(qualification.certification_name)}*"
        role = "reviews" if qualification.role is Role.REVIEWER else "tasks"
        available = qualification.available
        text = f"{what} {role} · {available} available" if available else f"{what} {role} · none available now"
        blocks.append(SectionBlock(
            block_id=keyed(Block.HOME_GET, qualification.role.value, qualification.certification_slug or ""),
            text=_md(text[:3000]),
            accessory=ButtonElement(text=get_task_label(qualification), action_id=Action.TASK_NEXT.value,
                                    value=qualification_value(qualification)),
        ))
    if dashboard.more_reviews:
        blocks.append(ContextBlock(elements=[_md("More reviews are waiting than are listed below; "
                                                 "use a *Get … review* button to take the next one.")]))
    return blocks


def _nav_blocks(page: Page, total: int) -> list[SlackBlock]:
    buttons = []
    if page.number > 0:
        buttons.append(ButtonElement(text="Previous page", action_id=Action.HOME_PAGE_BACK.value,
                                     value=str(page.number - 1)))
    if page.number < page.count - 1:
        buttons.append(ButtonElement(text="Next page", action_id=Action.HOME_PAGE.value, value=str(page.number + 1)))
    return [
        ContextBlock(elements=[_md(f"Page {page.number + 1} of {page.count} · {total} items")]),
        ActionsBlock(block_id=Block.HOME_NAV.value, elements=buttons),
    ]


# --- Get-a-task result ---------------------------------------------------------------------------------


def claim_result_modal(text: str) -> dict[str, Any]:
    """A small modal telling the person what "Get a task" did."""
    return View(type="modal", callback_id=Callback.NOTICE.value, title="Get a task", close="OK",
                blocks=[SectionBlock(text=_md(text[:3000]))]).to_dict()


def claimed_text(step_name: str, project_id: int, project_description: str, is_review: bool) -> str:
    what = "review" if is_review else "task"
    label = escape(clip(project_description, DESCRIPTION_CHARS)) or f"Project {project_id}"
    return (f":white_check_mark: You got a new {what}: *{escape(step_name)}* · {label}.\n"
            "It is on your Home under *In progress*; press *Open* there to start.")


def nothing_available_text(certification_name: str | None, role: Role) -> str:
    what = "reviews" if role is Role.REVIEWER else "tasks"
    scope = f"*{escape(certification_name)}* {what}" if certification_name else f"{what} you qualify for"
    return f"No {scope} are available right now. Your Home shows new ones when you open it again."


# --- text helpers -----------------------------------------------------------------------------------------


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _project(item: DashboardItem) -> str:
    return f"{escape(clip(item.project_description, DESCRIPTION_CHARS)) or 'Project'} (project {item.project_id})"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in escape(clip(text, FEEDBACK_CHARS)).splitlines() or [""])


_SINCE = {
    Section.RETURNED: "returned",
    Section.IN_PROGRESS: "started",
    Section.AWAITING_REVIEW: "submitted",
    Section.AVAILABLE_REVIEW: "waiting",
    Section.PAUSED: "paused work, last change",
    Section.COMPLETE: "completed",
}


def _since(item: DashboardItem, now: datetime) -> str:
    return f"{_SINCE[item.section]} {_when(item.since)} ({_age(now - item.since)} ago)"


def _when(moment: datetime) -> str:
    """Slack shows the date in the reader's time zone; the fallback is UTC."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment:%Y-%m-%d %H:%M} UTC>"


def _age(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return "moments"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds())) // 60
    return f"{minutes // 60}:{minutes % 60:02d}"
