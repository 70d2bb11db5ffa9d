from __future__ import annotations

from decimal import Decimal

import pytest

from application.use_cases.set_fee_policy import NewFeePolicy
from domain.errors import DomainError
from domain.money import Money

from .system import System

pytestmark = pytest.mark.anyio


async def test_the_policy_is_stored_and_applies_to_new_previews(system: System) -> None:
    store = (await system.open_store()).store

    policy = await system.use_cases.set_fee_policy(
        NewFeePolicy(store.id, "2.9", fixed_amount=30, minimum_fee=50, maximum_fee=500)
    )

    assert policy.percentage.value == Decimal("2.9")
    assert policy.fixed_amount == Money.of(30, "EUR")
    assert policy.minimum_fee == Money.of(50, "EUR")
    assert policy.maximum_fee == Money.of(500, "EUR")
    stored = await system.use_cases.get_store(store.id)
    assert stored.fee_policy == policy
    assert (await system.use_cases.preview_fee(store.id, 1000, "EUR")).platform_fee == Money.of(
        59, "EUR"
    )
    assert (await system.use_cases.preview_fee(store.id, 100, "EUR")).platform_fee == Money.of(
        50, "EUR"
    )
    assert (await system.use_cases.preview_fee(store.id, 50_000, "EUR")).platform_fee == Money.of(
        500, "EUR"
    )


async def test_a_policy_replaces_the_previous_one(system: System) -> None:
    store = (await system.open_store()).store
    await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "10", fixed_amount=100))

    await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "1"))

    stored = await system.use_cases.get_store(store.id)
    assert stored.fee_policy.percentage.value == Decimal("1")
    assert stored.fee_policy.fixed_amount == Money.zero("EUR")


async def test_zero_and_a_hundred_percent_are_valid(system: System) -> None:
    store = (await system.open_store()).store

    free = await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "0"))
    everything = await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "100"))

    assert free.fee_for(Money.of(1999, "EUR")) == Money.zero("EUR")
    assert everything.fee_for(Money.of(1999, "EUR")) == Money.of(1999, "EUR")


async def test_a_dinar_store_takes_fixed_amounts_in_whole_tens_of_fils(system: System) -> None:
    store = (await system.open_store("Kuwait", currency="KWD", country="KW")).store

    policy = await system.use_cases.set_fee_policy(
        NewFeePolicy(store.id, "2.5", fixed_amount=100, minimum_fee=250)
    )

    assert policy.fixed_amount == Money.of(100, "KWD")
    assert policy.fee_for(Money.of(1000, "KWD")) == Money.of(250, "KWD")
    assert policy.fee_for(Money.of(20_000, "KWD")) == Money.of(600, "KWD")


@pytest.mark.parametrize(
    "command",
    [
        NewFeePolicy("", "abc"),
        NewFeePolicy("", "-1"),
        NewFeePolicy("", "100.5"),
        NewFeePolicy("", "101"),
        NewFeePolicy("", "2.55555"),
        NewFeePolicy("", "2,5"),
        NewFeePolicy("", ""),
        NewFeePolicy("", "2.5", fixed_amount=-1),
        NewFeePolicy("", "2.5", minimum_fee=-10),
        NewFeePolicy("", "2.5", minimum_fee=500, maximum_fee=100),
    ],
)
async def test_an_invalid_policy_is_refused_and_the_old_one_kept(
    system: System, command: NewFeePolicy
) -> None:
    store = (await system.open_store()).store
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.set_fee_policy(
            NewFeePolicy(
                store.id,
                command.percentage,
                fixed_amount=command.fixed_amount,
                minimum_fee=command.minimum_fee,
                maximum_fee=command.maximum_fee,
            )
        )

    assert refused.value.code == "invalid_fee_policy"
    assert system.stored() == before


@pytest.mark.parametrize(
    ("fixed_amount", "minimum_fee", "maximum_fee"),
    [(5, 0, None), (0, 15, None), (0, 0, 1001)],
)
async def test_dinar_amounts_that_are_not_tens_of_fils_are_refused(
    system: System, fixed_amount: int, minimum_fee: int, maximum_fee: int | None
) -> None:
    store = (await system.open_store("Kuwait", currency="KWD", country="KW")).store
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.set_fee_policy(
            NewFeePolicy(
                store.id,
                "2.5",
                fixed_amount=fixed_amount,
                minimum_fee=minimum_fee,
                maximum_fee=maximum_fee,
            )
        )

    assert refused.value.code == "invalid_fee_policy"
    assert system.stored() == before


async def test_an_unknown_store_is_not_found(system: System) -> None:
    await system.open_store()
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.set_fee_policy(NewFeePolicy("store_nobody", "2.5"))

    assert refused.value.code == "not_found"
    assert system.stored() == before
