from __future__ import annotations

import pytest

from application.use_cases.set_fee_policy import NewFeePolicy
from domain.errors import DomainError
from domain.money import Money

from .system import System

pytestmark = pytest.mark.anyio


async def test_the_preview_divides_the_total_between_store_and_platform(system: System) -> None:
    store = (await system.open_store()).store

    breakdown = await system.use_cases.preview_fee(store.id, 1999, "eur")

    assert breakdown.total == Money.of(1999, "EUR")
    assert breakdown.platform_fee == Money.of(50, "EUR")
    assert breakdown.store_amount == Money.of(1949, "EUR")


@pytest.mark.parametrize(
    ("currency", "percentage", "fixed", "amount", "fee"),
    [
        ("JPY", "3.6", 30, 1000, 66),
        ("JPY", "2.5", 0, 50, 1),
        ("KWD", "2.5", 0, 1500, 40),
        ("KWD", "2.5", 100, 10, 10),
        ("EUR", "0", 0, 1999, 0),
    ],
)
async def test_the_preview_follows_the_stores_policy(
    system: System, currency: str, percentage: str, fixed: int, amount: int, fee: int
) -> None:
    store = (await system.open_store(currency=currency)).store
    await system.use_cases.set_fee_policy(NewFeePolicy(store.id, percentage, fixed_amount=fixed))

    breakdown = await system.use_cases.preview_fee(store.id, amount, currency)

    assert breakdown.platform_fee == Money.of(fee, currency)
    assert breakdown.store_amount == Money.of(amount - fee, currency)


@pytest.mark.parametrize("fixed", [0, 30])
async def test_a_preview_in_another_currency_than_the_stores_is_refused(
    system: System, fixed: int
) -> None:
    store = (await system.open_store()).store
    await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "2.5", fixed_amount=fixed))

    with pytest.raises(DomainError) as refused:
        await system.use_cases.preview_fee(store.id, 10_000, "JPY")

    assert refused.value.code == "store_currency_mismatch"


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        (49, "EUR", "amount_too_small"),
        (0, "EUR", "invalid_amount"),
        (-100, "EUR", "invalid_amount"),
        (100_000_000, "EUR", "amount_too_large"),
        (1505, "KWD", "invalid_amount"),
        (1999, "XYZ", "unknown_currency"),
        (1999, "CLF", "unsupported_currency"),
    ],
)
async def test_amounts_that_cannot_be_charged_are_refused(
    system: System, amount: int, currency: str, code: str
) -> None:
    store = (await system.open_store()).store

    with pytest.raises(DomainError) as refused:
        await system.use_cases.preview_fee(store.id, amount, currency)

    assert refused.value.code == code


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.preview_fee("store_nobody", 1999, "EUR")

    assert refused.value.code == "not_found"
