"""Serving a WSGI app from a background thread on a loopback port."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    """Request handler that keeps the access log out of test output."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class BackgroundServer:
    """A threaded werkzeug server running in a daemon thread."""

    server: BaseWSGIServer
    thread: threading.Thread = field(repr=False)

    @property
    def host(self) -> str:
        """The address served."""
        return str(self.server.host)

    @property
    def port(self) -> int:
        """The port served (picked by the OS when 0 was asked for)."""
        return int(self.server.server_port)

    @property
    def url(self) -> str:
        """http://host:port/"""
        return f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "wsgi") -> BackgroundServer:
    """Serve `app` with one thread per request, so it can call back into other servers while answering."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    return BackgroundServer(server=server, thread=thread)
