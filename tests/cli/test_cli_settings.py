"""Where Tutti says it can be reached: the public URL follows the port it serves on unless it is set."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.settings import Settings
from tests.support.world import World


def test_the_default_public_url_follows_port_and_host() -> None:
    assert Settings.from_env({}).public_url == "http://127.0.0.1:8000"
    on_8100 = Settings.from_env({"PORT": "8100"})
    assert on_8100.public_url == "http://127.0.0.1:8100"
    assert on_8100.files_url == "http://127.0.0.1:8100/files"
    assert Settings.from_env({"PORT": "8100", "TUTTI_HOST": "0.0.0.0"}).public_url == "http://127.0.0.1:8100"
    assert Settings.from_env({"PORT": "8100", "TUTTI_HOST": "10.0.0.5"}).public_url == "http://10.0.0.5:8100"


def test_a_set_public_url_wins_over_port() -> None:
    settings = Settings.from_env({"PORT": "8100", "TUTTI_PUBLIC_URL": "https://tutti.example.org/"})
    assert settings.public_url == "https://tutti.example.org"
    assert settings.on_port(8200).public_url == "https://tutti.example.org"


def test_dev_on_another_port_moves_the_default_public_url_with_it() -> None:
    moved = Settings.from_env({}).on_port(8200)
    assert (moved.web_port, moved.public_url) == (8200, "http://127.0.0.1:8200")


def test_file_links_point_at_the_port_tutti_serves_on(database_url: str, tmp_path: Path, world: World) -> None:
    world.load_bundled()
    env = {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
           "TUTTI_SLACK_ENABLED": "0", "PORT": "8100", "TUTTI_PUBLIC_URL": ""}
    created = CliRunner().invoke(main, ["projects", "create", "journalism", "v1", "--wait", "30"], env=env,
                                 catch_exceptions=False)
    assert created.exit_code == 0, created.output
    assert "document_creation: Complete" in created.stdout
    link = world.info(1)["tasks"]["document_creation"]["latest_data"]["articleURL"]
    assert link.startswith("http://127.0.0.1:8100/files/")


def test_commands_send_slack_calls_to_the_sandbox_on_its_configured_port() -> None:
    """`tutti` commands run beside a `make dev` whose sandbox listens elsewhere must reach that sandbox."""
    assert Settings.from_env({}).slack_api_url == "http://127.0.0.1:3001/api/"
    assert Settings.from_env({"TUTTI_SANDBOX_PORT": "3101"}).slack_api_url == "http://127.0.0.1:3101/api/"
    real = {"TUTTI_SANDBOX_PORT": "3101", "SLACK_API_URL": "https://slack.com/api/"}
    assert Settings.from_env(real).slack_api_url == "https://slack.com/api/"
