from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from application.onboarding_links import LinkPurpose
from application.use_cases.set_up_payments import PaymentSetup
from domain.account import AccountStatus
from domain.errors import DomainError

from .system import System, later

pytestmark = pytest.mark.anyio


async def begin_onboarding(system: System) -> tuple[str, str, str]:
    store = (await system.open_store()).store
    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))
    return_url = system.stripe.latest_onboarding_link(setup.account_id).return_url
    return store.id, setup.account_id, parse_qs(urlsplit(return_url).query)["token"][0]


async def test_an_unfinished_onboarding_reads_as_pending(system: System) -> None:
    store_id, _, token = await begin_onboarding(system)

    store = (await system.use_cases.check_onboarding(store_id, token)).store

    assert store.account_status is AccountStatus.PENDING
    assert store.needs_onboarding
    assert not store.accepts_payments


async def test_the_gateway_is_asked_even_when_its_webhook_has_not_arrived(held: System) -> None:
    store_id, account_id, token = await begin_onboarding(held)
    await held.stripe.complete_onboarding(account_id)
    assert (await held.use_cases.get_store(store_id)).account_status is AccountStatus.PENDING

    store = (await held.use_cases.check_onboarding(store_id, token)).store

    assert store.account_status is AccountStatus.ACTIVE
    assert store.accepts_payments
    assert not store.needs_onboarding
    stored = await held.use_cases.get_store(store_id)
    assert stored.account_status is AccountStatus.ACTIVE


async def test_the_late_webhook_changes_nothing_after_the_check(held: System) -> None:
    store_id, account_id, token = await begin_onboarding(held)
    await held.stripe.complete_onboarding(account_id)
    await held.use_cases.check_onboarding(store_id, token)

    await held.release_all()

    stored = await held.use_cases.get_store(store_id)
    assert stored.account_status is AccountStatus.ACTIVE
    assert held.stripe.failed_deliveries == []


async def test_an_expired_token_is_refused(system: System) -> None:
    store_id, _, token = await begin_onboarding(system)
    later(system, hours=24, seconds=1)
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.check_onboarding(store_id, token)

    assert refused.value.code == "invalid_onboarding_token"
    assert system.stored() == before


async def test_a_forged_or_foreign_token_is_refused(system: System) -> None:
    store_id, _, token = await begin_onboarding(system)
    other_id, _, other_token = await begin_onboarding(system)

    for store, forged in ((store_id, other_token), (other_id, token), (store_id, "1.abc")):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.check_onboarding(store, forged)
        assert refused.value.code == "invalid_onboarding_token"


async def test_a_store_without_an_account_has_not_set_up_payments(system: System) -> None:
    store = (await system.open_store()).store
    token = system.use_cases.onboarding_links.token(store.id, LinkPurpose.RETURN)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.check_onboarding(store.id, token)

    assert refused.value.code == "payments_not_set_up"


async def test_a_store_that_disconnected_reads_as_inactive(system: System) -> None:
    store_id, account_id, token = await begin_onboarding(system)
    await system.stripe.complete_onboarding(account_id)
    await system.stripe.deauthorize(account_id)

    store = (await system.use_cases.check_onboarding(store_id, token)).store

    assert store.account_status is AccountStatus.INACTIVE
    assert not store.accepts_payments


async def test_the_return_token_is_used_once_and_offers_a_way_on(system: System) -> None:
    store_id, _, token = await begin_onboarding(system)

    check = await system.use_cases.check_onboarding(store_id, token)
    with pytest.raises(DomainError) as refused:
        await system.use_cases.check_onboarding(store_id, token)

    assert refused.value.code == "invalid_onboarding_token"
    assert check.refresh_url is not None
    refresh_token = parse_qs(urlsplit(check.refresh_url).query)["token"][0]
    link = await system.use_cases.refresh_onboarding_link(store_id, token=refresh_token)
    assert link.url


async def test_a_finished_onboarding_offers_no_way_on(system: System) -> None:
    store_id, account_id, token = await begin_onboarding(system)
    await system.stripe.complete_onboarding(account_id)

    check = await system.use_cases.check_onboarding(store_id, token)

    assert check.store.accepts_payments
    assert check.refresh_url is None
