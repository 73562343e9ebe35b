"""The Web API over HTTP: POST /api/<method> like slack.com/api, plus file upload and download URLs."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, Response, request

from sandbox.errors import ApiError
from sandbox.methods import Method, all_methods
from sandbox.methods.args import Args
from sandbox.recorder import ApiCall
from sandbox.slack import FakeSlack
from sandbox.state import TEAM_ID

# Methods Slack answers without a token.
_NO_AUTH = {"api.test"}
# Arguments that may name a user (`channel` does for a DM), and methods that look at every user.
_USER_ARGUMENTS = ("user", "user_id", "users", "channel")
_LISTS_USERS = {"users.list", "users.lookupByEmail"}


def _json_response(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers or {})


def _request_args() -> dict[str, Any]:
    """Arguments from the query string, a form body or a JSON body, as Slack accepts them."""
    values: dict[str, Any] = dict(request.args.items())
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            values.update(body)
    else:
        values.update(request.form.items())
    return values


def _token(values: dict[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = values.pop("token", None)
    return str(token) if token else None


def _check_token(slack: FakeSlack, token: str | None) -> None:
    if not token:
        raise ApiError("not_authed")
    if token != slack.config.bot_token:
        raise ApiError("invalid_auth")


def call_method(slack: FakeSlack, table: dict[str, Method], method: str, values: dict[str, Any],
                token: str | None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Run one Web API call with auth and faults; the JSON body, HTTP status and extra headers."""
    headers: dict[str, str] = {}
    for fault in slack.faults.take(method):
        if fault.kind == "delay":
            time.sleep(fault.seconds)
        elif fault.kind == "ratelimited":
            headers["Retry-After"] = str(fault.retry_after)
            return {"ok": False, "error": "ratelimited"}, 429, headers
        elif fault.kind == "error":
            return {"ok": False, "error": fault.error}, fault.status, headers
    try:
        if method not in _NO_AUTH:
            _check_token(slack, token)
        handler = table.get(method)
        if handler is None:
            raise ApiError("unknown_method")
        _learn_users(slack, method, values)
        with slack.workspace.lock:
            body = handler(slack, Args(values))
        return {"ok": True, **body}, 200, headers
    except ApiError as error:
        return error.to_body(), error.status, headers


def _learn_users(slack: FakeSlack, method: str, values: dict[str, Any]) -> None:
    """Before taking the lock, let the workspace learn people the call names that it has not met yet."""
    if method in _LISTS_USERS:
        slack.workspace.learn_users()
        return
    refs: list[str] = []
    for key in _USER_ARGUMENTS:
        value = values.get(key)
        if isinstance(value, str):
            refs.extend(part.strip() for part in value.split(","))
        elif isinstance(value, list):
            refs.extend(str(part) for part in value)
    slack.workspace.learn_unknown(refs)


def api_blueprint(slack: FakeSlack) -> Blueprint:
    """Routes for the Web API, uploads to upload_url and downloads of url_private."""
    blueprint = Blueprint("webapi", __name__)
    table = all_methods()

    @blueprint.route("/api/<method>", methods=["GET", "POST"])
    def api(method: str) -> Response:
        values = _request_args()
        token = _token(values)
        started = time.monotonic()
        slack.recorder.begin()
        body, status, headers = {"ok": False, "error": "internal_error"}, 500, {}
        try:
            body, status, headers = call_method(slack, table, method, values, token)
        finally:
            slack.recorder.end(ApiCall(method=method, args=values, response=body, status=status,
                                       at=slack.clock.now(), duration=time.monotonic() - started))
        return _json_response(body, status, headers)

    @blueprint.route("/_upload/<file_id>", methods=["POST"])
    def upload(file_id: str) -> Response:
        with slack.workspace.lock:
            file = slack.workspace.files.get(file_id)
            if file is None:
                return Response("file not found", status=404)
            if request.mimetype == "multipart/form-data":
                uploaded = request.files.get("file") or request.files.get("filename")
                file.content = uploaded.read() if uploaded is not None else b""
            else:
                # slack_sdk posts the raw bytes (urllib labels them form-encoded); take them as they are.
                file.content = request.get_data()
            file.uploaded = True
            slack.recorder.touch()
            return Response(f"OK - {len(file.content)}", status=200, mimetype="text/plain")

    @blueprint.route("/files-pri/<team_file>/<name>", methods=["GET"])
    def download(team_file: str, name: str) -> Response:
        token = _token({})
        if token != slack.config.bot_token:
            return Response("not authorized", status=401, mimetype="text/plain")
        file_id = team_file.removeprefix(f"{TEAM_ID}-")
        with slack.workspace.lock:
            file = slack.workspace.files.get(file_id)
            if file is None or file.name != name or not file.uploaded:
                return Response("not found", status=404, mimetype="text/plain")
            return Response(file.content, status=200, mimetype=file.mimetype)

    return blueprint
