from __future__ import annotations

import pytest

from application.use_cases.refund_payment import RefundOrder
from domain.errors import DomainError
from domain.ledger import PlatformFees
from domain.store import Store

from .system import DISPUTED, System

pytestmark = pytest.mark.anyio


def figures(fees: PlatformFees) -> tuple[str, int, int, int]:
    return (
        fees.currency.code,
        fees.fees_collected.minor_units,
        fees.fees_refunded.minor_units,
        fees.net.minor_units,
    )


async def test_nothing_collected_yet(system: System, store: Store) -> None:
    report = await system.use_cases.report_platform_fees()

    assert (report.totals, report.by_store) == ([], [])


async def test_fees_are_reported_in_total_and_by_store(
    system: System, store: Store, other_store: Store
) -> None:
    await system.paid_payment(store, "A-1", 1999)
    refunded = await system.paid_payment(store, "A-2", 1000)
    await system.use_cases.refund_payment(RefundOrder(store.id, refunded.id))
    await system.paid_payment(other_store, "B-1", 4000)
    yen_store = await system.onboarded_store("Kissa", currency="JPY")
    await system.paid_payment(yen_store, "K-1", 1000)

    report = await system.use_cases.report_platform_fees()

    assert [figures(fees) for fees in report.totals] == [
        ("EUR", 175, 25, 150),
        ("JPY", 25, 0, 25),
    ]
    assert [(line.store_id, figures(line.fees)) for line in report.by_store] == [
        (store.id, ("EUR", 75, 25, 50)),
        (other_store.id, ("EUR", 100, 0, 100)),
        (yen_store.id, ("JPY", 25, 0, 25)),
    ]


async def test_the_report_can_be_limited_to_one_currency(system: System, store: Store) -> None:
    await system.paid_payment(store, "A-1", 1999)
    yen_store = await system.onboarded_store("Kissa", currency="JPY")
    await system.paid_payment(yen_store, "K-1", 1000)

    yen = await system.use_cases.report_platform_fees("jpy")
    euro = await system.use_cases.report_platform_fees("EUR")
    dollars = await system.use_cases.report_platform_fees("USD")

    assert [figures(fees) for fees in yen.totals] == [("JPY", 25, 0, 25)]
    assert [line.store_id for line in yen.by_store] == [yen_store.id]
    assert [figures(fees) for fees in euro.totals] == [("EUR", 50, 0, 50)]
    assert [line.store_id for line in euro.by_store] == [store.id]
    assert (dollars.totals, dollars.by_store) == ([], [])


async def test_a_lost_dispute_gives_the_fee_back_like_a_refund(
    system: System, store: Store
) -> None:
    disputed = await system.paid_payment(store, "A-1", 3000, card=DISPUTED)
    assert disputed.payment_intent_id is not None

    await system.stripe.close_dispute(
        system.stripe.dispute_of(disputed.payment_intent_id), won=False
    )

    [total] = (await system.use_cases.report_platform_fees()).totals
    assert figures(total) == ("EUR", 75, 75, 0)


@pytest.mark.parametrize(
    ("currency", "code"), [("XYZ", "unknown_currency"), ("CLF", "unsupported_currency")]
)
async def test_an_unknown_currency_is_refused(system: System, currency: str, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.report_platform_fees(currency)

    assert refused.value.code == code
