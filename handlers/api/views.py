"""Orchestra's client API under `/orchestra/api/project/`: parse, authenticate, call the engine, answer.

Each request is one unit of work: the signature check, the replay record and the engine call commit together,
and any failure leaves nothing behind (the replay record of a refused request is kept on its own, so the
same signed request cannot be tried again once the reason for the refusal is gone).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from handlers.api import openapi
from handlers.api.auth import AuthError, Caller, IncomingRequest, Keyring, authenticate, replay_digest
from handlers.api.validation import (
    MAX_PROJECT_IDS,
    MAX_SLUG,
    BadRequest,
    check_storable,
    id_value,
    idempotency_key,
    int_field,
    parse_body,
    task_class,
    text_field,
)
from store import api_clients
from store.db import Database
from store.enums import EventSource
from store.events import Actor
from store.types import utcnow
from workflows import assignment, messaging, projects, read_models
from workflows.errors import (
    IdempotencyConflict,
    NotFound,
    ProjectStatusError,
    TaskAssignmentError,
    TaskStatusError,
    TuttiError,
    WorkerCertificationError,
)

log = logging.getLogger(__name__)

PREFIX = "/orchestra/api/project"
MAX_BODY_BYTES = 1024 * 1024
PURGE_EVERY = 200

CREATE_FIELDS = ("workflow_slug", "workflow_version_slug", "description", "priority", "task_class", "project_data")
MESSAGE_MISSING = "An object with `message` and `project_id` attributes should be supplied"


@dataclass
class Answer:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Refusal(Exception):
    """The engine refused: roll back, then answer with `answer` (Orchestra answers some refusals with 200)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body)
        self.answer = answer


Endpoint = Callable[[Session, dict[str, Any], Caller], Answer]


@dataclass(frozen=True)
class Route:
    name: str
    endpoint: Endpoint
    method: str = "POST"
    mutating: bool = False  # state-changing: a signature may be used only once


def client_api(database: Database, keyring: Keyring, *, clock: Callable[[], datetime] = utcnow) -> Blueprint:
    """The blueprint for `/orchestra/api/project/...`, `/orchestra/api/openapi.json` and the status checks."""
    blueprint = Blueprint("client_api", __name__)
    runner = _Runner(database, keyring, clock)
    for route in ROUTES:
        blueprint.add_url_rule(f"{PREFIX}/{route.name}/", endpoint=route.name, view_func=runner.view(route),
                               methods=[route.method], strict_slashes=False)

    @blueprint.get("/orchestra/api/openapi.json")
    def openapi_document() -> Response:
        return jsonify(openapi.document())

    @blueprint.get("/orchestra/api/status/", strict_slashes=False)
    @blueprint.get("/orchestra/status/", strict_slashes=False)
    def status() -> Response:
        return Response("OK", content_type="text/plain")

    @blueprint.app_errorhandler(404)
    @blueprint.app_errorhandler(405)
    def api_http_error(exc: HTTPException) -> Any:
        if not request.path.startswith("/orchestra/"):
            return exc
        detail = "Not found." if exc.code == 404 else f'Method "{request.method}" not allowed.'
        response = jsonify(detail=detail)
        response.status_code = exc.code or 500
        if exc.code == 405:
            response.headers["Allow"] = exc.get_response().headers.get("Allow", "")
        return response

    return blueprint


