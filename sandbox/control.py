"""The sandbox's own control endpoints under /_sandbox: faults, reset, recorded calls."""

from __future__ import annotations

import json
from dataclasses import asdict

from flask import Blueprint, Response, request

from sandbox.slack import FakeSlack


def control_blueprint(slack: FakeSlack) -> Blueprint:
    """Routes tests and scripts use to steer the sandbox over HTTP."""
    blueprint = Blueprint("control", __name__)

    @blueprint.route("/_sandbox/faults", methods=["GET", "POST", "DELETE"])
    def faults() -> Response:
        if request.method == "POST":
            spec = request.get_json(silent=True, force=True)
            if not isinstance(spec, dict):
                return _json({"ok": False, "error": "expected a JSON object"}, 400)
            try:
                slack.faults.apply_request(spec)
            except (KeyError, ValueError) as error:
                return _json({"ok": False, "error": str(error)}, 400)
        elif request.method == "DELETE":
            slack.faults.clear()
        return _json({"ok": True, "faults": slack.faults.describe()})

    @blueprint.route("/_sandbox/reset", methods=["POST"])
    def reset() -> Response:
        slack.reset()
        return _json({"ok": True})

    @blueprint.route("/_sandbox/calls", methods=["GET"])
    def calls() -> Response:
        method = request.args.get("method")
        return _json({"ok": True, "calls": [asdict(c) for c in slack.recorder.calls(method)]})

    return blueprint


def _json(body: dict[str, object], status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, mimetype="application/json")
