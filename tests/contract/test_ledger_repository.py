"""The LedgerRepository contract: entries are kept as written and read by store or currency."""

from __future__ import annotations

import pytest

from application.ports import UnitOfWorkFactory
from domain.currency import Currency
from domain.ledger import EntryKind, LedgerEntry

from .builders import a_payment, a_store, an_entry, an_order, given, money, state

pytestmark = pytest.mark.anyio

CHARGE_A = an_entry(EntryKind.CHARGE, money("100.00"), store_id="store_a", payment_id="pay_a")
FEE_A = an_entry(EntryKind.PLATFORM_FEE, money("2.50"), store_id="store_a", payment_id="pay_a")
CHARGE_B = an_entry(
    EntryKind.CHARGE, money("1000", "JPY"), store_id="store_b", payment_id="pay_b", minute=1
)
REFUND_A = an_entry(
    EntryKind.REFUND,
    money("10.00"),
    store_id="store_a",
    payment_id="pay_a",
    reference="re_1",
    minute=2,
)
FEE_REFUND_A = an_entry(
    EntryKind.FEE_REFUND,
    money("0.25"),
    store_id="store_a",
    payment_id="pay_a",
    reference="re_1",
    minute=2,
)


async def a_ledger(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b", currency="JPY"),
        an_order("order_a", "store_a"),
        an_order("order_b", "store_b", total="1000", currency="JPY"),
        a_payment("pay_a", "store_a", "order_a"),
        a_payment("pay_b", "store_b", "order_b", total="1000", currency="JPY"),
    )
    async with uow_factory() as uow:
        await uow.ledger.add([CHARGE_A, FEE_A])
        await uow.ledger.add([CHARGE_B])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.ledger.add([REFUND_A, FEE_REFUND_A])
        await uow.commit()


async def test_a_store_s_entries_come_back_in_the_order_they_were_written(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await a_ledger(uow_factory)

    async with uow_factory() as uow:
        of_a = await uow.ledger.for_store("store_a")
        of_b = await uow.ledger.for_store("store_b")
        of_nobody = await uow.ledger.for_store("store_c")

    assert of_a == [CHARGE_A, FEE_A, REFUND_A, FEE_REFUND_A]
    assert [state(entry) for entry in of_a] == [
        state(entry) for entry in (CHARGE_A, FEE_A, REFUND_A, FEE_REFUND_A)
    ]
    assert of_b == [CHARGE_B]
    assert of_b[0].amount == money("1000", "JPY")
    assert of_b[0].kind is EntryKind.CHARGE
    assert of_nobody == []


async def test_the_whole_ledger_is_read_in_one_currency_or_all(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await a_ledger(uow_factory)

    async with uow_factory() as uow:
        everything = await uow.ledger.all()
        in_euros = await uow.ledger.all(Currency.of("EUR"))
        in_yen = await uow.ledger.all(Currency.of("JPY"))
        in_pounds = await uow.ledger.all(Currency.of("GBP"))

    assert everything == [CHARGE_A, FEE_A, CHARGE_B, REFUND_A, FEE_REFUND_A]
    assert in_euros == [CHARGE_A, FEE_A, REFUND_A, FEE_REFUND_A]
    assert in_yen == [CHARGE_B]
    assert in_pounds == []


async def test_identical_entries_are_all_kept(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment())
    twice: list[LedgerEntry] = [an_entry(), an_entry()]

    async with uow_factory() as uow:
        await uow.ledger.add(twice)
        await uow.ledger.add([])
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.ledger.for_store("store_a")

    assert stored == twice
