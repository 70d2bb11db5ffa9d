"""Templates and static files, from this package's own folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
STATIC_PATH = "/static"

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_environment.globals["static"] = STATIC_PATH


def render(template: str, **context: Any) -> str:
    """``template`` rendered with ``context``; every value is escaped unless marked safe."""
    return _environment.get_template(template).render(**context)


def static_files() -> Router:
    """``/static``: the stylesheet and the scripts, cacheable for a few minutes."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC],
        cache_control=CacheControlHeader(public=True, max_age=300),
        include_in_schema=False,
    )
