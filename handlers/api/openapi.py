"""The OpenAPI 3.0 document of the client API, served at `/orchestra/api/openapi.json`."""

from __future__ import annotations

from typing import Any

from handlers.api.validation import MAX_INT, MAX_PROJECT_IDS, MAX_SLUG
from store.enums import TaskStatus

AUTH_TEXT = (
    "Every endpoint under /orchestra/api/project/ needs an HTTP Signature (draft-cavage-03, hmac-sha256), "
    "as Orchestra's Python client sends it: `Authorization: Signature keyId=\"<key>\",algorithm=\"hmac-sha256\","
    "signature=\"<base64 HMAC-SHA256(secret, 'date: <Date>')>\"`, the `Date` header (within 5 minutes of the "
    "server's clock) and `X-Api-Key: <key>`. A client may also sign `(request-target)` and `digest` "
    "(`Digest: SHA-256=<base64>`); the server then checks them. A state-changing request may be sent once per "
    "signature: a replay is refused with 401. Errors of authentication are 401 with `detail` and `check`."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, **extra}
    schema["required"] = list(properties) if required is None else required
    return schema


_INT32 = {"type": "integer", "format": "int32", "minimum": -MAX_INT - 1, "maximum": MAX_INT}
_ID = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_INT}
_DATETIME = {"type": "string", "format": "date-time"}
_ANY_OBJECT = {"type": "object", "additionalProperties": True}

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": {"type": "integer"}, "message": {"type": "string"}}),
    "Unauthorized": _obj({"detail": {"type": "string"}, "check": {"type": "string"}}),
    "Detail": _obj({"detail": {"type": "string"}}),
    "CreateProjectRequest": _obj({
        "workflow_slug": {"type": "string", "maxLength": MAX_SLUG},
        "workflow_version_slug": {"type": "string", "maxLength": MAX_SLUG},
        "description": {"type": "string"},
        "priority": _INT32,
        "task_class": {"type": "string", "enum": ["real", "training"],
                       "description": "'real' makes a real project; any other string a training one."},
        "project_data": _nullable(_ANY_OBJECT),
    }),
    "CreateProjectResponse": _obj({"project_id": _ID}),
    "ProjectInformationRequest": _obj({"project_ids": {"type": "array", "items": {"type": "integer"},
                                                       "maxItems": MAX_PROJECT_IDS}}),
    "ProjectInformationResponse": {"type": "object", "additionalProperties": _ref("ProjectInformation"),
                                   "description": "Keyed by project id (as a string); unknown ids are left out."},
    "ProjectInformation": _obj({
        "project": _ref("Project"),
        "tasks": {"type": "object", "additionalProperties": _ref("Task"), "description": "Keyed by step slug."},
        "steps": {"type": "array", "items": _ref("Step")},
    }),
    "Project": _obj({
        "id": _ID,
        "workflow_slug": {"type": "string"},
        "workflow_version_slug": {"type": "string"},
        "short_description": {"type": "string"},
        "start_datetime": _DATETIME,
        "priority": {"type": "integer"},
        "project_data": _ANY_OBJECT,
        "scratchpad_url": _nullable({"type": "string"}),
        "task_class": {"type": "integer", "enum": [0, 1], "description": "0 training, 1 real"},
        "status": {"type": "integer", "enum": [0, 2, 3, 4], "description": "0 active, 2 aborted, 3 paused, "
                                                                          "4 completed"},
        "slack_group_id": _nullable({"type": "string"}),
    }),
    "Task": _obj({
        "id": _ID,
        "step_slug": {"type": "string"},
        "project": _ID,
        "status": {"type": "string", "enum": [s.display for s in TaskStatus]},
        "latest_data": _nullable(_ANY_OBJECT),
        "assignments": {"type": "array", "items": _ref("Assignment")},
        "start_datetime": _DATETIME,
    }),
    "Assignment": _obj({
        "id": _ID,
        "start_datetime": _DATETIME,
        "worker": _ref("Worker"),
        "task": _ID,
        "status": {"type": "string", "enum": ["Processing", "Submitted", "Failed"]},
        "in_progress_task_data": _ANY_OBJECT,
        "iterations": {"type": "array", "items": _ref("Iteration")},
        "recorded_work_time": _nullable({"type": "number", "description": "seconds"}),
    }),
    "Worker": _obj({
        "id": _nullable({"type": "integer"}),
        "username": _nullable({"type": "string"}),
        "first_name": _nullable({"type": "string"}),
        "last_name": _nullable({"type": "string"}),
        "slack_username": _nullable({"type": "string"}),
        "slack_user_id": _nullable({"type": "string"}),
    }, description="All null for a machine step."),
    "Iteration": _obj({
        "id": _ID,
        "start_datetime": _DATETIME,
        "end_datetime": _nullable(_DATETIME),
        "status": {"type": "string", "enum": ["Processing", "Requested Review", "Provided Review"]},
        "assignment": _ID,
        "submitted_data": _ANY_OBJECT,
        "feedback": _nullable({"type": "string"}),
    }),
    "Step": _obj({"id": _ID, "slug": {"type": "string"}, "description": {"type": "string"},
                  "is_human": {"type": "boolean"}, "name": {"type": "string"}}),
    "WorkflowTypesResponse": _obj({"workflows": {"type": "object", "additionalProperties": _obj({
        "name": {"type": "string"},
        "versions": {"type": "object", "additionalProperties": _obj({"name": {"type": "string"},
                                                                      "description": {"type": "string"}})},
    })}}),
    "ProjectIdRequest": _obj({"project_id": _ID}),
    "ProjectDetailsUrlResponse": _obj({"project_details_url": {"type": "string"}}),
    "AssignRequest": _obj({"worker_id": _ID, "task_id": _ID}),
    "AssignResponse": _obj({"success": {"type": "boolean"}, "errors": {
        "type": "object", "additionalProperties": {"type": "string"},
        "description": "worker_certification_error, task_assignment_error or error"}}),
    "MessageRequest": _obj({"project_id": _ID, "message": {"type": "string", "minLength": 1}}),
    "MessageResponse": _obj({"success": {"type": "boolean"}}),
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: ("Error", "A bad or missing field, named in `message`"),
        401: ("Unauthorized", "The signature check named in `check` failed"),
        405: ("Detail", "Method not allowed"),
        409: ("Error", "A concurrent change; nothing was changed"),
        413: ("Error", "The body is larger than 1 MiB"),
        422: ("Error", "The Idempotency-Key was used before with a different body"),
        503: ("Error", "The database is busy; nothing was changed"),
    }
    return {str(code): _json(*texts[code]) for code in codes}