class _Runner:
    def __init__(self, database: Database, keyring: Keyring, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.keyring = keyring
        self.clock = clock
        self._served = itertools.count(1)

    def view(self, route: Route) -> Callable[[], Response]:
        def serve() -> Response:
            return self.serve(route)

        serve.__name__ = route.name
        return serve

    def serve(self, route: Route) -> Response:
        body = _read_body()
        if body is None:
            return _error(413, f"The request body is larger than {MAX_BODY_BYTES} bytes")
        incoming = IncomingRequest(request.method, _target(), request.headers, body)
        idempotent = route.name == "create_project" and request.headers.get("Idempotency-Key") is not None
        # A request carrying an Idempotency-Key is safe to replay: it returns the first answer and changes nothing.
        guard = route.mutating and not idempotent
        refused: Response | None = None
        with self.database.unit_of_work() as uow:
            try:
                caller = authenticate(incoming, uow.session, self.keyring, self.clock())
                if guard:
                    self._remember(uow.session, caller, incoming)
            except AuthError as exc:
                log.info("client API %s refused: %s", route.name, exc.check)
                return _unauthorized(exc)
            try:
                data = parse_body(body) if route.method == "POST" else {}
                answer = route.endpoint(uow.session, data, caller)
            except Refusal as exc:
                refused = _json(exc.answer)
            except BadRequest as exc:
                refused = _error(exc.status, exc.message)
            except IdempotencyConflict as exc:
                refused = _error(422, exc.message)
            except TuttiError as exc:
                refused = _error(400, exc.message)
            except (IntegrityError, OperationalError) as exc:
                refused = _database_refusal(route, exc)
            if refused is None:
                # Event and outbox rows are written at commit, so a conflict or a busy database can surface here.
                try:
                    uow.commit()
                    return _json(answer)
                except (IntegrityError, OperationalError) as exc:
                    refused = _database_refusal(route, exc)
            uow.rollback()
        if guard:
            self._remember_alone(caller, incoming)
        return refused

    def _remember(self, session: Session, caller: Caller, incoming: IncomingRequest) -> None:
        try:  # on a duplicate the transaction is spoiled, but the request is refused and rolled back anyway
            api_clients.remember_signature(session, caller.key_id, caller.signature, replay_digest(incoming))
        except IntegrityError:
            raise AuthError("replayed", "This signature was already used for this request; sign each request "
                                        "anew (a replayed request is refused)") from None
        if next(self._served) % PURGE_EVERY == 0:
            api_clients.forget_old_signatures(session)

    def _remember_alone(self, caller: Caller, incoming: IncomingRequest) -> None:
        """Best effort: the refusal changed nothing, so failing to record it must not turn it into a 500."""
        try:
            with self.database.unit_of_work() as uow:
                api_clients.remember_signature(uow.session, caller.key_id, caller.signature, replay_digest(incoming))
                uow.commit()
        except IntegrityError:
            pass
        except OperationalError:
            log.warning("client API: could not record a refused request's signature (database busy)")


def _read_body() -> bytes | None:
    """The body, or None when it is over the limit; a chunked body (no Content-Length) stops being read there."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return None
    # Werkzeug stops a terminated (chunked) stream at the limit without saying so: read one byte more to know.
    request.max_content_length = MAX_BODY_BYTES + 1
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None
    return None if len(body) > MAX_BODY_BYTES else body


def _target() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def _database_refusal(route: Route, exc: IntegrityError | OperationalError) -> Response:
    if isinstance(exc, IntegrityError):
        return _error(409, "Someone else changed this at the same moment; nothing was changed. Try again.")
    log.exception("client API %s: database error", route.name)
    return _error(503, "The database is busy; nothing was changed. Try again shortly.")


def _json(answer: Answer) -> Response:
    response = jsonify(answer.body)
    response.status_code = answer.status
    response.headers.update(answer.headers)
    return response


def _error(status: int, message: str) -> Response:
    return _json(Answer({"error": status, "message": message}, status))


def _unauthorized(exc: AuthError) -> Response:
    response = _json(Answer({"detail": exc.message, "check": exc.check}, 401))
    response.headers["WWW-Authenticate"] = 'Signature realm="tutti",algorithm="hmac-sha256",headers="date"'
    return response


def _actor(caller: Caller) -> Actor:
    return Actor(caller.key_id, EventSource.API)


# --- endpoints ---------------------------------------------------------------------------------------


def create_project(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    missing = [name for name in CREATE_FIELDS if name not in data]
    if missing:
        raise BadRequest(f"One of the parameters is missing: {', '.join(missing)}")
    project_data = data["project_data"]
    if project_data is not None and not isinstance(project_data, dict):
        raise BadRequest("project_data must be a JSON object")
    check_storable(project_data, "project_data")
    project_request = projects.ProjectRequest(
        workflow_slug=text_field(data, "workflow_slug", max_length=MAX_SLUG),
        version_slug=text_field(data, "workflow_version_slug", max_length=MAX_SLUG),
        description=text_field(data, "description"),
        priority=int_field(data["priority"], "priority"),
        project_data=project_data or {},
        task_class=task_class(data["task_class"]),
    )
    key = idempotency_key(request.headers.get("Idempotency-Key"))
    try:
        created = projects.create_project(session, project_request, actor=_actor(caller), client_id=caller.key_id,
                                          idempotency_key=key)
    except NotFound as exc:
        raise BadRequest(exc.message) from None
    headers = {} if created.created else {"Idempotent-Replayed": "true"}
    return Answer({"project_id": created.project.id}, 200, headers)


def project_information(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    if "project_ids" not in data:
        raise BadRequest("project_ids is required")
    ids = data["project_ids"]
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise BadRequest("project_ids must be a list of integers")
    if len(ids) > MAX_PROJECT_IDS:
        raise BadRequest(f"project_ids may hold at most {MAX_PROJECT_IDS} ids")
    valid = [i for i in ids if id_value(i) is not None]
    return Answer(read_models.project_information(session, valid))


def project_details_url(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    if data.get("project_id") is None:
        raise BadRequest("project_id parameter is missing")
    project_id = int_field(data["project_id"], "project_id")
    return Answer({"project_details_url": f"{request.host_url.rstrip('/')}/orchestra/app/project/{project_id}"})


def workflow_types(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    return Answer({"workflows": read_models.workflow_types(session)})


def assign_worker_to_task(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    """Always HTTP 200, like Orchestra: `{success, errors}`; a refusal changes nothing."""
    worker_id, task_id = id_value(data.get("worker_id")), id_value(data.get("task_id"))
    errors: dict[str, str] = {}
    if worker_id is None:
        errors["error"] = f"worker_id must be the integer id of a worker, not {data.get('worker_id')!r}"
    elif task_id is None:
        errors["error"] = f"task_id must be the integer id of a task, not {data.get('task_id')!r}"
    else:
        try:
            assignment.assign_task(session, task_id, worker_id, actor=_actor(caller))
        except WorkerCertificationError as exc:
            errors["worker_certification_error"] = exc.message
        except (TaskAssignmentError, TaskStatusError, ProjectStatusError) as exc:
            # Orchestra raised TaskAssignmentError for a task or project in the wrong state.
            errors["task_assignment_error"] = exc.message
        except TuttiError as exc:
            errors["error"] = exc.message
    if errors:
        raise Refusal(Answer({"success": False, "errors": errors}))
    return Answer({"success": True, "errors": {}})


def message_project_team(session: Session, data: dict[str, Any], caller: Caller) -> Answer:
    if "message" not in data or "project_id" not in data:
        raise BadRequest(MESSAGE_MISSING)
    project_id = id_value(data["project_id"])
    if project_id is None:
        raise BadRequest("No project for given id")
    message = text_field(data, "message")
    try:
        messaging.message_project_team(session, project_id, message, actor=_actor(caller))
    except NotFound:
        raise BadRequest("No project for given id") from None
    return Answer({"success": True})


ROUTES = (
    Route("create_project", create_project, mutating=True),
    Route("project_information", project_information),
    Route("project_details_url", project_details_url),
    Route("workflow_types", workflow_types, method="GET"),
    Route("assign_worker_to_task", assign_worker_to_task, mutating=True),
    Route("message_project_team", message_project_team, mutating=True),
)
