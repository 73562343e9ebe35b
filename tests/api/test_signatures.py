"""Signature checks: every failure is a 401 naming the check, and a refused request changes nothing."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.container import Tutti
from bot.web import create_web_app
from store import api_clients
from store.models import Project, SeenSignature
from store.types import utcnow
from tests.api.conftest import KEY_ID, SECRET, ApiClient, sign
from tests.support.world import World

CREATE = {"workflow_slug": "simple_workflow", "workflow_version_slug": "v1", "description": "signed",
          "priority": 1, "task_class": "real", "project_data": {"url": ""}}
PATH = "/orchestra/api/project/create_project/"


def project_count(world: World) -> int:
    with world.tutti.database.read() as session:
        return session.scalar(select(func.count()).select_from(Project)) or 0


def refused(response: object, check: str) -> None:
    assert response.status_code == 401, response.get_json()  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert body["check"] == check
    assert body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Signature")  # type: ignore[attr-defined]


def test_a_correctly_signed_request_is_served(api: ApiClient) -> None:
    assert api.post("create_project", CREATE).status_code == 200


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_date_more_than_five_minutes_away_is_stale(api: ApiClient, api_world: World, minutes: int) -> None:
    response = api.post("create_project", CREATE, date=utcnow() + timedelta(minutes=minutes))
    refused(response, "date_stale")
    assert project_count(api_world) == 0


def test_a_date_just_inside_the_window_is_accepted(api: ApiClient) -> None:
    assert api.post("create_project", CREATE, date=utcnow() - timedelta(minutes=4, seconds=50)).status_code == 200


def test_a_replayed_request_is_refused_and_changes_nothing(api: ApiClient, api_world: World) -> None:
    body = json.dumps(CREATE).encode()
    headers = sign("POST", PATH, body)
    assert api.client.post(PATH, data=body, headers=headers).status_code == 200
    replay = api.client.post(PATH, data=body, headers=headers)
    refused(replay, "replayed")
    assert project_count(api_world) == 1


def test_a_replay_of_a_refused_request_is_refused_too(api: ApiClient, api_world: World) -> None:
    body = json.dumps({**CREATE, "workflow_slug": "not_loaded_yet"}).encode()
    headers = sign("POST", PATH, body)
    first = api.client.post(PATH, data=body, headers=headers)
    assert first.status_code == 400
    refused(api.client.post(PATH, data=body, headers=headers), "replayed")


def test_reads_may_repeat_within_the_same_second(api: ApiClient) -> None:
    path = "/orchestra/api/project/workflow_types/"
    headers = sign("GET", path)
    assert api.client.get(path, headers=headers).status_code == 200
    assert api.client.get(path, headers=headers).status_code == 200


def test_a_tampered_body_fails_the_signed_digest(api: ApiClient, api_world: World) -> None:
    body = json.dumps(CREATE).encode()
    headers = sign("POST", PATH, body, signed=("(request-target)", "date", "digest"), digest=True)
    tampered = json.dumps({**CREATE, "priority": 99}).encode()
    refused(api.client.post(PATH, data=tampered, headers=headers), "digest")
    assert project_count(api_world) == 0
    assert api.client.post(PATH, data=body, headers=headers).status_code == 200


def test_a_signed_digest_header_cannot_be_swapped(api: ApiClient) -> None:
    body = json.dumps(CREATE).encode()
    headers = sign("POST", PATH, body, signed=("(request-target)", "date", "digest"), digest=True)
    tampered = json.dumps({**CREATE, "priority": 99}).encode()
    other = sign("POST", PATH, tampered, digest=True)
    refused(api.client.post(PATH, data=tampered, headers={**headers, "Digest": other["Digest"]}), "signature")


def test_a_signed_request_target_cannot_be_sent_to_another_endpoint(api: ApiClient) -> None:
    headers = sign("POST", "/orchestra/api/project/project_information/", b'{"project_ids": []}',
                   signed=("(request-target)", "date"))
    refused(api.client.post(PATH, data=json.dumps(CREATE), headers=headers), "signature")


def test_a_missing_signed_digest_header_is_named(api: ApiClient) -> None:
    body = json.dumps(CREATE).encode()
    headers = sign("POST", PATH, body, signed=("date", "digest"), digest=True)
    del headers["Digest"]
    refused(api.client.post(PATH, data=body, headers=headers), "header_missing")


def test_an_unknown_key_is_refused(api: ApiClient, api_world: World) -> None:
    response = api.post("create_project", CREATE, key_id="who-is-this")
    refused(response, "unknown_key")
    assert response.get_json()["detail"] == "Unable to find API key"
    assert project_count(api_world) == 0


def test_a_wrong_secret_is_a_bad_signature(api: ApiClient, api_world: World) -> None:
    response = api.post("create_project", CREATE, secret="guessed")
    refused(response, "signature")
    assert response.get_json()["detail"] == "Bad signature"
    assert project_count(api_world) == 0


def test_no_signature_no_date_and_an_unsigned_date(api: ApiClient) -> None:
    refused(api.client.post(PATH, data=json.dumps(CREATE), headers={"X-Api-Key": KEY_ID}), "signature_missing")
    headers = sign("POST", PATH)
    del headers["date"]
    refused(api.client.post(PATH, data=json.dumps(CREATE), headers=headers), "header_missing")
    only_target = sign("POST", PATH, signed=("(request-target)",))
    refused(api.client.post(PATH, data=json.dumps(CREATE), headers=only_target), "date_unsigned")


def test_x_api_key_must_name_the_signing_key(api: ApiClient, api_world: World) -> None:
    with api_world.tutti.database.unit_of_work() as uow:
        api_clients.create_key(uow.session, client="other", key_id="other-key", secret="other-secret")
        uow.commit()
    refused(api.post("create_project", CREATE, api_key="other-key"), "key_mismatch")


def test_another_algorithm_is_refused(api: ApiClient) -> None:
    headers = sign("POST", PATH)
    headers["Authorization"] = headers["Authorization"].replace("hmac-sha256", "rsa-sha256")
    refused(api.client.post(PATH, data=json.dumps(CREATE), headers=headers), "algorithm")


def test_keys_rotate_old_and_new_both_work_until_the_old_is_revoked(api: ApiClient, api_world: World) -> None:
    with api_world.tutti.database.unit_of_work() as uow:
        new = api_clients.create_key(uow.session, client="newsroom")
        new_id, new_secret = new.key_id, new.secret
        uow.commit()
    assert api.post("create_project", CREATE).status_code == 200
    assert api.post("create_project", CREATE, key_id=new_id, secret=new_secret).status_code == 200
    with api_world.tutti.database.unit_of_work() as uow:
        api_clients.revoke_key(uow.session, KEY_ID)
        uow.commit()
    refused(api.post("project_information", {"project_ids": [1]}), "revoked_key")
    assert api.post("project_information", {"project_ids": [1]}, key_id=new_id, secret=new_secret).status_code == 200


def test_keys_from_settings_work_alongside_stored_ones(api_world: World, tutti: Tutti) -> None:
    settings_tutti = Tutti(tutti.settings.with_(api_keys=(("orchestra-user", "CHANGEME"),)), manual_jobs=True)
    try:
        with create_web_app(settings_tutti).test_client() as client:
            assert ApiClient(client, "orchestra-user", "CHANGEME").get("workflow_types").status_code == 200
            assert ApiClient(client).get("workflow_types").status_code == 200
            refused(ApiClient(client, "orchestra-user", SECRET).get("workflow_types"), "signature")
    finally:
        settings_tutti.close()


def test_seen_signatures_are_kept_only_while_they_could_still_be_accepted(api: ApiClient, api_world: World) -> None:
    assert api.post("create_project", CREATE).status_code == 200
    with api_world.tutti.database.unit_of_work() as uow:
        assert api_clients.forget_old_signatures(uow.session) == 0
        assert api_clients.forget_old_signatures(uow.session, now=utcnow() + timedelta(minutes=16)) == 1
        uow.commit()
    with api_world.tutti.database.read() as session:
        assert session.scalar(select(func.count()).select_from(SeenSignature)) == 0


def test_no_secret_reaches_the_logs_or_reprs(api: ApiClient, api_world: World,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.post("create_project", CREATE)
    api.post("create_project", CREATE, secret="guessed")
    api.post("create_project", CREATE, date=utcnow() - timedelta(hours=1))
    with api_world.tutti.database.read() as session:
        key = api_clients.find_key(session, KEY_ID)
        assert SECRET not in repr(key)
    assert SECRET not in caplog.text
    assert "CHANGEME" not in repr(api_world.tutti.settings.with_(api_keys=(("k", "CHANGEME"),)))
