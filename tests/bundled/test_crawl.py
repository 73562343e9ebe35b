"""The simple workflow's crawler, against pages served on 127.0.0.1."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workflows.bundled.simple_workflow.v1.crawl import NO_IMAGES, NO_URL, USER_AGENT, crawl_page

PAGES = {
    "/gallery/index.html": b"""<!doctype html><html><body>
        <img src="http://images.example.org/photos/sunset.JPG" alt="absolute">
        <img src="cat-1.png">
        <img src="/static/dog_2.jpeg" />
        <img src="script.js">
        <img src="">
        <img alt="no source">
        <a href="not-an-image.gif">a link, not an image</a>
        <p>img src="fake.png" in text</p>
    </body></html>""",
    "/empty.html": b"<html><body><p>No pictures here.</p><img src='icon.svg'></body></html>",
    "/based.html": b"<html><head><base href='http://cdn.example.org/assets/'></head>"
    b"<body><img src='logo.gif'></body></html>",
}


class _Handler(BaseHTTPRequestHandler):
    user_agents: list[str] = []

    def do_GET(self) -> None:
        self.user_agents.append(self.headers.get("User-Agent", ""))
        body = PAGES.get(self.path)
        if body is None:
            body = b"<html><body><img src='missing.png'></body></html>"
            self.send_response(404)
        else:
            self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _all_choices(url: str) -> set[str]:
    """Every image the crawler can pick, by running it with many seeds."""
    return {crawl_page({"url": url}, {}, rng=random.Random(seed))["image"] for seed in range(60)}


def test_crawler_picks_absolute_and_joined_relative_image_urls_and_ignores_other_sources(site: str) -> None:
    assert _all_choices(f"{site}/gallery/index.html") == {
        "http://images.example.org/photos/sunset.JPG",
        f"{site}/gallery/cat-1.png",
        f"{site}/static/dog_2.jpeg",
    }


def test_crawler_returns_orchestras_success_result_with_one_image(site: str) -> None:
    result = crawl_page({"url": f"{site}/gallery/index.html"}, {}, rng=random.Random(1))
    assert result["status"] == "success"
    assert set(result) == {"status", "image"}
    assert result["image"] in _all_choices(f"{site}/gallery/index.html")


def test_crawler_choice_follows_the_given_random_source(site: str) -> None:
    url = f"{site}/gallery/index.html"
    first = crawl_page({"url": url}, {}, rng=random.Random(7))["image"]
    assert crawl_page({"url": url}, {}, rng=random.Random(7))["image"] == first


def test_crawler_sends_orchestras_user_agent(site: str) -> None:
    _Handler.user_agents.clear()
    crawl_page({"url": f"{site}/empty.html"}, {})
    assert _Handler.user_agents == [USER_AGENT]


def test_crawler_joins_relative_sources_to_the_pages_base_href(site: str) -> None:
    assert crawl_page({"url": f"{site}/based.html"}, {})["image"] == "http://cdn.example.org/assets/logo.gif"


def test_a_page_without_matching_images_gives_the_unable_to_find_images_error(site: str) -> None:
    assert crawl_page({"url": f"{site}/empty.html"}, {}) == {
        "status": "error",
        "image": None,
        "error_message": "Unable to find images at the provided URL.",
    }


def test_a_404_page_gives_the_unable_to_find_images_error_even_if_it_has_images(site: str) -> None:
    result = crawl_page({"url": f"{site}/nowhere.html"}, {})
    assert result == {"status": "error", "image": None, "error_message": NO_IMAGES}


def test_an_unreachable_server_gives_the_unable_to_find_images_error() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.server_close()  # nothing listens on this port any more
    result = crawl_page({"url": f"http://127.0.0.1:{port}/"}, {})
    assert result == {"status": "error", "image": None, "error_message": NO_IMAGES}


def test_a_malformed_url_gives_the_unable_to_find_images_error() -> None:
    assert crawl_page({"url": "not a url"}, {})["error_message"] == NO_IMAGES


@pytest.mark.parametrize("project_data", [{}, {"url": ""}, {"url": None}])
def test_a_missing_url_gives_the_url_was_not_provided_error(project_data: dict[str, object]) -> None:
    assert crawl_page(project_data, {}) == {
        "status": "error",
        "image": None,
        "error_message": "URL was not provided.",
    }
    assert NO_URL == "URL was not provided."
