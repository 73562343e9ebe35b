"""Schemathesis against /orchestra/api/openapi.json: signed generated requests never get a 5xx or break the schema."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bot.container import Tutti
from bot.web import create_web_app
from tests.api.conftest import sign
from tests.support.world import World

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))  # per operation and mode; raise it to dig deeper
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture
def api_app(api_world: World, tutti: Tutti) -> Iterator[Flask]:
    # A project with tasks, so generated ids sometimes hit real rows.
    api_world.create("simple_workflow", data={"url": ""})
    yield create_web_app(tutti)


def operations(app: Flask) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_wsgi("/orchestra/api/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_signed_generated_requests_get_no_5xx_and_conform_to_the_schema(api_app: Flask,
                                                                          mode: GenerationMode) -> None:
    """Every operation, a few dozen examples each (kept small for a fast suite), signed like a real client."""
    tried: list[str] = []
    for operation in operations(api_app):
        if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
            continue  # nothing to get wrong in a request without parameters or body

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                  derandomize=True)
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=sign(case.method, case.formatted_path), checks=CHECKS)

        check()
        tried.append(operation.label)
    assert len(tried) == (7 if mode is GenerationMode.POSITIVE else 5)


def test_unsigned_generated_requests_are_refused(api_app: Flask) -> None:
    for operation in operations(api_app):
        if operation.path.endswith("/status/"):
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code == 401, response.text

        check()


def test_the_document_is_served_without_authentication(api_app: Flask) -> None:
    with api_app.test_client() as client:
        document = client.get("/orchestra/api/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    assert {p.rsplit("/", 2)[-2] for p in document["paths"] if "/project/" in p} == {
        "create_project", "project_information", "project_details_url", "workflow_types",
        "assign_worker_to_task", "message_project_team"}
