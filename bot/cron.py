"""`rq cron bot/cron.py`: the periodic jobs, for deployments that prefer RQ's own command to `tutti cron`."""

from rq import cron

from bot.job_entry import sweep_outbox
from bot.processes import SWEEP_INTERVAL

cron.register(sweep_outbox, queue_name="tutti", interval=int(SWEEP_INTERVAL.total_seconds()))