def _post(operation_id: str, summary: str, request: str, response: str, *extra_errors: int,
          parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"httpSignature": [], "apiKey": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(request)}},
                        "description": "JSON; Orchestra's client sends it without a Content-Type, which is accepted."},
        "responses": {"200": _json(response, "OK"), **_errors(400, 401, 409, 413, 503, *extra_errors)},
    }
    if parameters:
        operation["parameters"] = parameters
    return {"post": operation}


def document() -> dict[str, Any]:
    """The whole document (a fresh dict each time)."""
    prefix = "/orchestra/api/project"
    idempotency = {"name": "Idempotency-Key", "in": "header", "required": False,
                   "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
                   "description": "Retrying with the same key and body returns the same project "
                                  "(with `Idempotent-Replayed: true`); the same key with another body is a 422."}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Tutti client API (Orchestra-compatible)", "version": "6.5",
                 "description": AUTH_TEXT},
        "paths": {
            f"{prefix}/create_project/": _post("create_project", "Start a project; answers once it is committed",
                                               "CreateProjectRequest", "CreateProjectResponse", 422,
                                               parameters=[idempotency]),
            f"{prefix}/project_information/": _post("project_information", "Projects, their tasks and steps",
                                                    "ProjectInformationRequest", "ProjectInformationResponse"),
            f"{prefix}/project_details_url/": _post("project_details_url", "A URL for a person to see the project",
                                                    "ProjectIdRequest", "ProjectDetailsUrlResponse"),
            f"{prefix}/workflow_types/": {"get": {
                "operationId": "workflow_types",
                "summary": "Loaded workflows and their versions",
                "security": [{"httpSignature": [], "apiKey": []}],
                "responses": {"200": _json("WorkflowTypesResponse", "OK"), **_errors(401, 503)},
            }},
            f"{prefix}/assign_worker_to_task/": _post(
                "assign_worker_to_task", "Give a task's next assignment to a worker (always 200: see success)",
                "AssignRequest", "AssignResponse"),
            f"{prefix}/message_project_team/": _post("message_project_team", "Post to the project's channel",
                                                     "MessageRequest", "MessageResponse"),
            "/orchestra/api/status/": {"get": {
                "operationId": "status", "summary": "Liveness, no authentication", "security": [],
                "responses": {"200": {"description": "OK", "content": {"text/plain": {"schema": {
                    "type": "string", "enum": ["OK"]}}}}},
            }},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "httpSignature": {"type": "apiKey", "in": "header", "name": "Authorization",
                                  "description": "Signature keyId=...,algorithm=\"hmac-sha256\",signature=..."},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            },
        },
    }
