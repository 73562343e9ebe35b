"""StaffBot's and SanityBot's messages: offers (and what they become), replies, reminders, the availability editor."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from views.forms import escape, number_text
from views.ids import Action, Callback
from views.notices import Notice
from workflows.availability import Availability
from workflows.staffing import AvailableOffer, OfferState, OfferView

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CAP_BLOCK = "availability.cap"
DETAILS_CHARS = 2500

# Escaped, or Slack would read `<task-id>` as a link and `<@person …>` as a mention and drop them.
HELP = escape("""Use `/staffbot` to staff or restaff a task within Tutti.
• `/staffbot staff <task-id>`: ask qualified experts to work on the given task (its review, if it is waiting for one)
• `/staffbot restaff <task-id> <@person or username>`: find another qualified expert for that person's part of \
the task; they keep it until someone accepts
• `/staffbot help`: this text""")

REFUSAL = "Sorry, `/staffbot` is for staffers and Tutti admins. Ask an admin if you think you should have access."


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


# --- offers -----------------------------------------------------------------------------------------------


def _task_label(offer: OfferView | AvailableOffer) -> str:
    review = " [Review]" if offer.is_review else ""
    return f"*{escape(offer.step_name)}*{review} (task {offer.task_id})"


def _project_label(offer: OfferView | AvailableOffer) -> str:
    return f"Project {offer.project_id} · {escape(offer.project_description or offer.workflow_name)}"


def offer_buttons(inquiry_id: int) -> ActionsBlock:
    return ActionsBlock(elements=[
        ButtonElement(text="Accept", action_id=Action.STAFFING_ACCEPT.value, value=str(inquiry_id), style="primary"),
        ButtonElement(text="Decline", action_id=Action.STAFFING_DECLINE.value, value=str(inquiry_id)),
    ])


def offer_message(offer: OfferView) -> Notice:
    """The DM: open with Accept/Decline, or what it became (yours, declined, taken), without buttons."""
    details = [
        f"*Project:* {escape(offer.workflow_name)}"
        + (f" · {escape(offer.workflow_description)}" if offer.workflow_description else ""),
        f"*Project description:* {escape(offer.project_description) or '(none)'}",
        f"*Task:* {escape(offer.step_description or offer.step_name)}{' [Review]' if offer.is_review else ''}",
    ]
    if offer.detailed_description:
        details.append(f"*Details:* {offer.detailed_description[:DETAILS_CHARS]}")
    if offer.state is OfferState.OPEN:
        headline = (f"Hello {escape(offer.worker_first_name)}! A new task is available for you to work on, "
                    f"if you'd like: {_task_label(offer)}.")
    elif offer.state is OfferState.WON:
        channel = f" You've been added to <#{offer.project_channel_id}>." if offer.project_channel_id else ""
        headline = f":white_check_mark: You got it! {_task_label(offer)} is yours.{channel} Open your Home to start."
    elif offer.state is OfferState.DECLINED:
        headline = f":no_entry_sign: You declined {_task_label(offer)}. Thanks for letting us know."
    elif offer.state is OfferState.WITHDRAWN:
        headline = f":lock: {_task_label(offer)} is no longer available. This offer is closed; thanks anyway!"
    else:
        by = f" by <@{offer.winner_slack_id}>" if offer.winner_slack_id else ""
        headline = f":lock: {_task_label(offer)} has been taken{by}. This offer is closed; thanks anyway!"
    blocks: list[Any] = [SectionBlock(text=_md(headline[:3000])),
                         SectionBlock(text=_md("\n".join(details)[:3000])),
                         ContextBlock(elements=[_md(_project_label(offer)[:3000])])]
    if offer.state is OfferState.OPEN:
        blocks.append(offer_buttons(offer.inquiry_id))
    return Notice(text=_plain(headline)[:3000], blocks=[b.to_dict() for b in blocks])


def _plain(text: str) -> str:
    return text.replace("*", "")


def autostaffed_dm(offer: OfferView) -> Notice:
    headline = (f":robot_face: StaffBot gave you {_task_label(offer)} within the availability you declared."
                + (f" You've been added to <#{offer.project_channel_id}>." if offer.project_channel_id else ""))
    blocks = [SectionBlock(text=_md(headline[:3000])),
              ContextBlock(elements=[_md(_project_label(offer)[:3000])])]
    return Notice(text=_plain(headline)[:3000], blocks=[b.to_dict() for b in blocks])


def reminder_dm(first_name: str, offers: int) -> Notice:
    plural = "s are" if offers != 1 else " is"
    headline = (f"Hello {escape(first_name)}! {offers} task{plural} still available for you to work on, "
                "if you'd like. Open Tutti's *Home* tab and look under *Available tasks*, or answer the offers above.")
    return Notice(text=_plain(headline), blocks=[SectionBlock(text=_md(headline)).to_dict()])


def unstaffed_warning(step_name: str, lines: list[str]) -> Notice:
    headline = f":rotating_light: StaffBot has found nobody yet for *{escape(step_name)}*:"
    body = "\n".join(f"• {escape(line)}" for line in lines)[:2900]
    return Notice(text=f"{_plain(headline)}\n{body}"[:3000],
                  blocks=[SectionBlock(text=_md(headline)).to_dict(), SectionBlock(text=_md(body)).to_dict()])


def channel_notice(text: str) -> Notice:
    return Notice(text=text[:3000], blocks=[SectionBlock(text=_md(escape(text)[:3000])).to_dict()])


# --- Home: available offers and the availability button ---------------------------------------------------


def available_offers_blocks(offers: list[AvailableOffer], limit: int = 10) -> list[dict[str, Any]]:
    """An "Available tasks" section for the Home tab: each open offer with Accept/Decline (2 blocks each)."""
    blocks: list[Any] = [DividerBlock(), HeaderBlock(text="Available tasks")]
    if not offers:
        blocks.append(SectionBlock(text=_md("No open offers right now. StaffBot DMs you when there is one.")))
    for offer in offers[:limit]:
        blocks.append(SectionBlock(text=_md(f"{_task_label(offer)}\n{_project_label(offer)}"[:3000])))
        blocks.append(offer_buttons(offer.inquiry_id))
    if len(offers) > limit:
        blocks.append(SectionBlock(text=_md(f"…and {len(offers) - limit} more in your DMs.")))
    blocks.append(ActionsBlock(elements=[availability_button()]))
    return [b.to_dict() for b in blocks]


def availability_button() -> ButtonElement:
    return ButtonElement(text="Set my availability", action_id=Action.AVAILABILITY_OPEN.value, value="open")


# --- the availability editor ------------------------------------------------------------------------------


def day_block_id(week: int, day: int) -> str:
    return f"availability.w{week}.d{day}"


def _day_label(week: int, day: date) -> str:
    which = "This week" if week == 0 else "Next week"
    return f"{which} · {DAY_NAMES[day.weekday()]} {day:%d %b}"


def availability_modal(availability: Availability) -> dict[str, Any]:
    """Hours per day for this week and next (0 to 24), and how many of them StaffBot may fill unasked."""
    blocks: list[Any] = [SectionBlock(text=_md(
        "How many hours can you work each day? StaffBot offers you tasks as usual; if you also set a daily "
        "auto-staffing limit, it may give you tasks directly, within these hours and that limit."))]
    for w, week in enumerate(availability.weeks):
        blocks.append(HeaderBlock(text="This week" if w == 0 else "Next week"))
        for d, hours in enumerate(week.hours):
            blocks.append(InputBlock(
                block_id=day_block_id(w, d), label=_day_label(w, week.day(d)), optional=True,
                element=NumberInputElement(action_id="hours", is_decimal_allowed=True, min_value="0", max_value="24",
                                           initial_value=number_text(hours)),
            ))
    blocks.append(InputBlock(
        block_id=CAP_BLOCK, label="Auto-staff me up to (hours a day, 0 = never)", optional=True,
        element=NumberInputElement(action_id="hours", is_decimal_allowed=True, min_value="0", max_value="24",
                                   initial_value=number_text(availability.max_autostaff_hours_per_day)),
    ))
    starts = ",".join(w.week_start.isoformat() for w in availability.weeks)
    return View(type="modal", callback_id=Callback.AVAILABILITY.value, title="Your availability", submit="Save",
                close="Cancel", private_metadata=starts, blocks=blocks).to_dict()


def parse_availability(state: dict[str, Any], weeks: int = 2) -> tuple[list[list[float]], float, dict[str, str]]:
    """Hours per week and day, the auto-staffing cap, and errors by block id (empty when valid)."""
    errors: dict[str, str] = {}

    def read(block_id: str) -> float:
        raw = ((state.get(block_id) or {}).get("hours") or {}).get("value")
        if raw in (None, ""):
            return 0.0
        try:
            value = float(raw)
        except ValueError:
            errors[block_id] = "Enter a number of hours."
            return 0.0
        if not 0 <= value <= 24:
            errors[block_id] = "Between 0 and 24 hours."
        return value

    hours = [[read(day_block_id(w, d)) for d in range(7)] for w in range(weeks)]
    cap = read(CAP_BLOCK)
    return hours, cap, errors
