"""Listings and long-running processes: one spelling of statuses, and processes that say what they run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.processes import cron_banner, worker_banner
from bot.settings import Settings
from jobs.scheduling import INTERACTIVE_SUFFIX
from tests.support.world import World

TUTTI = str(Path(sys.executable).with_name("tutti"))


def env_for(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
            "TUTTI_SLACK_ENABLED": "0"}


def test_tasks_list_spells_statuses_as_submit_and_wait_do(database_url: str, tmp_path: Path, world: World) -> None:
    world.load_bundled()
    world.create("journalism")
    listed = CliRunner().invoke(main, ["tasks", "list"], env=env_for(database_url, tmp_path),
                                catch_exceptions=False)
    statuses = [line.split("\t")[3] for line in listed.stdout.splitlines()]
    assert statuses == ["Complete", "Awaiting Processing"]


def test_cron_help_names_what_it_runs() -> None:
    shown = CliRunner().invoke(main, ["cron", "--help"]).stdout
    assert "StaffBot" in shown and "SanityBot" in shown and "later" not in shown


def test_the_worker_says_what_it_runs_and_how_it_stops(database_url: str, tmp_path: Path) -> None:
    result = subprocess.run([TUTTI, "worker", "--burst"], env={**os.environ, **env_for(database_url, tmp_path)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "Worker: delivering the outbox in this process every second (no REDIS_URL); "
        "it stops when nothing is left to do.")


def test_cron_says_its_schedule_and_how_to_stop_it(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, **env_for(database_url, tmp_path)}
    cron = subprocess.Popen([TUTTI, "cron"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert cron.stdout is not None
        first = cron.stdout.readline()
    finally:
        cron.send_signal(signal.SIGTERM)
        cron.communicate(timeout=60)
    settings = Settings.from_env(env)
    assert first == (f"Cron: outbox sweep every 15s, StaffBot rounds every {settings.staffbot_tick_seconds:g}s, "
                     f"SanityBot checks every {settings.sanity_seconds:g}s, run in this process (no REDIS_URL); "
                     "Ctrl-C stops it.\n")
    assert cron.returncode == 0


def test_with_redis_the_worker_and_cron_name_their_queues() -> None:
    settings = Settings(redis_url="redis://127.0.0.1:6379/0", queue_name="jobs")
    assert worker_banner(settings) == (f"Worker: running jobs from the RQ queues jobs{INTERACTIVE_SUFFIX} (first), "
                                       "jobs, with RQ's scheduler for retries; Ctrl-C stops it.")
    assert ", queued on RQ (jobs) for `tutti worker`; Ctrl-C stops it." in cron_banner(settings)
