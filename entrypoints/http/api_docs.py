"""The API's documentation page at ``/schema``: Swagger UI served by storepay itself.

Swagger UI's files come from the ``swagger-ui-py`` package (its ``static`` folder, Swagger UI 5,
which reads OpenAPI 3.1) and are served under
``/schema/assets/``; the page starts the UI with a script of storepay's own static files, so no
script is inline and none comes from another origin. A Content-Security-Policy on every ``/schema``
answer tells the browser to run nothing else.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.response import File

from entrypoints.web.rendering import STATIC_PATH

SWAGGER_UI = Path(str(files("swagger_ui") / "static"))
ASSETS_PATH = "/assets"
# The files of Swagger UI the page loads, and nothing else of the package.
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        # Swagger UI sets style attributes on its elements.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


class SwaggerUi(OpenAPIRenderPlugin):
    """Swagger UI from storepay's own origin."""

    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        document = self.get_openapi_json_route(request)  # /schema/openapi.json
        assets = escape(document.rsplit("/", 1)[0] + ASSETS_PATH)
        title = escape(str(openapi_schema["info"]["title"]))
        document = escape(document)
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<link rel="stylesheet" href="{assets}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{STATIC_PATH}/api-docs.js" data-openapi="{document}"></script>
</body>
</html>
""".encode()

    def receive_router(self, router: Router) -> None:
        router.register(_asset)
        # Every answer under /schema: the page, its assets, the OpenAPI document.
        router.response_headers = [
            *(router.response_headers or ()),
            ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
        ]


@get(
    f"{ASSETS_PATH}/{{name:str}}",
    include_in_schema=False,
    cache_control=CacheControlHeader(public=True, max_age=3600),
    sync_to_thread=False,
)
def _asset(name: FromPath[str]) -> File:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFoundException(detail="no such file")
    return File(
        path=SWAGGER_UI / name,
        media_type=media_type,
        content_disposition_type="inline",
    )
