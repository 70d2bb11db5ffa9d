"""The API's documentation page renders in a real browser under its Content-Security-Policy,
from storepay's own files: a refused script or style would fail the test (see ``open_page``)."""

from __future__ import annotations

import contextlib

from .live import LiveServer

with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, Request, expect


def test_the_docs_page_shows_the_api_from_storepay_s_own_files(
    page: Page, live: LiveServer
) -> None:
    origins: set[str] = set()

    def seen(request: Request) -> None:
        origins.add(request.url.split("/", 3)[2])

    page.on("request", seen)
    page.goto(f"{live.url}/schema")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("storepay")
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert origins == {live.url.split("/", 3)[2]}
