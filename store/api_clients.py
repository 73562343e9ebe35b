"""Client-API storage: API keys and their webhooks, seen request signatures, the webhook delivery log.

Functions take the caller's session and never commit; the caller's unit of work owns the transaction.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from store.models import ApiKey, SeenSignature, WebhookDelivery
from store.types import utcnow

# A signature's Date may be 5 minutes in the past or the future, so it can be valid for 10 minutes after it is
# first seen; rows older than this can no longer match an acceptable request.
SEEN_SIGNATURE_RETENTION = timedelta(minutes=15)

MAX_KEY_ID = 100  # the column's length, and the longest id the signature check looks up
# A key id travels in `keyId="..."` and in the X-Api-Key header: visible ASCII without quote, backslash or comma.
_KEY_ID = re.compile(r"[!#-+\--\[\]-~]+")
MIN_WEBHOOK_SECRET_BYTES = 24  # Standard Webhooks: secrets are 24 to 64 random bytes
MAX_WEBHOOK_SECRET_BYTES = 64


class ApiKeyError(Exception):
    """An API key operation that cannot be done (unknown key, duplicate id)."""


@dataclass(frozen=True)
class Webhook:
    """Where and how to sign a client's webhooks."""

    key_id: str
    url: str
    secret: str

    def __repr__(self) -> str:
        return f"Webhook(key_id={self.key_id!r}, url={self.url!r})"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 24 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def find_key(session: Session, key_id: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))


_SECRET_BY_KEY = select(ApiKey.secret, ApiKey.revoked_at).where(ApiKey.key_id == bindparam("key_id"))


def key_secret(session: Session, key_id: str) -> tuple[str, datetime | None] | None:
    """The key's secret and when it was revoked, if ever (every signed request asks: only the two columns)."""
    row = session.execute(_SECRET_BY_KEY, {"key_id": key_id}).first()
    return None if row is None else (row[0], row[1])


def create_key(session: Session, *, client: str = "", key_id: str | None = None, secret: str | None = None) -> ApiKey:
    """A new key for `client` (other keys of the client stay valid: that is how keys are rotated)."""
    if len(client) > MAX_KEY_ID:
        raise ApiKeyError(f"The client name is longer than {MAX_KEY_ID} characters.")
    key_id = key_id or f"{_id_prefix(client)}-{secrets.token_hex(4)}"
    check_key_id(key_id)
    if find_key(session, key_id) is not None:
        raise ApiKeyError(f"An API key {key_id} already exists.")
    key = ApiKey(key_id=key_id, client=client, secret=secret or new_secret())
    session.add(key)
    session.flush()
    return key


def check_key_id(key_id: str) -> None:
    """Raise unless a client can send `key_id` in a signature (keyId="...") and in X-Api-Key."""
    if len(key_id) > MAX_KEY_ID or not _KEY_ID.fullmatch(key_id):
        raise ApiKeyError(f"A key id is 1 to {MAX_KEY_ID} visible ASCII characters without spaces, quotes, "
                          "backslashes or commas.")


def _id_prefix(client: str) -> str:
    """The client name made safe for a generated key id."""
    prefix = re.sub(r"[^A-Za-z0-9._-]+", "-", client).strip("-")[:MAX_KEY_ID - 9]
    return prefix or "client"


def revoke_key(session: Session, key_id: str, *, now: datetime | None = None) -> ApiKey:
    key = find_key(session, key_id)
    if key is None:
        raise ApiKeyError(f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = now or utcnow()
    return key


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.client, ApiKey.created_at, ApiKey.id)))


def set_webhook(session: Session, key_id: str, url: str, secret: str | None = None) -> ApiKey:
    check_webhook_url(url)
    if secret is not None:
        check_webhook_secret(secret)
    key = find_key(session, key_id)
    if key is None:
        raise ApiKeyError(f"No API key {key_id}.")
    key.webhook_url = url
    key.webhook_secret = secret or key.webhook_secret or new_webhook_secret()
    return key


def check_webhook_url(url: str) -> None:
    """Raise unless `url` is an http(s) URL with a host (and a port, if any, that is a number) and no spaces."""
    problem = ApiKeyError("The webhook URL must start with http:// or https:// and name a host (a port, if "
                          "given, is a number), with no spaces.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise problem from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise problem


def check_webhook_secret(secret: str) -> None:
    """Raise unless `secret` is `whsec_` and base64 of 24 to 64 bytes (else every delivery would fail to sign)."""
    try:
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not secret.startswith("whsec_") or not MIN_WEBHOOK_SECRET_BYTES <= len(key) <= MAX_WEBHOOK_SECRET_BYTES:
        raise ApiKeyError(f"A webhook secret is whsec_ followed by base64 of {MIN_WEBHOOK_SECRET_BYTES} to "
                          f"{MAX_WEBHOOK_SECRET_BYTES} random bytes.")


def unset_webhook(session: Session, key_id: str) -> ApiKey:
    key = find_key(session, key_id)
    if key is None:
        raise ApiKeyError(f"No API key {key_id}.")
    key.webhook_url = None
    return key


def stored_webhook(session: Session, key_id: str) -> Webhook | None:
    key = find_key(session, key_id)
    if key is None or not key.webhook_url or not key.webhook_secret:
        return None
    return Webhook(key_id, key.webhook_url, key.webhook_secret)


def remember_signature(session: Session, key_id: str, signature: str, request_digest: str) -> None:
    """Record a served request's signature; a second identical one fails the unique constraint at once."""
    session.connection().execute(
        SeenSignature.__table__.insert(),
        {"key_id": key_id, "signature": signature, "request_digest": request_digest, "seen_at": utcnow()},
    )


def forget_old_signatures(session: Session, *, now: datetime | None = None) -> int:
    cutoff = (now or utcnow()) - SEEN_SIGNATURE_RETENTION
    result = session.execute(delete(SeenSignature).where(SeenSignature.seen_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


def log_delivery(session: Session, **fields: object) -> WebhookDelivery:
    row = WebhookDelivery(**fields)
    session.add(row)
    return row


def delivery_log(session: Session, *, key_id: str | None = None, limit: int = 50) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if key_id is not None:
        query = query.where(WebhookDelivery.key_id == key_id)
    return list(session.scalars(query))
