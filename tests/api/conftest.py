"""Client-API fixtures: a Tutti with the bundled workflows, API keys, and requests signed the way Orchestra's are."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from httpsig.sign import HeaderSigner

from bot.container import Tutti
from bot.web import create_web_app
from store import api_clients
from store.types import utcnow
from tests.support.world import World

KEY_ID = "newsroom-cms"
SECRET = "s3cret-for-tests-only"


def sign(method: str, path: str, body: bytes = b"", *, key_id: str = KEY_ID, secret: str = SECRET,
         signed: tuple[str, ...] = ("date",), date: datetime | None = None, digest: bool = False,
         api_key: str | None = None) -> dict[str, str]:
    """Orchestra's client headers (date, X-Api-Version, X-Api-Key) plus the httpsig Authorization header."""
    headers = {"date": format_datetime(date or utcnow(), usegmt=True), "X-Api-Version": "~6.5",
               "X-Api-Key": api_key or key_id}
    if digest:
        headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    signer = HeaderSigner(key_id=key_id, secret=secret, algorithm="hmac-sha256",
                          headers=list(signed) if signed != ("date",) else None)
    signed_headers = signer.sign(headers, method=method, path=path)
    return {**headers, "Authorization": signed_headers["authorization"]}


class ApiClient:
    """Signed calls against the Flask app in-process."""

    def __init__(self, client: FlaskClient, key_id: str = KEY_ID, secret: str = SECRET) -> None:
        self.client = client
        self.key_id = key_id
        self.secret = secret

    def post(self, endpoint: str, data: Any, *, headers: dict[str, str] | None = None, **sign_args: Any) -> Any:
        path = f"/orchestra/api/project/{endpoint}/"
        body = json.dumps(data).encode()
        signed = sign("POST", path, body, **{"key_id": self.key_id, "secret": self.secret, **sign_args})
        return self.client.post(path, data=body, headers={**signed, **(headers or {})})

    def get(self, endpoint: str, **sign_args: Any) -> Any:
        path = f"/orchestra/api/project/{endpoint}/"
        return self.client.get(path, headers=sign("GET", path, **{"key_id": self.key_id, "secret": self.secret,
                                                                   **sign_args}))


@pytest.fixture
def api_world(world: World) -> World:
    world.load_bundled()
    with world.tutti.database.unit_of_work() as uow:
        api_clients.create_key(uow.session, client="newsroom", key_id=KEY_ID, secret=SECRET)
        uow.commit()
    return world


@pytest.fixture
def api(api_world: World, tutti: Tutti) -> Iterator[ApiClient]:
    app = create_web_app(tutti)
    with app.test_client() as client:
        yield ApiClient(client)
