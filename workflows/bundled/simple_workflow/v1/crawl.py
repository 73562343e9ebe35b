"""The `crawl` machine step: fetch a web page and pick one of its images at random."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import requests

USER_AGENT = "Mozilla/5.0 (compatible; OrchestraBot/1.0; noreply@example.org)"
TIMEOUT_SECONDS = 10
MAX_PAGE_BYTES = 5 * 1024 * 1024

NO_URL = "URL was not provided."
NO_IMAGES = "Unable to find images at the provided URL."

# Orchestra's test for an image source: somewhere in it, a file name with an image extension.
IMAGE_SRC = re.compile(r"[-\w]+\.(jpg|jpeg|gif|png)", re.IGNORECASE)


def crawl_page(project_data: dict[str, Any], prerequisites: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Orchestra's crawl result: a random image on `project_data['url']`, or an error result saying why not.

    `rng` (a `random.Random`) may be passed to make the choice repeatable.
    """
    url = (project_data or {}).get("url")
    if not url:
        return _error(NO_URL)
    images = find_images(url)
    if not images:
        return _error(NO_IMAGES)
    rng = kwargs.get("rng") or random
    return {"status": "success", "image": rng.choice(images)}


def find_images(url: str) -> list[str]:
    """The absolute URLs of the page's images, in page order; empty when the page cannot be fetched."""
    try:
        response = requests.get(url, headers={"User-Agent": USER_AGENT}, timeout=TIMEOUT_SECONDS, stream=True)
        with response:
            if not 200 <= response.status_code < 300:
                return []
            body = _read_capped(response)
            encoding = response.encoding or "utf-8"
            page_url = response.url or url
    except (requests.RequestException, ValueError):
        # A page we cannot reach has no images for us; Orchestra reports this as an error result too.
        return []
    parser = _ImageSources()
    parser.feed(_decode(body, encoding))
    parser.close()
    base = urljoin(page_url, parser.base_href) if parser.base_href else page_url
    found: list[str] = []
    for src in parser.sources:
        if IMAGE_SRC.search(src):
            absolute = urljoin(base, src)
            if absolute not in found:
                found.append(absolute)
    return found


def _read_capped(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_PAGE_BYTES:
            break
    return b"".join(chunks)


def _decode(body: bytes, encoding: str) -> str:
    try:
        return body.decode(encoding, errors="replace")
    except LookupError:  # the server named a charset Python does not know
        return body.decode("utf-8", errors="replace")


def _error(message: str) -> dict[str, Any]:
    return {"status": "error", "image": None, "error_message": message}


class _ImageSources(HTMLParser):
    """Collects every `<img src>` and the first `<base href>` of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sources: list[str] = []
        self.base_href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img" and values.get("src"):
            self.sources.append(values["src"].strip())  # type: ignore[union-attr]
        elif tag == "base" and values.get("href") and self.base_href is None:
            self.base_href = values["href"]

    handle_startendtag = handle_starttag
