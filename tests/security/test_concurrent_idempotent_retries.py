"""Retries sent at once with one ``Idempotency-Key`` run once, on SQLite and PostgreSQL: the
first request to claim the key runs; the others wait for its answer and replay it, or are told
``409 idempotency_request_in_progress`` with ``Retry-After``. Across processes too: two workers
of a real ``storepay serve`` share the claim through the database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract.databases import postgres_database, sqlite_url
from e2e.conftest import ADMIN, API, assert_problem, bearer
from integration.served import ADMIN_TOKEN as SERVED_ADMIN_TOKEN
from integration.served import served, stripe_settings

from application.gateway import GatewayAccount, NewAccount, PaymentGateway
from application.ports import UnitOfWork, UnitOfWorkFactory

from .databases import database_url, rows
from .databases import serving as served_on

__all__ = ["database_url"]

pytestmark = pytest.mark.anyio

AT_ONCE = 10
STORE = {"name": "Atelier Ana", "business_email": "owner@atelier.example"}


def is_in_progress(answer: httpx.Response) -> bool:
    if answer.status_code != 409:
        return False
    assert_problem(answer, 409, "idempotency_request_in_progress")
    assert int(answer.headers["Retry-After"]) >= 1
    return True


def the_one_answer(answers: list[httpx.Response], status: int) -> dict[str, Any]:
    """Every answer is the first one (itself or replayed) or "in progress"; that first one."""
    bodies = [answer.json() for answer in answers if not is_in_progress(answer)]
    assert bodies, "every request was told to come back later"
    assert {answer.status_code for answer in answers} <= {status, 409}
    first = [body for body in bodies if body.get("api_key")]
    assert len(first) == 1, f"{len(first)} answers hold a new key"
    replays = [answer for answer in answers if answer.status_code == status]
    assert sum(answer.headers.get("Idempotent-Replayed") == "true" for answer in replays) == (
        len(replays) - 1
    )
    for body in bodies:
        assert body | {"api_key": None, "api_key_withheld": None} == first[0] | {
            "api_key": None,
            "api_key_withheld": None,
        }
    return first[0]


async def test_stores_opened_at_once_with_one_key_open_one_store(database_url: str) -> None:
    async with served_on(database_url) as (client, _):
        headers = {**ADMIN, "Idempotency-Key": "open-atelier-ana"}
        answers = await asyncio.gather(
            *(
                client.post(f"{API}/admin/stores", json=STORE, headers=headers)
                for _ in range(AT_ONCE)
            )
        )
        created = the_one_answer(answers, 201)
        works = await client.get(f"{API}/store/payments/config", headers=bearer(created["api_key"]))

    assert await rows(database_url, "SELECT id FROM stores") == [(created["id"],)]
    assert works.status_code == 200


async def test_keys_rotated_at_once_with_one_key_rotate_once(database_url: str) -> None:
    async with served_on(database_url) as (client, _):
        opened = (await client.post(f"{API}/admin/stores", json=STORE, headers=ADMIN)).json()
        headers = {**ADMIN, "Idempotency-Key": "rotate-after-leak"}
        answers = await asyncio.gather(
            *(
                client.post(f"{API}/admin/stores/{opened['id']}/api-keys", headers=headers)
                for _ in range(AT_ONCE)
            )
        )
        rotated = the_one_answer(answers, 201)
        new = await client.get(f"{API}/store/payments/config", headers=bearer(rotated["api_key"]))
        old = await client.get(f"{API}/store/payments/config", headers=bearer(opened["api_key"]))

    assert rotated["store_id"] == opened["id"]
    assert new.status_code == 200
    assert old.status_code == 401


class HeldAccounts:
    """The service's gateway, but opening an account waits until the test lets it go on."""

    def __init__(self, gateway: PaymentGateway) -> None:
        self._gateway = gateway
        self.asked = 0
        self.entered = asyncio.Event()
        self.go_on = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    async def create_account(self, request: NewAccount) -> GatewayAccount:
        self.asked += 1
        self.entered.set()
        await self.go_on.wait()
        return await self._gateway.create_account(request)


async def test_a_retry_while_the_first_request_runs_waits_then_is_told_to_come_back(
    database_url: str,
) -> None:
    held: list[HeldAccounts] = []

    def holding(gateway: PaymentGateway) -> HeldAccounts:
        held.append(HeldAccounts(gateway))
        return held[0]

    async with served_on(database_url, gateway=holding) as (client, _):
        (accounts,) = held
        opened = (await client.post(f"{API}/admin/stores", json=STORE, headers=ADMIN)).json()
        headers = {**bearer(opened["api_key"]), "Idempotency-Key": "set-up-once"}
        first = asyncio.create_task(post(client, f"{API}/store/payments/setup", headers))
        await asyncio.wait_for(accounts.entered.wait(), timeout=10)
        started = time.monotonic()
        retry = await post(client, f"{API}/store/payments/setup", headers)
        waited = time.monotonic() - started
        accounts.go_on.set()
        answer = await first
        later = await post(client, f"{API}/store/payments/setup", headers)

    assert is_in_progress(retry)
    assert waited >= 1, "the retry did not wait for the first answer"
    assert answer.status_code == 200, answer.text
    assert later.status_code == 200
    assert later.headers["Idempotent-Replayed"] == "true"
    assert later.json() == answer.json()
    assert accounts.asked == 1


