"""What Slack listeners need from the rest of Tutti, handed over by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from store.db import Database


@dataclass(frozen=True)
class SlackServices:
    """The database listeners work on, plus the few settings they read."""

    database: Database
    public_url: str
    random: Callable[[], float]
    # Publishes someone's Home from a job, ahead of other jobs; None: the listener publishes it itself.
    publish_home_soon: Callable[[str], None] | None = None
