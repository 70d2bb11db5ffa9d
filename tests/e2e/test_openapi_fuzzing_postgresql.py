"""schemathesis over ``/schema/openapi.json`` on PostgreSQL: the same checks as on SQLite
(``fuzzing``). PostgreSQL refuses what SQLite stores (a NUL in a string), so a backend's own
refusal must never reach the client as a 5xx."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from contract.databases import NO_POSTGRES, POSTGRES_URL, new_postgres_database

from .fuzzing import CHECKS, FUZZING, Fuzzed

if POSTGRES_URL is None:
    pytest.skip(NO_POSTGRES, allow_module_level=True)

# schemathesis parametrizes at collection, so the app exists before any fixture: on a database
# of its own, dropped with this session's others.
fuzzed = Fuzzed(asyncio.run(new_postgres_database()), migrated=True)
schema = fuzzed.schema()


@schema.parametrize()
@FUZZING
def test_every_answer_is_documented_and_none_is_a_server_error(case: Any) -> None:
    case.call_and_validate(headers=fuzzed.headers_for(case.path), checks=CHECKS)
