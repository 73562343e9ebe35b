"""StaffBot in Slack: `/staffbot staff|restaff|help`, Accept/Decline on offers, and the availability editor."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from handlers.slack.guard import MAX_ID, MENTION, NotAnExpert, may_administer, parse_id, worker_for
from handlers.slack.services import SlackServices
from store.enums import EventSource
from store.events import Actor
from views import staffing as replies
from views.ids import Action, Callback, Command
from workflows import availability, staffing
from workflows.errors import PermissionDenied, TuttiError

log = logging.getLogger(__name__)

STAFF = re.compile(r"staff\s+(?P<task_id>[0-9]+)\s*$", re.IGNORECASE)
RESTAFF = re.compile(r"restaff\s+(?P<task_id>[0-9]+)\s+(?P<who><@[UW][A-Z0-9]+(?:\|[^>]*)?>|@?[\w.@+-]+)\s*$",
                     re.IGNORECASE)


class StaffBotCommand:
    """`/staffbot`: parse, authorize, call the engine, answer the staffer (the channel is told via the outbox)."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def handle(self, ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        user_id = command["user_id"]
        text = (command.get("text") or "").strip()
        if not may_administer(self.services.database, client, user_id, staffers_too=True):
            respond(text=replies.REFUSAL, response_type="ephemeral")
            return
        respond(text=self.run(text, Actor(user_id, EventSource.SLACK)), response_type="ephemeral")

    def run(self, text: str, actor: Actor) -> str:
        if not text or text.lower() == "help":
            return replies.HELP
        staff, restaff = STAFF.match(text), RESTAFF.match(text)
        if staff is None and restaff is None:
            return f"Sorry! We couldn't process your command: {text}\n\n{replies.HELP}"
        typed = (staff or restaff)["task_id"]  # type: ignore[index]
        task_id = parse_id(typed)
        if task_id is None:
            return f":warning: There is no task `{typed}`: give a task id from 1 to {MAX_ID}."
        try:
            with self.services.database.unit_of_work() as uow:
                if staff is not None:
                    started = staffing.staff_task(uow.session, task_id, actor=actor)
                else:
                    assert restaff is not None
                    who = restaff["who"]
                    mention = MENTION.fullmatch(who)
                    ref = mention["id"] if mention else who.removeprefix("@")
                    started = staffing.restaff_task(uow.session, task_id, ref, actor=actor)
                uow.commit()
        except TuttiError as exc:
            problem = exc.operator_message  # a staffer acts for others: name the workers
            return f":warning: {problem}" if problem.startswith(f"Task {task_id} ") else \
                f":warning: Task {task_id}: {problem}"
        except IntegrityError:
            return ":warning: Someone changed this task at the same moment; nothing was changed. Try again."
        return f":white_check_mark: {started.confirmation}"


class OfferListeners:
    """Accept / Decline on an offer DM (or on Home). The server checks the offer was made to the clicker."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def accept(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self._answer(body, client, accept=True)

    def decline(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        self._answer(body, client, accept=False)

    def _answer(self, body: dict[str, Any], client: WebClient, *, accept: bool) -> None:
        user_id = body["user"]["id"]
        value = str(body["actions"][0].get("value") or "")
        if not value.isdigit():
            return
        inquiry_id = int(value)
        message = None
        try:
            with self.services.database.unit_of_work() as uow:
                outcome = staffing.respond_to_offer(uow.session, inquiry_id, user_id, accept=accept,
                                                    actor=Actor(user_id, EventSource.SLACK))
                uow.commit()
            message = outcome.message
        except PermissionDenied as exc:
            self._tell(client, body, f":warning: {exc.message}")
            return
        except TuttiError as exc:
            message = f":warning: {exc.message}"
        except IntegrityError:  # a racing accept committed first: this one is simply too late
            message = "Sorry, this task has already been taken."
        self._redraw(client, body, inquiry_id, message)

    def _redraw(self, client: WebClient, body: dict[str, Any], inquiry_id: int, message: str) -> None:
        """Show the clicker what their offer became: the DM itself, or their Home."""
        with self.services.database.read() as session:
            offer = staffing.offer_view(session, inquiry_id)
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
        if channel and ts:
            notice = replies.offer_message(offer)
            try:
                client.chat_update(channel=channel, ts=ts, text=notice.text, blocks=notice.blocks)
            except SlackApiError as exc:
                log.warning("could not update offer %s: %s", inquiry_id, exc.response.get("error"))
            return
        if (body.get("view") or {}).get("type") == "home":
            from handlers.slack.home import publish_home

            publish_home(self.services, client, body["user"]["id"], notice=message)

    def _tell(self, client: WebClient, body: dict[str, Any], text: str) -> None:
        channel = (body.get("channel") or {}).get("id")
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=text)
            except SlackApiError as exc:
                log.warning("could not tell %s: %s", body["user"]["id"], exc.response.get("error"))


class AvailabilityListeners:
    """The availability editor: opened from Home, saved on submit."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def open(self, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_availability_modal(self.services, client, body["user"]["id"], body["trigger_id"])

    def submit(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        state = (view.get("state") or {}).get("values") or {}
        hours, cap, errors = replies.parse_availability(state)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        starts = [date.fromisoformat(s) for s in (view.get("private_metadata") or "").split(",") if s]
        with self.services.database.unit_of_work() as uow:
            try:
                worker = worker_for(uow.session, body["user"]["id"])
                for start, week in zip(starts, hours, strict=False):
                    availability.set_availability(uow.session, worker.id, start, week)
                availability.set_autostaff_cap(uow.session, worker.id, cap)
            except (NotAnExpert, TuttiError) as exc:
                ack(response_action="errors", errors={replies.CAP_BLOCK: str(exc)[:150]})
                return
            uow.commit()
        ack()


def open_availability_modal(services: SlackServices, client: WebClient, slack_user_id: str, trigger_id: str) -> None:
    """Open the availability editor for a person (the Home's "Set my availability" button calls this)."""
    with services.database.read() as session:
        try:
            worker = worker_for(session, slack_user_id)
        except NotAnExpert:
            return
        current = availability.availability_for(session, worker.id)
    try:
        client.views_open(trigger_id=trigger_id, view=replies.availability_modal(current))
    except SlackApiError as exc:
        log.warning("could not open the availability editor for %s: %s", slack_user_id, exc.response.get("error"))


def register(app: App, services: SlackServices) -> None:
    app.command(Command.STAFFBOT)(StaffBotCommand(services).handle)
    offers = OfferListeners(services)
    app.action(Action.STAFFING_ACCEPT)(offers.accept)
    app.action(Action.STAFFING_DECLINE)(offers.decline)
    editor = AvailabilityListeners(services)
    app.action(Action.AVAILABILITY_OPEN)(editor.open)
    app.view(Callback.AVAILABILITY)(editor.submit)
