"""Slack's v0 request signature, as the sandbox puts it on what it delivers to the app."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str, body: str) -> str:
    """v0=HMAC-SHA256 of 'v0:{timestamp}:{body}' keyed with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: str, content_type: str) -> dict[str, str]:
    """The headers Slack sends with a signed request."""
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature(secret, str(timestamp), body),
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
