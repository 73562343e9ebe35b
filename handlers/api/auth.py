"""HTTP Signatures (draft-cavage-03, hmac-sha256) as Orchestra's clients send them, checked more strictly.

Orchestra's client signs only `date` and sends the key in `X-Api-Key`. We check, in order: a signature is
present, it names a known, unrevoked key, it signs `date`, the HMAC matches (constant-time), the Date is within
five minutes of our clock, and, when sent, the body digest matches. Each failure names the check that failed.
Replays are refused by the caller (see `replay_digest`): a signature can be used once per request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy.orm import Session

from store import api_clients

MAX_CLOCK_SKEW = timedelta(minutes=5)
ALGORITHM = "hmac-sha256"
_PARAM = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')


class AuthError(Exception):
    """A failed check: `check` is a stable code, `message` says what to fix."""

    def __init__(self, check: str, message: str) -> None:
        super().__init__(message)
        self.check = check
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who signed the request."""

    key_id: str
    signature: str


@dataclass(frozen=True)
class IncomingRequest:
    """The parts of an HTTP request a signature covers."""

    method: str
    target: str  # path and query, as the client wrote it
    headers: Mapping[str, str]  # case-insensitive (werkzeug Headers)
    body: bytes


class Keyring:
    """Secrets by key id: keys from settings (TUTTI_API_KEYS) first, then the `api_keys` table."""

    def __init__(self, static_keys: Mapping[str, str] | None = None) -> None:
        self._static = dict(static_keys or {})

    def __repr__(self) -> str:
        return f"Keyring({len(self._static)} keys from settings)"

    def secret(self, session: Session, key_id: str) -> str:
        if key_id in self._static:
            return self._static[key_id]
        if len(key_id) > 100 or "\x00" in key_id:
            raise AuthError("unknown_key", "Unable to find API key")
        found = api_clients.key_secret(session, key_id)
        if found is None:
            raise AuthError("unknown_key", "Unable to find API key")
        secret, revoked_at = found
        if revoked_at is not None:
            raise AuthError("revoked_key", "This API key was revoked; sign with a current key")
        return secret


def parse_signature_header(value: str) -> dict[str, str]:
    """The `keyId`, `algorithm`, `headers` and `signature` parameters of `Signature k="v",...`."""
    value = value.strip()
    if value[:10].lower() == "signature ":
        value = value[10:]
    return {name: text for name, text in _PARAM.findall(value)}


def authenticate(request: IncomingRequest, session: Session, keyring: Keyring, now: datetime) -> Caller:
    """Verify the request's signature or raise AuthError saying which check failed."""
    header = request.headers.get("Authorization") or request.headers.get("Signature")
    if not header:
        raise AuthError("signature_missing", "No signature provided")
    params = parse_signature_header(header)
    signature = params.get("signature")
    key_id = params.get("keyId")
    if not signature or not key_id:
        raise AuthError("signature_malformed", "The Authorization header must be: Signature keyId=\"...\","
                                               "algorithm=\"hmac-sha256\",signature=\"...\"")
    api_key = request.headers.get("X-Api-Key")
    if api_key is not None and not hmac.compare_digest(api_key.encode(), key_id.encode()):
        raise AuthError("key_mismatch", "X-Api-Key and the signature's keyId name different keys")
    algorithm = params.get("algorithm", ALGORITHM).lower()
    if algorithm != ALGORITHM:
        raise AuthError("algorithm", f"Unsupported signature algorithm {algorithm!r}; use hmac-sha256")
    signed = params.get("headers", "date").lower().split()
    if "date" not in signed:
        raise AuthError("date_unsigned", "The signature must cover the date header")
    secret = keyring.secret(session, key_id)
    expected = _sign(secret, _signing_string(request, signed))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise AuthError("signature", "Bad signature")
    _check_date(request.headers.get("Date", ""), now)
    if "digest" in signed or request.headers.get("Digest"):
        _check_digest(request.headers.get("Digest", ""), request.body)
    return Caller(key_id=key_id, signature=signature)


def replay_digest(request: IncomingRequest) -> str:
    """What makes a request distinct besides its signature: method, target and body."""
    digest = hashlib.sha256(f"{request.method.upper()} {request.target}\n".encode())
    digest.update(request.body)
    return digest.hexdigest()


def _signing_string(request: IncomingRequest, signed: list[str]) -> str:
    lines = []
    for name in signed:
        if name == "(request-target)":
            lines.append(f"(request-target): {request.method.lower()} {request.target}")
            continue
        value = request.headers.get(name)
        if value is None:
            raise AuthError("header_missing", f"The signed header {name!r} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _sign(secret: str, text: str) -> str:
    mac = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def _check_date(value: str, now: datetime) -> None:
    if not value:
        raise AuthError("date_missing", "The Date header is missing")
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        sent = None
    if sent is None or sent.tzinfo is None:
        raise AuthError("date_invalid", "The Date header is not an RFC 1123 date such as "
                                        "'Sun, 06 Nov 1994 08:49:37 GMT'")
    if abs(now - sent) > MAX_CLOCK_SKEW:
        raise AuthError("date_stale", "The Date header is more than 5 minutes away from the server's clock; "
                                      "sign each request when it is sent")


def _check_digest(value: str, body: bytes) -> None:
    if not value:
        raise AuthError("header_missing", "The signed header 'digest' is missing from the request")
    for part in value.split(","):
        algorithm, _, encoded = part.strip().partition("=")
        if algorithm.strip().upper() == "SHA-256":
            actual = base64.b64encode(hashlib.sha256(body).digest()).decode()
            if not hmac.compare_digest(actual.encode(), encoded.strip().encode()):
                raise AuthError("digest", "The Digest header does not match the body")
            return
    raise AuthError("digest", "The Digest header must carry a SHA-256 value (Digest: SHA-256=<base64>)")
