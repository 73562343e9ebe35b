"""A page of pictures Tutti serves itself, for `tutti demo simple` to crawl: the demo works without internet.

Orchestra's demo crawled a public web site; offline (a laptop on a train, a CI machine) that finds no image and the
rater only sees the crawler's error. The pictures are drawn with Pillow on first use, so nothing binary is kept in
the repository.
"""

from __future__ import annotations

import io
from functools import cache

PATH = "/demo/gallery/"
SIZE = (480, 300)
# name: (sky top, sky bottom, sun, ground)
PICTURES: dict[str, tuple[tuple[int, int, int], ...]] = {
    "sunset": ((40, 20, 90), (250, 140, 60), (255, 220, 120), (30, 25, 40)),
    "sunrise": ((120, 170, 230), (255, 200, 150), (255, 250, 210), (60, 90, 50)),
    "moonrise": ((5, 10, 40), (40, 60, 110), (230, 230, 240), (15, 20, 30)),
}


def page_html() -> str:
    """The gallery page: one <img> per picture, with relative sources as pages usually have."""
    images = "\n".join(f'    <img src="{name}.png" alt="{name}" width="{SIZE[0]}" height="{SIZE[1]}">'
                       for name in PICTURES)
    return (f"<!doctype html>\n<html><head><title>Tutti sample gallery</title></head>\n"
            f"<body>\n  <h1>Skies</h1>\n{images}\n</body></html>\n")


@cache
def picture_png(name: str) -> bytes:
    """The picture called `name` as PNG bytes; KeyError for a name the gallery does not have."""
    from PIL import Image, ImageDraw  # only the web process draws; the CLI imports this module for PATH

    top, bottom, sun, ground = PICTURES[name]
    width, height = SIZE
    horizon = height * 2 // 3
    image = Image.new("RGB", SIZE, ground)
    draw = ImageDraw.Draw(image)
    for y in range(horizon):
        t = y / max(1, horizon - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    radius = height // 6
    centre = (width * 2 // 3, horizon)
    draw.pieslice([centre[0] - radius, centre[1] - radius, centre[0] + radius, centre[1] + radius], 180, 360,
                  fill=sun)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
