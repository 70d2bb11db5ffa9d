from __future__ import annotations

import pytest

from domain.currency import Currency
from domain.errors import InvalidAmount
from domain.ledger import (
    EntryKind,
    LedgerEntry,
    Party,
    PlatformFees,
    StoreBalance,
    platform_fees,
    positions,
    store_balances,
)
from domain.money import Money
from domain.refund import RefundStatus

from .conftest import at, entry, money, new_payment, refund_seen, succeeded

EUR = Currency.of("EUR")
JPY = Currency.of("JPY")

EUR_ENTRIES = [
    entry(EntryKind.CHARGE, money("100.00"), "pay_1", 1),
    entry(EntryKind.PLATFORM_FEE, money("2.50"), "pay_1", 1),
    entry(EntryKind.REFUND, money("30.00"), "rf_1", 2),
    entry(EntryKind.FEE_REFUND, money("0.75"), "rf_1", 2),
    entry(EntryKind.REFUND_REVERSAL, money("10.00"), "rf_1", 3),
    entry(EntryKind.FEE_REFUND_REVERSAL, money("0.25"), "rf_1", 3),
    entry(EntryKind.DISPUTE, money("20.00"), "dp_1", 4),
    entry(EntryKind.DISPUTE_REVERSAL, money("5.00"), "dp_1", 5),
]
JPY_ENTRIES = [
    entry(EntryKind.CHARGE, money("1000", "JPY"), "pay_2", 1),
    entry(EntryKind.PLATFORM_FEE, money("25", "JPY"), "pay_2", 1),
]


@pytest.mark.parametrize(
    ("kind", "payer", "payee"),
    [
        (EntryKind.CHARGE, Party.SHOPPER, Party.STORE),
        (EntryKind.PLATFORM_FEE, Party.STORE, Party.PLATFORM),
        (EntryKind.REFUND, Party.STORE, Party.SHOPPER),
        (EntryKind.FEE_REFUND, Party.PLATFORM, Party.STORE),
        (EntryKind.REFUND_REVERSAL, Party.SHOPPER, Party.STORE),
        (EntryKind.FEE_REFUND_REVERSAL, Party.STORE, Party.PLATFORM),
        (EntryKind.DISPUTE, Party.STORE, Party.SHOPPER),
        (EntryKind.DISPUTE_REVERSAL, Party.SHOPPER, Party.STORE),
    ],
)
def test_each_kind_moves_money_from_one_party_to_another(
    kind: EntryKind, payer: Party, payee: Party
) -> None:
    assert (kind.payer, kind.payee) == (payer, payee)


@pytest.mark.parametrize("amount", [money("0.00"), money("-1.00")])
def test_an_entry_moves_a_positive_amount(amount: Money) -> None:
    with pytest.raises(InvalidAmount, match="positive amount"):
        LedgerEntry(
            store_id="store_1",
            payment_id="pay_1",
            kind=EntryKind.CHARGE,
            amount=amount,
            reference="pay_1",
            occurred_at=at(1),
        )


def test_store_balances_per_currency_sorted_by_code() -> None:
    balances = store_balances([*JPY_ENTRIES, *EUR_ENTRIES])

    assert balances == [
        StoreBalance(
            currency=EUR,
            gross_volume=money("100.00"),
            platform_fees=money("2.50"),
            refunds=money("20.00"),
            fee_refunds=money("0.50"),
            disputed=money("15.00"),
        ),
        StoreBalance(
            currency=JPY,
            gross_volume=money("1000", "JPY"),
            platform_fees=money("25", "JPY"),
            refunds=money("0", "JPY"),
            fee_refunds=money("0", "JPY"),
            disputed=money("0", "JPY"),
        ),
    ]
    # net = gross volume - platform fees - refunds + fee refunds - disputed
    assert balances[0].net == money("63.00")
    assert balances[1].net == money("975", "JPY")


def test_platform_fees_per_currency() -> None:
    fees = platform_fees([*EUR_ENTRIES, *JPY_ENTRIES])

    assert fees == [
        PlatformFees(currency=EUR, fees_collected=money("2.50"), fees_refunded=money("0.50")),
        PlatformFees(
            currency=JPY, fees_collected=money("25", "JPY"), fees_refunded=money("0", "JPY")
        ),
    ]
    assert fees[0].net == money("2.00")
    assert fees[1].net == money("25", "JPY")


def test_positions_of_every_party() -> None:
    held = positions([*EUR_ENTRIES, *JPY_ENTRIES])

    assert held == {
        (Party.SHOPPER, EUR): money("-65.00"),
        (Party.STORE, EUR): money("63.00"),
        (Party.PLATFORM, EUR): money("2.00"),
        (Party.SHOPPER, JPY): money("-1000", "JPY"),
        (Party.STORE, JPY): money("975", "JPY"),
        (Party.PLATFORM, JPY): money("25", "JPY"),
    }


def test_positions_sum_to_zero_per_currency() -> None:
    held = positions([*EUR_ENTRIES, *JPY_ENTRIES])

    for currency in (EUR, JPY):
        assert sum(held[(party, currency)].minor_units for party in Party) == 0


def test_the_store_net_is_its_position() -> None:
    balance = store_balances(EUR_ENTRIES)[0]

    assert balance.net == positions(EUR_ENTRIES)[(Party.STORE, EUR)]
    assert platform_fees(EUR_ENTRIES)[0].net == positions(EUR_ENTRIES)[(Party.PLATFORM, EUR)]


def test_no_entries_no_balances() -> None:
    assert store_balances([]) == []
    assert platform_fees([]) == []
    assert positions([]) == {}


def test_the_balance_of_a_partly_refunded_payment() -> None:
    payment = new_payment()
    payment.observe_intent(succeeded(1))
    payment.observe_refund(refund_seen("re_1", money("30.00"), RefundStatus.SUCCEEDED, 2))

    entries = payment.pull_ledger_entries()

    assert store_balances(entries) == [
        StoreBalance(
            currency=EUR,
            gross_volume=money("100.00"),
            platform_fees=money("2.50"),
            refunds=money("30.00"),
            fee_refunds=money("0.75"),
            disputed=money("0.00"),
        )
    ]
    assert store_balances(entries)[0].net == money("68.25")
    assert positions(entries) == {
        (Party.SHOPPER, EUR): money("-70.00"),
        (Party.STORE, EUR): money("68.25"),
        (Party.PLATFORM, EUR): money("1.75"),
    }
