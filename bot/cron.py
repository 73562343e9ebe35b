"""`rq cron bot/cron.py`: the periodic jobs, for deployments that prefer RQ's own command to `tutti cron`."""

from rq import cron

from bot.job_entry import run_sanity_checks, run_staffing_rounds, sweep_outbox
from bot.processes import SWEEP_INTERVAL
from bot.settings import Settings

_settings = Settings.from_env()
cron.register(sweep_outbox, queue_name=_settings.queue_name, interval=int(SWEEP_INTERVAL.total_seconds()))
cron.register(run_staffing_rounds, queue_name=_settings.queue_name, interval=int(_settings.staffbot_tick_seconds))
cron.register(run_sanity_checks, queue_name=_settings.queue_name, interval=int(_settings.sanity_seconds))
