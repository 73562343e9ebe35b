"""Real servers for API tests and benchmarks: Tutti under gunicorn, and a small HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1, log_path: Path | None = None,
             extra_args: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve `bot.web:wsgi()` with gunicorn on 127.0.0.1; yields the base URL once /healthz answers."""
    port = free_port()
    gunicorn_bin = str(Path(sys.executable).with_name("gunicorn"))
    full_env = {**os.environ, "TUTTI_SLACK_ENABLED": "0", "PYTHONPATH": str(ROOT), **env}
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [gunicorn_bin, "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--graceful-timeout", "2",
         *extra_args, "bot.web:wsgi()"],
        cwd=ROOT, env=full_env, stdout=log, stderr=log, start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
            try:
                if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not become healthy within 30 s")
            time.sleep(0.1)
        yield base_url
    finally:
        stop(process)
        if log_path:
            log.close()  # type: ignore[union-attr]


@contextmanager
def tutti_worker(env: dict[str, str], log_path: Path) -> Iterator[None]:
    """`tutti worker`, the Procfile's job worker, with `env` (REDIS_URL and TUTTI_QUEUE say which queues it reads)."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).with_name("tutti")), "worker"],
                                   cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                                   stdout=log, stderr=log, start_new_session=True)
        try:
            yield
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a little patience, then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server recording POSTs; `answer` decides each status code."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answer: Callable[[Received], int] = lambda _request: 200
    pages: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # GET path -> (content type, body)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(self.requests)


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            got = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            state.requests.append(got)
            status = state.answer(got)
            body = b"ok" if status < 300 else b"receiver is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            content_type, body = state.pages.get(self.path, ("text/plain", b"not found"))
            self.send_response(200 if self.path in state.pages else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
