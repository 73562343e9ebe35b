"""Serving a WSGI app from a background thread on a loopback port."""

from __future__ import annotations

import errno
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, get_sockaddr, make_server, select_address_family


class PortInUse(OSError):
    """Something already listens on the address a server was asked to serve on."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"{host}:{port} is already in use")
        self.host = host
        self.port = port


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0 picks a free port); PortInUse if something else has it."""
    family = select_address_family(host, port)
    try:
        return socket.create_server(get_sockaddr(host, port, family), family=family, backlog=128)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise


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
        return int(self.server.port)

    @property
    def url(self) -> str:
        """http://host:port/"""
        return f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "wsgi",
                    listener: socket.socket | None = None) -> BackgroundServer:
    """Serve `app` with one thread per request, so it can call back into other servers while answering.

    Binds host:port itself (PortInUse when taken), or serves on `listener`, a socket from listen().
    """
    sock = listener or listen(host, port)
    with sock:  # the server works on its own duplicate of the descriptor
        server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler, fd=sock.fileno())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    return BackgroundServer(server=server, thread=thread)
