"""Rate-aware Slack calls from jobs: token buckets per Web API method tier and per channel for chat.postMessage.

Slack's limits: each method has a tier (1: 1/min, 2: 20/min, 3: 50/min, 4: 100/min), and chat.postMessage
allows about one message per second per channel (short bursts tolerated). A delivery that would exceed a
bucket waits: a short wait is slept through, a longer one becomes `RetryLater(counts=False)`, so the outbox
puts the message back without spending an attempt. A 429 that still happens (another app on the token, a
stricter workspace) empties the bucket for Retry-After and is retried by `jobs.slack_calls`.

Without Redis the buckets live in this process; with REDIS_URL they live in Redis (one Lua script, atomic),
shared by every worker process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from jobs.errors import RetryLater

PER_MINUTE = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}

# Tiers of the methods Tutti calls from jobs (https://api.slack.com/docs/rate-limits).
METHOD_TIERS = {
    "conversations.create": 2,
    "conversations.archive": 2,
    "conversations.unarchive": 2,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "conversations.invite": 3,
    "conversations.kick": 3,
    "conversations.info": 3,
    "conversations.open": 3,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.postEphemeral": 4,
    "views.publish": 4,
    "users.info": 4,
    "users.lookupByEmail": 4,
    "files.info": 4,
}
DEFAULT_TIER = 3
POST_PER_CHANNEL_PER_SECOND = 1.0
POST_CHANNEL_BURST = 5.0  # "short bursts above one per second are allowed"
POST_WORKSPACE_PER_SECOND = 10.0  # Slack publishes no app-wide number ("several hundred a minute"): stay under it
POST_WORKSPACE_BURST = 50.0
INLINE_WAIT = 0.25  # sleep through waits this short instead of re-queueing the delivery


@dataclass(frozen=True)
class Bucket:
    key: str
    rate: float  # tokens per second
    burst: float


def buckets_for(method: str, kwargs: dict[str, Any], scale: float = 1.0) -> list[Bucket]:
    """The buckets one call draws from; `scale` multiplies every rate (tests and benchmarks)."""
    if method == "chat.postMessage":
        channel = str(kwargs.get("channel") or "")
        return [  # the per-channel bucket first: it is the one that usually says wait
            Bucket(f"chat.postMessage:{channel}", POST_PER_CHANNEL_PER_SECOND * scale, POST_CHANNEL_BURST),
            Bucket("chat.postMessage", POST_WORKSPACE_PER_SECOND * scale, POST_WORKSPACE_BURST),
        ]
    per_minute = PER_MINUTE[METHOD_TIERS.get(method, DEFAULT_TIER)]
    return [Bucket(method, per_minute / 60.0 * scale, per_minute)]  # a minute's allowance may come at once


class RateLimiter(Protocol):
    def acquire(self, bucket: Bucket) -> float:
        """Take a token: 0.0 when granted, else the seconds until one is available (nothing taken)."""

    def penalize(self, bucket: Bucket, seconds: float) -> None:
        """Slack said 429: grant nothing from this bucket for `seconds`."""


class InMemoryRateLimiter:
    """Token buckets in this process (make dev, tests, a single worker)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated at)

    def acquire(self, bucket: Bucket) -> float:
        with self._lock:
            now = self._clock()
            tokens, updated = self._state.get(bucket.key, (bucket.burst, now))
            tokens = min(bucket.burst, tokens + max(0.0, now - updated) * bucket.rate)
            if tokens >= 1.0:
                self._state[bucket.key] = (tokens - 1.0, now)
                return 0.0
            self._state[bucket.key] = (tokens, now)
            return (1.0 - tokens) / bucket.rate

    def penalize(self, bucket: Bucket, seconds: float) -> None:
        with self._lock:
            self._state[bucket.key] = (-seconds * bucket.rate, self._clock())


# KEYS[1] = bucket; ARGV = rate per second, burst, cost (1 to take, or a negative token count to penalize).
# Returns the wait in milliseconds (0 = granted). Uses the Redis server's clock, so workers need not agree.
_TOKEN_BUCKET = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil then tokens = burst; ts = now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if cost < 0 then
  tokens = cost
elseif tokens >= cost then
  tokens = tokens - cost
else
  wait = math.ceil((cost - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 60000)
return wait
"""


class RedisRateLimiter:
    """Token buckets in Redis, shared by every worker process (one atomic script per call)."""

    def __init__(self, redis_url: str, prefix: str = "tutti:ratelimit:") -> None:
        from redis import Redis

        self.connection = Redis.from_url(redis_url)
        self.prefix = prefix
        self._script = self.connection.register_script(_TOKEN_BUCKET)

    def acquire(self, bucket: Bucket) -> float:
        wait_ms = self._script(keys=[self.prefix + bucket.key], args=[bucket.rate, bucket.burst, 1])
        return float(wait_ms) / 1000.0

    def penalize(self, bucket: Bucket, seconds: float) -> None:
        debt = -max(0.001, seconds * bucket.rate)
        self._script(keys=[self.prefix + bucket.key], args=[bucket.rate, bucket.burst, debt])

    def close(self) -> None:
        self.connection.close()


class RateLimitedClient(WebClient):
    """A WebClient for delivery jobs: every call first takes tokens from its buckets, or asks to be retried."""

    def __init__(self, limiter: RateLimiter, *args: Any, rate_scale: float = 1.0, inline_wait: float = INLINE_WAIT,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limiter = limiter
        self.rate_scale = rate_scale
        self.inline_wait = inline_wait

    def api_call(self, api_method: str, *args: Any, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        params = dict(kwargs.get("json") or kwargs.get("params") or kwargs.get("data") or {})
        buckets = buckets_for(api_method, params, self.rate_scale)
        for bucket in buckets:
            self._take(api_method, bucket)
        try:
            return super().api_call(api_method, *args, **kwargs)
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                retry_after = float(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1))
                                    or 1)
                for bucket in buckets:
                    self.limiter.penalize(bucket, retry_after)
            raise

    def _take(self, method: str, bucket: Bucket) -> None:
        for _ in range(4):
            wait = self.limiter.acquire(bucket)
            if wait <= 0:
                return
            if wait > self.inline_wait:
                raise RetryLater(f"{method}: waiting {wait:.2f}s for Slack's rate limit ({bucket.key})", wait,
                                 counts=False)
            time.sleep(wait)
        raise RetryLater(f"{method}: busy rate limit bucket {bucket.key}", self.inline_wait, counts=False)