async def post(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> httpx.Response:
    return await asyncio.wait_for(client.post(url, headers=headers), timeout=15)


async def test_a_request_that_failed_leaves_its_key_free_for_a_retry(database_url: str) -> None:
    async with served_on(database_url) as (client, _):
        opened = (await client.post(f"{API}/admin/stores", json=STORE, headers=ADMIN)).json()
        headers = {**bearer(opened["api_key"]), "Idempotency-Key": "link-1"}
        refused = await client.post(f"{API}/store/payments/onboarding-link", headers=headers)
        await client.post(f"{API}/store/payments/setup", headers=bearer(opened["api_key"]))
        retried = await client.post(f"{API}/store/payments/onboarding-link", headers=headers)

    assert_problem(refused, 409, "payments_not_set_up")
    assert retried.status_code == 200, retried.text
    assert "Idempotent-Replayed" not in retried.headers


class KeepingFails:
    """Units of work whose idempotency records can be claimed but neither answered nor
    removed: the database went away in the middle of the request."""

    def __init__(self, factory: UnitOfWorkFactory) -> None:
        self._factory = factory

    def __getattr__(self, name: str) -> Any:  # whatever else the factory offers
        return getattr(self._factory, name)

    def __call__(self) -> UnitOfWork:
        uow = self._factory()
        uow.idempotency.answer = self._gone  # type: ignore[method-assign]
        uow.idempotency.remove = self._gone  # type: ignore[method-assign]
        return uow

    async def _gone(self, *_: object) -> None:
        raise ConnectionError("the database went away")


class Kept(logging.Handler):
    """The messages of one logger (Litestar's logging set-up replaces the root's handlers, and
    with them pytest's)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def http_log() -> Iterator[list[str]]:
    kept = Kept()
    logger = logging.getLogger("storepay.http")
    logger.addHandler(kept)
    try:
        yield kept.messages
    finally:
        logger.removeHandler(kept)


async def test_an_answer_that_could_not_be_kept_still_goes_out_and_its_claim_holds(
    database_url: str, http_log: list[str]
) -> None:
    async with served_on(database_url, units_of_work=KeepingFails) as (client, _):
        headers = {**ADMIN, "Idempotency-Key": "open-while-failing"}
        opened = await client.post(f"{API}/admin/stores", json=STORE, headers=headers)
        retry = await client.post(f"{API}/admin/stores", json=STORE, headers=headers)
        missing = await client.post(
            f"{API}/admin/stores/store_missing/api-keys",
            headers={**ADMIN, "Idempotency-Key": "rotate-missing"},
        )

    assert opened.status_code == 201
    assert opened.json()["api_key"].startswith("spk_")
    assert is_in_progress(retry)  # until the claim's lease ends: never a second store
    assert_problem(missing, 404, "not_found")
    assert http_log == [
        "the answer to a request with an Idempotency-Key could not be kept",
        "a claim on an Idempotency-Key could not be released; its lease will end it",
    ]
    assert len(await rows(database_url, "SELECT id FROM stores")) == 1


# -- a real server, two worker processes -------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_database(
    request: pytest.FixtureRequest, anyio_backend: str, tmp_path: Path
) -> AsyncIterator[str]:
    """A database with no schema yet: ``serve`` migrates it."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    async with postgres_database() as url:
        yield url


async def test_two_workers_given_one_key_at_once_open_one_store(
    empty_database: str, tmp_path: Path
) -> None:
    # Several workers take the Stripe gateway; opening a store never asks Stripe anything.
    with served(
        tmp_path,
        workers=2,
        STOREPAY_DATABASE_URL=empty_database,
        STOREPAY_RATE_LIMIT_PER_MINUTE="0",
        **stripe_settings(),
    ) as server:
        admin = {"Authorization": f"Bearer {SERVED_ADMIN_TOKEN}"}
        headers = {**admin, "Idempotency-Key": "open-atelier-ana"}
        # A connection each, so that both workers take some of them.
        limits = httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:
            answers = await asyncio.gather(
                *(
                    client.post(f"{API}/admin/stores", json=STORE, headers=headers)
                    for _ in range(AT_ONCE)
                )
            )
            created = the_one_answer(answers, 201)
            works = await client.get(
                f"{API}/store/payments/config", headers=bearer(created["api_key"])
            )
        stores = await rows(empty_database, "SELECT id FROM stores")

    assert stores == [(created["id"],)]
    assert works.status_code == 200
