"""Is the process up, can it reach its database: what load balancers and orchestrators ask.

With ``STOREPAY_REDIS_URL``, ``/ready`` also says whether Redis answers; an unreachable Redis
leaves the service ready (the rate limit fails open: the storefront keeps selling)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from sqlalchemy import text

from entrypoints.http.dependencies import EngineDependency
from entrypoints.http.problems import documented, problem
from entrypoints.http.rate_limit import redis_answers


class Health(msgspec.Struct, omit_defaults=True):
    status: str
    redis: str | None = None  # "ok" or "unreachable", when storepay is given a Redis


class OperationsController(Controller):
    tags = ["Operations"]  # noqa: RUF012

    @get("/health", summary="The process is up", cache=False)
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="The database is reachable",
        description="503 while the database cannot be reached: stop routing traffic here. "
        "With a Redis configured, `redis` says whether it answers (`ok`, `unreachable`); "
        "an unreachable Redis leaves the service ready.",
        responses=documented(),
        cache=False,
    )
    async def ready(
        self, request: Request[Any, Any, Any], engine: EngineDependency
    ) -> Response[Health]:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return problem(503, "service_unavailable", "the database cannot be reached")  # type: ignore[return-value]
        answers = await redis_answers(request.app)
        redis = None if answers is None else "ok" if answers else "unreachable"
        return Response(Health(status="ready", redis=redis))
