"""The command line finds its database wherever it runs, and says in one line when it cannot use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import bot
from bot.cli import main
from bot.settings import Settings
from jobs.dispatcher import OutboxDispatcher

TUTTI = str(Path(sys.executable).with_name("tutti"))
REPOSITORY = Path(bot.__file__).resolve().parent.parent


def tutti_in(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`tutti ARGS` run from `cwd` as a person would, with only the given Tutti variables set."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("TUTTI_") and k not in ("DATABASE_URL", "TEST_DATABASE_URL", "REDIS_URL", "PORT")}
    clean.update(TUTTI_SLACK_ENABLED="0", TUTTI_FILES_DIR=str(cwd / "files"), **env)
    return subprocess.run([TUTTI, *args], cwd=cwd, env=clean, capture_output=True, text=True, timeout=120)


def test_the_default_database_and_files_live_in_the_repository_wherever_tutti_runs() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{REPOSITORY / 'var' / 'tutti.db'}"
    assert settings.sqlite_path == REPOSITORY / "var" / "tutti.db"
    assert settings.files_dir == REPOSITORY / "var" / "files"


def test_explicit_database_and_files_settings_are_kept_as_given() -> None:
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///var/mine.db", "TUTTI_FILES_DIR": "data/files"})
    assert settings.database_url == "sqlite:///var/mine.db"
    assert settings.files_dir == Path("data/files")


def test_a_missing_database_is_one_line_naming_it_and_no_empty_file_is_created(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    missing = elsewhere / "var" / "tutti.db"
    expected = [f"Error: No database at {missing}: run `tutti db upgrade` (or `make dev`) to create it, "
                "or set DATABASE_URL to an existing database."]
    for args in (("tasks", "assign", "6", "--worker", "w"), ("tasks", "list"), ("worker", "--burst")):
        result = tutti_in(elsewhere, *args, DATABASE_URL="sqlite:///var/tutti.db")
        assert result.returncode != 0, args
        assert result.stderr.strip().splitlines() == expected, (args, result.stderr)
        assert not missing.exists() and not missing.parent.exists(), args

    assert tutti_in(elsewhere, "db", "upgrade", DATABASE_URL="sqlite:///var/tutti.db").returncode == 0
    listed = tutti_in(elsewhere, "tasks", "list", DATABASE_URL="sqlite:///var/tutti.db")
    assert missing.exists() and listed.returncode == 0 and listed.stderr == ""


def test_a_database_behind_the_migrations_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (("tasks", "assign", "6", "--worker", "w"), ("cron",)):
        result = tutti_in(tmp_path, *args, DATABASE_URL=f"sqlite:///{empty}")
        assert result.returncode != 0, args
        assert result.stderr.strip().splitlines() == [
            "Error: The database schema is not up to date: run `tutti db upgrade` first."], (args, result.stderr)


@pytest.fixture
def failing_delivery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Delivering the outbox after a command fails, as when the database goes away at the end."""
    def drain(self: OutboxDispatcher, *args: object, **kwargs: object) -> None:
        raise RuntimeError("the outbox went away")

    monkeypatch.setattr(OutboxDispatcher, "drain", drain)


def test_an_error_while_finishing_a_command_is_one_line(database_url: str, tmp_path: Path,
                                                        failing_delivery: None) -> None:
    env = {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
           "TUTTI_SLACK_ENABLED": "0"}
    listed = CliRunner().invoke(main, ["workflows", "list"], env=env, catch_exceptions=False)
    assert listed.exit_code == 1
    assert listed.stderr.splitlines() == [
        "Error: Unexpected RuntimeError: the outbox went away (set TUTTI_DEBUG=1 to see where)"]

    refused = CliRunner().invoke(main, ["tasks", "assign", "999", "--worker", "nobody"], env=env,
                                 catch_exceptions=False)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines() == ["Error: Worker nobody does not exist."]  # the command's own error
