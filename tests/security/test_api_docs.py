"""The API's documentation page (``/schema``) loads nothing from another origin: its scripts and
styles are served by storepay itself (Swagger UI's files, from the ``swagger-ui-bundle`` package),
no script is inline, and a Content-Security-Policy says so to the browser. It once loaded Scalar's
script from a CDN with no integrity check, so whoever controlled the CDN ran code on the page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from litestar.testing import TestClient


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(str(found[name]))
        self._in_script_without_src = tag == "script" and not found.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


def _page(client: TestClient[Any]) -> tuple[Any, _Links]:
    response = client.get("/schema")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    links = _Links()
    links.feed(response.text)
    return response, links


def test_the_docs_page_references_only_its_own_origin(client: TestClient[Any]) -> None:
    _, links = _page(client)

    assert links.urls, "the page loads its UI from somewhere"
    for url in links.urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url
    assert links.inline_scripts == 0


def test_every_asset_the_docs_page_loads_is_served(client: TestClient[Any]) -> None:
    _, links = _page(client)

    kinds = {".js": "javascript", ".css": "text/css", ".png": "image/png"}
    for url in links.urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = next(kind for suffix, kind in kinds.items() if url.endswith(suffix))
        assert expected in asset.headers["content-type"], url
        assert len(asset.content) > 0
    assert any("swagger-ui" in url and url.endswith(".js") for url in links.urls)


def test_the_docs_page_forbids_scripts_from_elsewhere(client: TestClient[Any]) -> None:
    response, _ = _page(client)

    policy = response.headers["content-security-policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert "frame-ancestors" in directives


def test_only_the_ui_s_own_files_are_served_from_the_package(client: TestClient[Any]) -> None:
    for name in ("index.html", "../__init__.py", "swagger-initializer.js", "%2e%2e%2fLICENSE"):
        assert client.get(f"/schema/assets/{name}").status_code == 404


def test_the_page_names_the_openapi_document_it_shows(client: TestClient[Any]) -> None:
    response, _ = _page(client)

    assert re.search(r'data-openapi="/schema/openapi\.json"', response.text)
    assert client.get("/schema/openapi.json").status_code == 200
