"""Every Slack id Tutti uses (actions, view callbacks, commands), defined once.

Builders, listeners and manifest.yml all read these, so they cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """action_id values of buttons and menus."""

    TASK_OPEN = "task.open"
    TASK_NEXT = "task.next"
    TASK_SAVE = "task.save"
    REVIEW_OPEN = "review.open"
    REVIEW_ACCEPT = "review.accept"
    REVIEW_RETURN = "review.return"
    TIMER_START = "timer.start"
    TIMER_STOP = "timer.stop"
    TIMECARD_OPEN = "timecard.open"
    TIMECARD_ADD = "timecard.add"
    TIMECARD_EDIT = "timecard.edit"
    TIMECARD_DELETE = "timecard.delete"
    HOME_PAGE = "home.page"
    HOME_PAGE_BACK = "home.page_back"
    HOME_REFRESH = "home.refresh"
    STAFFING_ACCEPT = "staffing.accept"
    STAFFING_DECLINE = "staffing.decline"
    AVAILABILITY_OPEN = "availability.open"
    TASK_TIMER_START = "task.timer_start"
    TASK_TIMER_STOP = "task.timer_stop"
    REVIEW_TAKE = "review.take"
    TIMECARD_WEEK = "timecard.week"
    TIMECARD_WEEK_BACK = "timecard.week_back"
    FORM_VALUE = "form.value"


class Block(StrEnum):
    """block_id prefixes; `keyed` makes them unique per item."""

    HOME_NOTICE = "home.notice"
    HOME_TIMER = "home.timer"
    HOME_TOOLS = "home.tools"
    HOME_GET = "home.get"
    HOME_ITEM = "home.item"
    HOME_ITEM_ACTIONS = "home.item_actions"
    HOME_NAV = "home.nav"
    TASK_ACTIONS = "task.actions"
    TASK_STATUS = "task.status"
    REVIEW_ACTIONS = "review.actions"
    RETURN_FEEDBACK = "review.feedback"
    TIMECARD_NAV = "timecard.nav"
    TIMECARD_ENTRY = "timecard.entry"
    TIMECARD_ADD = "timecard.add"
    ENTRY_DATE = "entry.date"
    ENTRY_HOURS = "entry.hours"
    ENTRY_MINUTES = "entry.minutes"
    ENTRY_DESCRIPTION = "entry.description"
    ENTRY_TASK = "entry.task"


def keyed(block: Block, *parts: object) -> str:
    """A unique block_id: the prefix plus the item's keys (`home.item:returned:12`)."""
    return ":".join([block.value, *(str(p) for p in parts)])


class Callback(StrEnum):
    """callback_id values of modals."""

    LOADING = "loading"
    TASK = "task.modal"
    REVIEW = "review.modal"
    RETURN = "review.return_modal"
    TIMECARD = "timecard.modal"
    TIME_ENTRY = "timecard.entry_modal"
    NOTICE = "notice.modal"
    AVAILABILITY = "availability.modal"


class Command(StrEnum):
    """Slash commands."""

    TUTTI = "/tutti"
    STAFFBOT = "/staffbot"


class Event(StrEnum):
    """Events API event types Tutti subscribes to."""

    APP_HOME_OPENED = "app_home_opened"
