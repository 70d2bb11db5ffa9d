"""The pages Stripe's hosted onboarding leads back to: refresh (a fresh link) and return."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar.testing import TestClient

from adapters.stripe_emulator import OnboardingSession
from application.onboarding_links import LinkPurpose
from entrypoints.container import Service

from .conftest import StoreKey, open_store
from .shopping import PUBLIC_URL, Marketplace, local, onboarding_begun


@pytest.fixture
def market(client: TestClient[Any], service: Service) -> Marketplace:
    return Marketplace(client, service)


@pytest.fixture
def onboarding(market: Marketplace, client: TestClient[Any]) -> tuple[StoreKey, OnboardingSession]:
    return onboarding_begun(market, client)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def assert_page(response: Any, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    html: str = response.text
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert "<h1>" in html
    for word in words:
        assert word in html
    assert "Traceback" not in html
    assert "Exception" not in html
    return html


def test_refresh_redirects_to_a_fresh_onboarding_link(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    store, session = onboarding
    response = client.get(local(session.refresh_url), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    account_id = session.url.rsplit("/", 1)[1]
    fresh = market.stripe.latest_onboarding_link(account_id)
    assert response.headers["location"] == fresh.url
    assert fresh.expires_at >= session.expires_at
    assert f"/onboarding/{store.id}/return?token=" in fresh.return_url
    assert client.get(local(response.headers["location"])).status_code == 200


def test_return_says_onboarding_is_not_finished_then_that_payments_are_on(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    store, session = onboarding
    html = assert_page(client.get(local(session.return_url)), 200, "Onboarding is not finished")
    continue_link = f'href="{PUBLIC_URL}/onboarding/{store.id}/refresh?token='
    assert continue_link in html
    token = html.split(continue_link)[1].split('"')[0]
    carried_on = client.get(f"/onboarding/{store.id}/refresh?token={token}", follow_redirects=False)
    assert carried_on.status_code == 303
    account_id = session.url.rsplit("/", 1)[1]
    market.complete_onboarding(account_id)
    back = market.stripe.latest_onboarding_link(account_id).return_url
    html = assert_page(client.get(local(back)), 200, "Your store can take payments")
    assert "Continue onboarding" not in html


def test_return_asks_the_gateway_even_when_its_event_was_lost(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    store, session = onboarding
    market.stripe.delivery_mode = "held"  # account.updated never arrives
    market.complete_onboarding(session.url.rsplit("/", 1)[1])
    assert_page(client.get(local(session.return_url)), 200, "Your store can take payments")
    intent = market.create_intent(store.id, market.order(store))
    assert intent.status_code == 200


@pytest.mark.parametrize("page", ["refresh", "return"])
def test_a_forged_missing_or_foreign_token_is_a_403_page(
    client: TestClient[Any], onboarding: tuple[StoreKey, OnboardingSession], page: str
) -> None:
    store, session = onboarding
    token = token_of(session.return_url)
    other = open_store(client, "Other store")
    for address in (
        f"/onboarding/{store.id}/{page}?token={token[:-2]}xx",
        f"/onboarding/{store.id}/{page}?token=",
        f"/onboarding/{store.id}/{page}",
        f"/onboarding/{store.id}/{page}?token=garbage",
        f"/onboarding/{other.id}/{page}?token={token}",
        f"/onboarding/store_missing/{page}?token={token}",
    ):
        response = client.get(address, follow_redirects=False)
        assert_page(response, 403, "This link has expired", "back office")


@pytest.mark.parametrize("page", ["refresh", "return"])
def test_an_expired_token_is_a_403_page(
    client: TestClient[Any],
    service: Service,
    onboarding: tuple[StoreKey, OnboardingSession],
    page: str,
) -> None:
    store, _ = onboarding
    nonce = "n" * 32
    expired = f"{nonce}." + service.adapters.signer().sign(
        f"onboarding:{page}:{store.id}:{nonce}", datetime.now(UTC) - timedelta(seconds=1)
    )
    response = client.get(f"/onboarding/{store.id}/{page}?token={expired}")
    assert_page(response, 403, "This link has expired")


@pytest.mark.parametrize("page", ["refresh", "return"])
def test_a_store_without_payments_set_up_is_told_so(
    client: TestClient[Any], service: Service, page: str
) -> None:
    store = open_store(client)
    token = service.use_cases().onboarding_links.token(store.id, LinkPurpose(page))
    response = client.get(f"/onboarding/{store.id}/{page}?token={token}", follow_redirects=False)
    assert_page(response, 409, "Payments are not set up")


def test_a_disconnected_store_is_told_payments_are_disabled(
    client: TestClient[Any], market: Marketplace, onboarding: tuple[StoreKey, OnboardingSession]
) -> None:
    _, session = onboarding
    account_id = session.url.rsplit("/", 1)[1]
    market.complete_onboarding(account_id)
    market.run(market.stripe.deauthorize, account_id)
    assert_page(client.get(local(session.return_url)), 200, "Payments are disabled")
