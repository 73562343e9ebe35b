"""StaffBot's jobs: the periodic rounds (batches, reminders, unstaffed warnings) and the Slack deliveries they cause.

Each periodic run is idempotent and safe to run twice at once: every round claims its rows with a row lock or
a conditional UPDATE before acting (see workflows/staffing.py). Everything said in Slack goes through the
outbox, to a client that respects Slack's rate limits (jobs/rate_limit.py).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from jobs.dispatcher import Delivery, Handler
from jobs.project_channel import ended_project_tolerance, project_channel
from jobs.slack_calls import SlackCallError, call
from store.db import Database
from store.models import Worker
from views import staffing as messages
from views.notices import Notice
from workflows import staffing, staffing_alerts
from workflows.read_models import ProjectSummary, project_summary
from workflows.staffing import OfferState, OfferView, StaffingConfig

log = logging.getLogger(__name__)

SUBSCRIPTIONS: dict[str, list[str]] = {
    "staffing.requested": ["slack.staffing_notice"],
    "staffing.notice": ["slack.staffing_notice"],
    "staffing.offered": ["slack.offer"],
    "staffing.offer_closed": ["slack.offer_update"],
    "staffing.autostaffed": ["slack.autostaffed"],
    "staffing.reminder": ["slack.staffing_reminder"],
    "staffing.unstaffed": ["slack.unstaffed_warning"],
}


class StaffingRounds:
    """The periodic part: what `rq cron` (or the dev loop) runs every `staffbot_tick_seconds`."""

    def __init__(self, database: Database, config: StaffingConfig, *, staffing_channel_id: str | None = None,
                 rng: Callable[[], float] = random.random) -> None:
        self.database = database
        self.config = config
        self.staffing_channel_id = staffing_channel_id
        self.rng = rng

    def run(self, now: datetime | None = None) -> dict[str, int]:
        """All three rounds; the counts of what each did."""
        return {"batches": self.run_batches(now), "reminded": self.send_reminders(now),
                "warned": self.warn_unstaffed(now)}

    def run_batches(self, now: datetime | None = None) -> int:
        """Offer (or auto-staff) every request whose next batch is due; each in its own transaction."""
        with self.database.read() as session:
            request_ids = staffing.due_request_ids(session, self.config, now=now)
        done = 0
        for request_id in request_ids:
            try:
                with self.database.unit_of_work() as uow:
                    result = staffing.run_batch(uow.session, request_id, self.config, self.rng, now=now)
                    uow.commit()
            except Exception:  # one broken request (a failing hours function...) must not stop the others
                log.exception("staffing round for request %s failed", request_id)
                continue
            done += result is not None
        return done

    def send_reminders(self, now: datetime | None = None) -> int:
        with self.database.unit_of_work() as uow:
            reminded = staffing_alerts.remind_experts(uow.session, self.config, now=now)
            uow.commit()
        return len(reminded)

    def warn_unstaffed(self, now: datetime | None = None) -> int:
        if not self.staffing_channel_id:
            return 0  # nowhere to warn; the requests stay unwarned until a channel is configured
        with self.database.unit_of_work() as uow:
            found = staffing_alerts.warn_unstaffed(uow.session, self.config, now=now,
                                                   destination=self.staffing_channel_id)
            uow.commit()
        return len(found)


class StaffingDelivery:
    """Outbox handlers for StaffBot's Slack messages."""

    def __init__(self, database: Database, client: WebClient, staffing_channel_id: str | None = None) -> None:
        self.database = database
        self.client = client
        self.staffing_channel_id = staffing_channel_id

    def handlers(self) -> dict[str, Handler]:
        return {
            "slack.staffing_notice": self.staffing_notice,
            "slack.offer": self.offer,
            "slack.offer_update": self.offer_update,
            "slack.autostaffed": self.autostaffed,
            "slack.staffing_reminder": self.reminder,
            "slack.unstaffed_warning": self.unstaffed_warning,
        }

    def _read(self, fn: Callable[..., Any], *args: Any) -> Any:
        with self.database.read() as session:
            return fn(session, *args)

    def _post(self, channel: str, notice: Notice) -> Any:
        return call(self.client, "chat.postMessage", channel=channel, text=notice.text, blocks=notice.blocks,
                    unfurl_links=False)

    def _project(self, delivery: Delivery) -> ProjectSummary:
        """The project, once its channel exists (see jobs/project_channel.py)."""
        project: ProjectSummary = self._read(project_summary, int(delivery.payload["project_id"]))
        project_channel(self.database, delivery, project.id, project.slack_channel_id)
        return project

    # --- channel messages ---------------------------------------------------------------------------

    def staffing_notice(self, delivery: Delivery) -> None:
        """'Got it! I will start staffing task 42!', 'All staffing requests … have been sent!', 'No worker …'."""
        project = self._project(delivery)
        notice = messages.channel_notice(str(delivery.payload["text"]))
        call(self.client, "chat.postMessage", channel=project.slack_channel_id, text=notice.text, blocks=notice.blocks,
             unfurl_links=False, tolerate=ended_project_tolerance(project.status))

    def unstaffed_warning(self, delivery: Delivery) -> None:
        channel = delivery.payload.get("destination") or self.staffing_channel_id
        if not channel:
            log.warning("unstaffed warning dropped: no STAFFBOT_CHANNEL_ID configured")
            return
        self._post(channel,
                   messages.unstaffed_warning(str(delivery.payload["step"]), list(delivery.payload["lines"])))

    # --- DMs ------------------------------------------------------------------------------------------

    def offer(self, delivery: Delivery) -> None:
        """Send an offer DM once, and remember where it is; an offer that closed before it was sent is not sent."""
        inquiry_id = int(delivery.payload["inquiry_id"])
        offer: OfferView = self._read(staffing.offer_view, inquiry_id)
        if offer.slack_ts is not None or offer.state is not OfferState.OPEN:
            return
        response = self._post(offer.worker_slack_id, messages.offer_message(offer))
        if response is None:
            return
        with self.database.unit_of_work() as uow:
            staffing.record_offer_message(uow.session, inquiry_id, response["channel"], response["ts"])
            uow.commit()
        latest: OfferView = self._read(staffing.offer_view, inquiry_id)
        if latest.state is not OfferState.OPEN:  # taken while we were posting: its update may have found no ts
            self._update(latest)

    def offer_update(self, delivery: Delivery) -> None:
        """Redraw an offer as what it became (taken, yours, declined); its buttons go away."""
        offer: OfferView = self._read(staffing.offer_view, int(delivery.payload["inquiry_id"]))
        if offer.slack_ts is None:
            return  # never posted: the offer job sees the closed state and does not post it
        self._update(offer)

    def _update(self, offer: OfferView) -> None:
        notice = messages.offer_message(offer)
        try:
            call(self.client, "chat.update", channel=offer.slack_channel, ts=offer.slack_ts, text=notice.text,
                 blocks=notice.blocks, tolerate=frozenset({"message_not_found", "cant_update_message"}))
        except SlackCallError as exc:
            log.warning("offer %s could not be updated: %s", offer.inquiry_id, exc.error)

    def autostaffed(self, delivery: Delivery) -> None:
        offer: OfferView = self._read(staffing.offer_view, int(delivery.payload["inquiry_id"]))
        self._post(offer.worker_slack_id, messages.autostaffed_dm(offer))

    def reminder(self, delivery: Delivery) -> None:
        worker_id = int(delivery.payload["worker_id"])

        def person(session: Any) -> tuple[str, str, int]:
            worker = session.get(Worker, worker_id)
            return worker.slack_user_id, worker.first_name or worker.username, len(
                staffing.available_offers(session, worker_id))

        slack_id, first_name, offers = self._read(person)
        if offers:  # answered meanwhile: nothing to remind of
            self._post(slack_id, messages.reminder_dm(first_name, offers))
