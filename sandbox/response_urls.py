"""POSTs to the response_url the sandbox hands out with interactions and slash commands."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from sandbox.errors import ApiError
from sandbox.interactions import Interactions


def response_url_blueprint(interactions: Interactions) -> Blueprint:
    """The /_response/<token> route."""
    blueprint = Blueprint("response_urls", __name__)
    slack = interactions.slack

    @blueprint.route("/_response/<token>", methods=["POST"])
    def respond(token: str) -> Response:
        slack.recorder.touch()
        target = slack.use_response_url(token)
        if target is None:
            return _answer({"ok": False, "error": "expired_url"}, 404)
        body = request.get_json(silent=True, force=True)
        if not isinstance(body, dict):
            return _answer({"ok": False, "error": "invalid_payload"}, 400)
        try:
            interactions.respond(target, body)
        except ApiError as error:
            return _answer(error.to_body(), 400)
        return _answer({"ok": True}, 200)

    return blueprint


def _answer(body: dict[str, object], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
