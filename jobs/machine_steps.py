"""The job that runs a machine step: claim, execute outside any transaction, record."""

from __future__ import annotations

import logging

from jobs.dispatcher import Delivery, Handler
from jobs.errors import PermanentFailure, RetryLater
from store.db import Database
from store.events import Actor
from workflows.errors import MachineExecutionError
from workflows.machine import claim_machine_task, record_machine_attempt_failure, record_machine_success

log = logging.getLogger(__name__)
ACTOR = Actor.job("machine-step")


def machine_step_handler(database: Database) -> Handler:
    """A handler for `machine.run` messages bound to `database`."""

    def run_machine_step(delivery: Delivery) -> None:
        task_id = int(delivery.payload["task_id"])
        with database.unit_of_work() as uow:
            try:
                run = claim_machine_task(uow.session, task_id, attempt=delivery.attempt)
            except MachineExecutionError as exc:
                raise PermanentFailure(exc.message) from exc
            uow.commit()
        if run is None:
            log.info("machine step for task %s has nothing to do (finished, aborted or paused)", task_id)
            return
        try:
            result = run.execute()
        except Exception as exc:
            with database.unit_of_work() as uow:
                record_machine_attempt_failure(
                    uow.session, task_id, f"{type(exc).__name__}: {exc}", attempt=delivery.attempt,
                    final=delivery.is_last_attempt, actor=ACTOR,
                )
                uow.commit()
            if delivery.is_last_attempt:
                raise
            raise RetryLater(f"{type(exc).__name__}: {exc}", run.retry_delay(delivery.attempt)) from exc
        with database.unit_of_work() as uow:
            record_machine_success(uow.session, task_id, result, actor=ACTOR)
            uow.commit()

    return run_machine_step
