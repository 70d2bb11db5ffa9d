"""Is the process up, can it reach its database: what load balancers and orchestrators ask."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from sqlalchemy import text

from entrypoints.http.dependencies import EngineDependency
from entrypoints.http.problems import documented, problem


class Health(msgspec.Struct):
    status: str


class OperationsController(Controller):
    tags = ["Operations"]  # noqa: RUF012

    @get("/health", summary="The process is up", cache=False)
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="The database is reachable",
        description="503 while the database cannot be reached: stop routing traffic here.",
        responses=documented(),
        cache=False,
    )
    async def ready(self, engine: EngineDependency) -> Response[Health]:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return problem(503, "service_unavailable", "the database cannot be reached")  # type: ignore[return-value]
        return Response(Health(status="ready"))
