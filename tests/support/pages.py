"""Web pages served on 127.0.0.1 for tests (the crawler, machine steps and Slack modals read them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Page = tuple[bytes, str]  # body, content type


def html(text: str) -> Page:
    return text.encode(), "text/html; charset=utf-8"


@contextmanager
def serve_pages(pages: Mapping[str, Page], fallback: Page | None = None) -> Iterator[str]:
    """Serve `pages` by path (anything else: `fallback`, or 404); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path.split("?", 1)[0], fallback)
            body, content_type = page if page is not None else (b"not found", "text/plain")
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
