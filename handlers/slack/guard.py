"""Who is clicking, and whether this delivery was already handled: checked on the server, never trusted."""

from __future__ import annotations

import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.db import Database
from store.models import ProcessedDelivery, Worker
from store.types import MAX_INTEGER


class NotAnExpert(Exception):
    """The Slack user has no Tutti worker (or it is deactivated)."""


def worker_for(session: Session, slack_user_id: str) -> Worker:
    worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
    if worker is None or not worker.is_active:
        raise NotAnExpert(
            "You are not set up as a Tutti expert yet. Ask an admin to add you (`/tutti certify`)."
        )
    return worker


def first_delivery(database: Database, key: str) -> bool:
    """True the first time `key` is seen; replays and double clicks get False."""
    with database.unit_of_work() as uow:
        uow.session.add(ProcessedDelivery(key=key[:255]))
        try:
            uow.commit()
        except IntegrityError:
            return False
    return True


def mark_processed(session: Session, key: str) -> None:
    """Record `key` inside a use case's own transaction, so the effect and the key commit together."""
    session.add(ProcessedDelivery(key=key[:255]))
    session.flush()


MENTION = re.compile(r"<@(?P<id>[UW][A-Z0-9]+)(?:\|[^>]*)?>")
MAX_ID = MAX_INTEGER  # a larger number names nothing (and overflows SQLite)


def parse_id(text: str) -> int | None:
    """`text` as an id typed by a person: a whole number from 1 to MAX_ID, else None."""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def may_administer(database: Database, client: WebClient, slack_user_id: str, *, staffers_too: bool = False) -> bool:
    """Tutti admins (and, if asked, staffers) from the database, or Slack workspace admins and owners from Slack."""
    with database.read() as session:
        worker = session.scalar(select(Worker).where(Worker.slack_user_id == slack_user_id))
        if worker is not None and worker.is_active and (worker.is_admin or (staffers_too and worker.is_staffer)):
            return True
    try:
        user = client.users_info(user=slack_user_id)["user"]
    except SlackApiError:
        return False
    return bool(user.get("is_admin") or user.get("is_owner"))
