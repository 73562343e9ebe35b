"""Crawl a web page for an image, and have a person rate it."""
