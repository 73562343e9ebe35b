"""Rate-aware delivery: token buckets per method tier and per channel, in process and in Redis."""

from __future__ import annotations

import os
import uuid

import pytest

from jobs.errors import RetryLater
from jobs.rate_limit import Bucket, InMemoryRateLimiter, RateLimitedClient, RedisRateLimiter, buckets_for

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_chat_post_message_is_limited_per_channel_and_other_methods_per_tier() -> None:
    assert [b.key for b in buckets_for("chat.postMessage", {"channel": "C1"})] == ["chat.postMessage:C1",
                                                                                   "chat.postMessage"]
    [update] = buckets_for("chat.update", {})
    assert update.rate == pytest.approx(50 / 60) and update.burst == 50  # tier 3
    [create] = buckets_for("conversations.create", {})
    assert create.rate == pytest.approx(20 / 60)  # tier 2


def test_a_bucket_grants_its_burst_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = InMemoryRateLimiter(clock)
    bucket = Bucket("chat.postMessage:C1", rate=1.0, burst=3)
    assert [limiter.acquire(bucket) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire(bucket) == pytest.approx(1.0)
    clock.now = 1.0
    assert limiter.acquire(bucket) == 0.0
    limiter.penalize(bucket, 5)
    clock.now = 3.0
    assert limiter.acquire(bucket) > 0


def test_the_client_asks_for_a_retry_instead_of_calling_slack_when_the_bucket_is_empty() -> None:
    limiter = InMemoryRateLimiter(Clock())
    client = RateLimitedClient(limiter, token="xoxb-test", base_url="http://127.0.0.1:9/api/", inline_wait=0.0)
    bucket = buckets_for("chat.postMessage", {"channel": "C1"})[0]
    for _ in range(int(bucket.burst)):
        limiter.acquire(bucket)
    with pytest.raises(RetryLater) as caught:
        client.api_call("chat.postMessage", json={"channel": "C1", "text": "hi"})
    assert caught.value.counts is False and caught.value.delay and caught.value.delay > 0


@pytest.mark.redis
def test_the_redis_bucket_is_shared_by_every_limiter_on_the_same_redis() -> None:
    try:
        first, second = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
        first.connection.ping()
    except Exception as exc:  # pragma: no cover - no Redis here
        pytest.skip(f"no Redis: {exc}")
    bucket = Bucket(f"test:{uuid.uuid4()}", rate=0.5, burst=2)
    assert first.acquire(bucket) == 0.0
    assert second.acquire(bucket) == 0.0
    wait = first.acquire(bucket)
    assert 0 < wait <= 2.0
    second.penalize(bucket, 10)
    assert first.acquire(bucket) > 5
    first.close()
    second.close()
