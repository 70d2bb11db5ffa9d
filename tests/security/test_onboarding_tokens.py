"""An onboarding link's tokens work once: a refresh token mints one link and none once onboarding
is complete, a return token shows where onboarding stands once, and the refresh page is rate
limited per address. Uses are kept in the database, so every worker sees them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.conftest import StoreKey, open_store, service_for
from e2e.shopping import PUBLIC_URL, Marketplace, local, onboarding_begun
from litestar.testing import TestClient

from adapters.stripe_emulator import OnboardingSession
from entrypoints.container import Service
from entrypoints.http.app import create_app

LIMIT = 3


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def onboarding(market: Marketplace, client: TestClient[Any]) -> tuple[StoreKey, OnboardingSession]:
    return onboarding_begun(market, client)


def account_of(session: OnboardingSession) -> str:
    return session.url.rsplit("/", 1)[1]


def refused(response: Any) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "already used" in response.text
    assert "back office" in response.text


def test_a_refresh_token_mints_one_link(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    _, session = onboarding
    first = client.get(local(session.refresh_url), follow_redirects=False)
    assert first.status_code == 303
    fresh = market.stripe.latest_onboarding_link(account_of(session))

    refused(client.get(local(session.refresh_url), follow_redirects=False))
    assert market.stripe.latest_onboarding_link(account_of(session)) == fresh

    # The fresh link's own refresh token works, once too.
    assert client.get(local(fresh.refresh_url), follow_redirects=False).status_code == 303
    refused(client.get(local(fresh.refresh_url), follow_redirects=False))


def test_a_return_token_shows_where_onboarding_stands_once(
    client: TestClient[Any], onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    store, session = onboarding
    page = client.get(local(session.return_url))
    assert page.status_code == 200
    assert "Onboarding is not finished" in page.text
    refused(client.get(local(session.return_url)))
    # The page's way to carry on is a refresh address of its own, not the return token.
    continue_at = page.text.split(f'href="{PUBLIC_URL}/onboarding/{store.id}/refresh?token=')[1]
    token = continue_at.split('"', 1)[0]
    assert token not in session.return_url
    again = client.get(f"/onboarding/{store.id}/refresh?token={token}", follow_redirects=False)
    assert again.status_code == 303


def test_a_refresh_or_return_token_does_not_stand_in_for_the_other(
    client: TestClient[Any], onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    store, session = onboarding
    refresh_token = session.refresh_url.split("token=")[1]
    return_token = session.return_url.split("token=")[1]
    assert refresh_token != return_token
    for page, token in (("refresh", return_token), ("return", refresh_token)):
        response = client.get(f"/onboarding/{store.id}/{page}?token={token}")
        assert response.status_code == 403


def test_no_link_is_minted_once_onboarding_is_complete(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    _, session = onboarding
    market.complete_onboarding(account_of(session))

    response = client.get(local(session.refresh_url), follow_redirects=False)

    assert response.status_code == 403
    assert "This link has expired" in response.text
    assert market.stripe.latest_onboarding_link(account_of(session)) == session


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[TestClient[Any], Service]]:
    service = service_for(tmp_path / "limited.sqlite3", STOREPAY_RATE_LIMIT_PER_MINUTE=str(LIMIT))
    with TestClient(create_app(service)) as test_client:
        yield test_client, service


@pytest.mark.parametrize("page", ["refresh", "return"])
def test_the_onboarding_pages_are_rate_limited_per_address(
    limited: tuple[TestClient[Any], Service], page: str
) -> None:
    client, _ = limited
    store = open_store(client)
    answers = [
        client.get(f"/onboarding/{store.id}/{page}?token=guess{n}", follow_redirects=False)
        for n in range(LIMIT + 1)
    ]
    assert [a.status_code for a in answers] == [403] * LIMIT + [429]
    assert int(answers[-1].headers["retry-after"]) > 0


def test_one_token_refreshed_at_once_mints_one_link(tmp_path: Path) -> None:
    service = service_for(tmp_path / "race.sqlite3")
    app = create_app(service)
    with TestClient(app) as client:
        market = Marketplace(client, service)
        store = open_store(client)
        account_id = market.set_up_payments(store)
        session = market.stripe.latest_onboarding_link(account_id)

        async def race() -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as racer:
                answers = await asyncio.gather(
                    *(racer.get(local(session.refresh_url)) for _ in range(8))
                )
            return sorted(answer.status_code for answer in answers)

        assert client.blocking_portal.call(race) == [303] + [403] * 7
