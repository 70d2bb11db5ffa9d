from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import anyio
import pytest

from application.onboarding_links import LinkPurpose
from application.use_cases.set_up_payments import PaymentSetup, SetUpPaymentsResult
from domain.account import AccountStatus
from domain.errors import DomainError

from .system import PUBLIC_URL, DatabaseDown, System, later

pytestmark = pytest.mark.anyio


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def test_setting_up_creates_the_account_and_an_onboarding_link(system: System) -> None:
    store = (await system.open_store()).store

    setup = await system.use_cases.set_up_payments(
        PaymentSetup(
            store.id, address_line1="1 Rue du Marché", city="Luxembourg", postal_code="L-1"
        )
    )

    assert setup.created is True
    assert setup.account_id.startswith("acct_")
    assert setup.onboarding.url == f"{PUBLIC_URL}/simulator/onboarding/{setup.account_id}"
    assert setup.onboarding.expires_at == system.clock.now() + timedelta(minutes=5)
    account = system.stripe.retrieve_object(setup.account_id)
    assert account["metadata"] == {"storepay_store_id": store.id}
    assert account["email"] == store.business_email
    assert account["country"] == "LU"
    assert account["business_profile"] == {"name": "Kiosk"}
    stored = await system.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == setup.account_id
    assert stored.account_status is AccountStatus.PENDING
    assert stored.needs_onboarding
    assert not stored.accepts_payments


async def test_the_link_returns_to_signed_pages_of_this_service(system: System) -> None:
    store = (await system.open_store()).store

    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))

    session = system.stripe.latest_onboarding_link(setup.account_id)
    base = f"{PUBLIC_URL}/onboarding/{store.id}"
    assert session.refresh_url.startswith(f"{base}/refresh?token=")
    assert session.return_url.startswith(f"{base}/return?token=")
    links = system.use_cases.onboarding_links
    refresh, back = token_of(session.refresh_url), token_of(session.return_url)
    assert refresh != back
    assert links.check_token(store.id, refresh, LinkPurpose.REFRESH)
    assert links.check_token(store.id, back, LinkPurpose.RETURN)


async def test_calling_again_keeps_the_one_account_and_mints_a_fresh_link(system: System) -> None:
    store = (await system.open_store()).store
    first = await system.use_cases.set_up_payments(PaymentSetup(store.id))
    later(system, minutes=10)

    second = await system.use_cases.set_up_payments(PaymentSetup(store.id, city="Esch"))

    assert second.created is False
    assert second.account_id == first.account_id
    assert second.onboarding.expires_at > first.onboarding.expires_at
    assert second.onboarding.expires_at == system.clock.now() + timedelta(minutes=5)
    assert system.stripe.latest_onboarding_link(first.account_id).expires_at == (
        second.onboarding.expires_at
    )
    assert system.stripe_ids.of("acct") == [first.account_id]


async def test_concurrent_set_ups_create_one_account(networked: System) -> None:
    store = (await networked.open_store()).store
    results: list[SetUpPaymentsResult] = []

    async def set_up() -> None:
        results.append(await networked.use_cases.set_up_payments(PaymentSetup(store.id)))

    async with anyio.create_task_group() as group:
        for _ in range(4):
            group.start_soon(set_up)

    assert len(results) == 4
    assert {result.account_id for result in results} == {results[0].account_id}
    stored = await networked.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == results[0].account_id
    assert networked.stripe_ids.of("acct") == [results[0].account_id]


async def test_concurrent_set_ups_whose_recordings_overlap_create_one_account(
    overlapping: System,
) -> None:
    store = (await overlapping.open_store()).store
    results: list[SetUpPaymentsResult] = []

    async def set_up() -> None:
        results.append(await overlapping.use_cases.set_up_payments(PaymentSetup(store.id)))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(set_up)

    assert [result.account_id for result in results] == ["acct_000000000000000000000001"] * 3
    stored = await overlapping.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == "acct_000000000000000000000001"


async def test_concurrent_set_ups_with_different_addresses_create_one_account(
    networked: System,
) -> None:
    store = (await networked.open_store()).store
    results: list[SetUpPaymentsResult] = []

    async def set_up(city: str) -> None:
        results.append(await networked.use_cases.set_up_payments(PaymentSetup(store.id, city=city)))

    async with anyio.create_task_group() as group:
        group.start_soon(set_up, "Luxembourg")
        group.start_soon(set_up, "Esch")

    assert [result.account_id for result in results] == [results[0].account_id] * 2
    stored = await networked.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == results[0].account_id


async def test_two_stores_get_two_accounts(system: System) -> None:
    kiosk = (await system.open_store("Kiosk")).store
    bakery = (await system.open_store("Bakery")).store

    first = await system.use_cases.set_up_payments(PaymentSetup(kiosk.id))
    second = await system.use_cases.set_up_payments(PaymentSetup(bakery.id))

    assert first.account_id != second.account_id


async def test_an_unknown_store_is_not_found(system: System) -> None:
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.set_up_payments(PaymentSetup("store_nobody"))

    assert refused.value.code == "not_found"
    assert system.stored() == before
    assert system.stripe.sent_events == []


async def test_a_set_up_whose_recording_failed_is_finished_by_the_next_call(
    system: System,
) -> None:
    store = (await system.open_store()).store
    system.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await system.use_cases.set_up_payments(PaymentSetup(store.id))
    assert (await system.use_cases.get_store(store.id)).account is None

    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))

    assert setup.account_id == "acct_000000000000000000000001"
    stored = await system.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == setup.account_id


async def test_a_retry_with_another_address_after_a_failed_recording_keeps_the_one_account(
    system: System,
) -> None:
    store = (await system.open_store()).store
    system.uows.fail_next_commits(1)
    with pytest.raises(DatabaseDown):
        await system.use_cases.set_up_payments(PaymentSetup(store.id, city="Luxembourg"))

    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id, city="Esch"))

    assert setup.account_id == "acct_000000000000000000000001"
    stored = await system.use_cases.get_store(store.id)
    assert stored.account is not None
    assert stored.account.account_id == setup.account_id
