"""Review policies: whether a submission goes to (another) reviewer."""

from __future__ import annotations

from collections.abc import Callable

from workflows.definition import ReviewPolicy
from workflows.errors import ReviewPolicyError

RandomSource = Callable[[], float]


def is_review_needed(policy: ReviewPolicy | None, assignment_count: int, rng: RandomSource) -> bool:
    """Orchestra's rule: `assignment_count - 1` reviews exist; sample another while under `max_reviews`."""
    if policy is None:
        raise ReviewPolicyError("Review policy incorrectly specified.")
    if policy.policy == "no_review":
        return False
    if policy.rate is None or policy.max_reviews is None:
        raise ReviewPolicyError("Review policy incorrectly specified.")
    if policy.max_reviews <= assignment_count - 1:
        return False
    return rng() < policy.rate
