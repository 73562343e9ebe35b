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
