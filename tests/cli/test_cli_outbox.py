"""`tutti outbox`: an operator sees the deliveries that gave up, and sends them again."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select, update

from bot.cli import main
from store import outbox
from store.enums import OutboxStatus
from store.models import OutboxMessage
from tests.support.world import World, human


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "TUTTI_FILES_DIR": str(tmp_path / "files"), "REDIS_URL": "",
            "TUTTI_SLACK_ENABLED": "0"}


def tutti(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def dead_message(world: World, topic: str, payload: dict, project_id: int, error: str) -> int:
    def add(session: object) -> None:
        outbox.add_message(session, topic, payload, project_id=project_id)  # type: ignore[arg-type]

    world.run(add)
    with world.tutti.database.unit_of_work() as uow:
        message_id = uow.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()).limit(1))
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                            .values(status=OutboxStatus.DEAD, attempts=8, last_error=error))
        uow.commit()
    return int(message_id)


def status(world: World, message_id: int) -> tuple[OutboxStatus, int]:
    with world.tutti.database.read() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message.status, message.attempts


def test_a_dead_delivery_is_listed_with_its_error_and_sent_again_on_request(
        cli_env: dict[str, str], world: World) -> None:
    world.load("desk", [human("write")])
    project = world.create("desk")
    message_id = dead_message(world, "event", {"event": "project.created", "project_id": project}, project,
                              "chat.postMessage: channel_not_found")

    listed = tutti(cli_env, "outbox", "list", "--status", "dead")
    assert listed.exit_code == 0, listed.output
    assert f"{message_id}\tevent\tdead\t8/8\tproject {project}\t" in listed.output
    assert "channel_not_found" in listed.output
    delivered = tutti(cli_env, "outbox", "list", "--status", "delivered").output.splitlines()
    assert delivered and not any(line.startswith(f"{message_id}\t") for line in delivered)

    retried = tutti(cli_env, "outbox", "retry", str(message_id))
    assert retried.exit_code == 0, retried.output
    assert f"Outbox message {message_id} (event) will be sent again." in retried.output
    assert status(world, message_id) == (OutboxStatus.DELIVERED, 1)  # delivered at once, with a fresh count


def test_only_dead_messages_are_retried_and_machine_steps_point_to_their_own_command(
        cli_env: dict[str, str], world: World) -> None:
    world.load("desk", [human("write")])
    project = world.create("desk")
    machine = dead_message(world, "machine.run", {"task_id": 7, "project_id": project}, project, "boom")

    refused = tutti(cli_env, "outbox", "retry", str(machine))
    assert refused.exit_code == 1
    assert "use `tutti tasks retry 7`" in refused.output
    assert status(world, machine) == (OutboxStatus.DEAD, 8)

    delivered = dead_message(world, "event", {"event": "x"}, project, "")
    world.run(lambda s: s.execute(update(OutboxMessage).where(OutboxMessage.id == delivered)
                                  .values(status=OutboxStatus.DELIVERED)))
    not_dead = tutti(cli_env, "outbox", "retry", str(delivered))
    assert not_dead.exit_code == 1 and "is delivered, not dead" in not_dead.output
    missing = tutti(cli_env, "outbox", "retry", "999999")
    assert missing.exit_code == 1 and "There is no outbox message 999999." in missing.output
    assert "is not an outbox message id" in tutti(cli_env, "outbox", "retry", "abc").output
