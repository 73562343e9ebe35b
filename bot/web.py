"""The Flask app served by gunicorn: health, project files, and (added by later features) Slack and the API."""

from __future__ import annotations

from concurrent.futures import Executor

from flask import Flask, Response, abort, jsonify, request
from sqlalchemy import text

from bot import demo_gallery
from bot.container import Tutti
from handlers.api import Keyring, client_api
from workflows import files


def create_web_app(tutti: Tutti, listener_executor: Executor | None = None) -> Flask:
    """Build the web app around an existing Tutti; nothing happens at import."""
    app = Flask("tutti")
    app.config["TUTTI"] = tutti

    if tutti.settings.slack_enabled:
        from slack_bolt.adapter.flask import SlackRequestHandler

        from bot.slack_app import create_bolt_app

        slack_handler = SlackRequestHandler(create_bolt_app(tutti, listener_executor))

        @app.post("/slack/events")
        def slack_events() -> Response:
            return slack_handler.handle(request)

    @app.get("/healthz")
    def healthz() -> tuple[Response, int]:
        try:
            with tutti.database.read() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            return jsonify(ok=False, database=str(exc)), 503
        return jsonify(ok=True), 200

    @app.get("/files/<path:file_id>")
    def project_file(file_id: str) -> Response:
        storage = files.get_storage()
        try:
            data = storage.read(file_id)
            content_type = next((f.content_type for f in storage.list(file_id.rsplit("/", 1)[0])
                                 if f.id == file_id), "application/octet-stream")
        except (FileNotFoundError, ValueError):
            abort(404)
        return Response(data, content_type=content_type)

    @app.get(demo_gallery.PATH)
    def sample_gallery() -> Response:
        return Response(demo_gallery.page_html(), content_type="text/html; charset=utf-8")

    @app.get(f"{demo_gallery.PATH}<name>.png")
    def sample_picture(name: str) -> Response:
        if name not in demo_gallery.PICTURES:
            abort(404)
        return Response(demo_gallery.picture_png(name), content_type="image/png")

    # Client API (Orchestra-compatible, signed): /orchestra/api/project/..., openapi.json, status.
    app.register_blueprint(client_api(tutti.database, Keyring(dict(tutti.settings.api_keys))))

    return app


def wsgi() -> Flask:
    """gunicorn entry point: `gunicorn 'bot.web:wsgi()'`."""
    from bot.settings import Settings

    return create_web_app(Tutti(Settings.from_env()))
