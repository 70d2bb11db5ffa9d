from __future__ import annotations

import pytest

from application.use_cases.refund_payment import RefundOrder
from application.use_cases.set_fee_policy import NewFeePolicy
from domain.errors import DomainError
from domain.ledger import StoreBalance
from domain.money import Money
from domain.store import Store

from .system import DECLINED, DISPUTED, System

pytestmark = pytest.mark.anyio


def eur(minor_units: int) -> Money:
    return Money.of(minor_units, "EUR")


def figures(balance: StoreBalance) -> tuple[int, ...]:
    return tuple(
        amount.minor_units
        for amount in (
            balance.gross_volume,
            balance.platform_fees,
            balance.refunds,
            balance.fee_refunds,
            balance.disputed,
            balance.net,
        )
    )


async def test_a_new_store_has_no_balance(system: System, store: Store) -> None:
    assert await system.use_cases.get_balance(store.id) == []


async def test_unpaid_payments_count_for_nothing(system: System, store: Store) -> None:
    await system.checkout(store, await system.order(store, "A-1"))
    await system.pay(await system.checkout(store, await system.order(store, "A-2")), DECLINED)

    assert await system.use_cases.get_balance(store.id) == []


async def test_the_balance_sums_payments_refunds_and_disputes(system: System, store: Store) -> None:
    await system.paid_payment(store, "A-1", 1999)
    refunded = await system.paid_payment(store, "A-2", 1000)
    await system.use_cases.refund_payment(RefundOrder(store.id, refunded.id, amount=400))
    disputed = await system.paid_payment(store, "A-3", 3000, card=DISPUTED)
    assert disputed.payment_intent_id is not None

    [open_dispute] = await system.use_cases.get_balance(store.id)
    await system.stripe.close_dispute(
        system.stripe.dispute_of(disputed.payment_intent_id), won=False
    )
    [lost_dispute] = await system.use_cases.get_balance(store.id)

    assert open_dispute.currency.code == "EUR"
    assert figures(open_dispute) == (5999, 150, 400, 85, 3000, 2534)
    assert figures(lost_dispute) == figures(open_dispute)


async def test_a_won_dispute_gives_the_money_back(system: System, store: Store) -> None:
    disputed = await system.paid_payment(store, "A-1", 3000, card=DISPUTED)
    assert disputed.payment_intent_id is not None

    await system.stripe.close_dispute(
        system.stripe.dispute_of(disputed.payment_intent_id), won=True
    )

    [balance] = await system.use_cases.get_balance(store.id)
    assert figures(balance) == (3000, 75, 0, 0, 0, 2925)


async def test_a_balance_is_in_the_stores_currency(system: System, store: Store) -> None:
    await system.paid_payment(store, "A-1", 1999)
    yen_store = await system.onboarded_store("Kissa", currency="JPY")
    await system.paid_payment(yen_store, "Y-1", 1000)

    [euros] = await system.use_cases.get_balance(store.id)
    [yen] = await system.use_cases.get_balance(yen_store.id)

    assert (euros.currency.code, yen.currency.code) == ("EUR", "JPY")
    assert figures(yen) == (1000, 25, 0, 0, 0, 975)


async def test_a_store_sees_only_its_own_takings(
    system: System, store: Store, other_store: Store
) -> None:
    await system.paid_payment(store, "A-1", 1999)
    await system.paid_payment(other_store, "B-1", 5000)

    [mine] = await system.use_cases.get_balance(store.id)
    [theirs] = await system.use_cases.get_balance(other_store.id)

    assert mine.gross_volume == eur(1999)
    assert theirs.gross_volume == eur(5000)


async def test_the_fee_policy_at_payment_time_is_what_counts(system: System, store: Store) -> None:
    order = await system.order(store, "A-1", 10_000)
    made = await system.checkout(store, order)
    await system.use_cases.set_fee_policy(NewFeePolicy(store.id, "10"))
    await system.pay(made)

    [balance] = await system.use_cases.get_balance(store.id)

    assert balance.platform_fees == eur(250)


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.get_balance("store_nobody")

    assert refused.value.code == "not_found"
