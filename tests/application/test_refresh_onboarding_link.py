from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from application.onboarding_links import LinkPurpose
from application.use_cases.set_up_payments import PaymentSetup
from domain.errors import DomainError

from .system import System, later

pytestmark = pytest.mark.anyio


async def set_up(system: System) -> tuple[str, str, str]:
    """A store that began onboarding: its id, its account id and the token of its link."""
    store = (await system.open_store()).store
    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))
    refresh_url = system.stripe.latest_onboarding_link(setup.account_id).refresh_url
    return store.id, setup.account_id, parse_qs(urlsplit(refresh_url).query)["token"][0]


async def test_the_back_office_gets_a_fresh_link_without_a_token(system: System) -> None:
    store_id, account_id, _ = await set_up(system)
    later(system, minutes=7)

    link = await system.use_cases.refresh_onboarding_link(store_id)

    assert link.url.endswith(f"/simulator/onboarding/{account_id}")
    assert link.expires_at == system.clock.now() + timedelta(minutes=5)
    assert system.stripe.latest_onboarding_link(account_id).expires_at == link.expires_at


async def test_a_stale_link_with_a_valid_token_mints_a_new_one(system: System) -> None:
    store_id, account_id, token = await set_up(system)
    later(system, hours=23)

    link = await system.use_cases.refresh_onboarding_link(store_id, token=token)

    assert link.expires_at == system.clock.now() + timedelta(minutes=5)
    assert system.stripe.latest_onboarding_link(account_id).expires_at == link.expires_at


async def test_an_expired_token_is_refused(system: System) -> None:
    store_id, account_id, token = await set_up(system)
    previous = system.stripe.latest_onboarding_link(account_id)
    later(system, hours=24)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link(store_id, token=token)

    assert refused.value.code == "invalid_onboarding_token"
    assert system.stripe.latest_onboarding_link(account_id) == previous


async def test_a_token_of_another_store_is_refused(system: System) -> None:
    _, _, kiosk_token = await set_up(system)
    bakery_id, bakery_account, _ = await set_up(system)
    previous = system.stripe.latest_onboarding_link(bakery_account)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link(bakery_id, token=kiosk_token)

    assert refused.value.code == "invalid_onboarding_token"
    assert system.stripe.latest_onboarding_link(bakery_account) == previous


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: "",
        lambda token: "garbage",
        lambda token: token + "x",
        lambda token: "9999999999." + token.partition(".")[2],
        lambda token: token.partition(".")[0] + ".",
        lambda token: ".".join([token.split(".")[0], "9999999999", token.split(".")[2]]),
        lambda token: "x" + token[1:],
    ],
)
async def test_a_forged_token_is_refused(system: System, forge: object) -> None:
    store_id, _, token = await set_up(system)
    assert callable(forge)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link(store_id, token=forge(token))

    assert refused.value.code == "invalid_onboarding_token"


async def test_a_store_without_an_account_has_nothing_to_refresh(system: System) -> None:
    store = (await system.open_store()).store
    token = system.use_cases.onboarding_links.token(store.id, LinkPurpose.REFRESH)

    for attempt in ({}, {"token": token}):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.refresh_onboarding_link(store.id, **attempt)
        assert refused.value.code == "payments_not_set_up"


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link("store_nobody")

    assert refused.value.code == "not_found"


async def test_a_token_mints_one_link(system: System) -> None:
    store_id, account_id, token = await set_up(system)
    await system.use_cases.refresh_onboarding_link(store_id, token=token)
    minted = system.stripe.latest_onboarding_link(account_id)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link(store_id, token=token)

    assert refused.value.code == "invalid_onboarding_token"
    assert system.stripe.latest_onboarding_link(account_id) == minted


async def test_no_link_is_minted_with_a_token_once_onboarding_is_complete(system: System) -> None:
    store_id, account_id, token = await set_up(system)
    await system.stripe.complete_onboarding(account_id)
    previous = system.stripe.latest_onboarding_link(account_id)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.refresh_onboarding_link(store_id, token=token)

    assert refused.value.code == "invalid_onboarding_token"
    assert system.stripe.latest_onboarding_link(account_id) == previous
    # The back office, signed in, may still ask for one.
    assert await system.use_cases.refresh_onboarding_link(store_id)
