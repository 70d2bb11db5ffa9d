"""The ledger: every movement of a payment's money between shopper, store and platform.

Each entry moves a positive amount from one party to another, so every payment's ledger balances
by construction: what the shopper paid equals what the store and the platform hold plus what went
back to the shopper. Balances and reports are sums over entries, never stored separately.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.currency import Currency
from domain.errors import InvalidAmount
from domain.money import Money


class Party(enum.Enum):
    SHOPPER = "shopper"
    STORE = "store"
    PLATFORM = "platform"


class EntryKind(enum.StrEnum):
    CHARGE = "charge"  # the shopper pays the store
    PLATFORM_FEE = "platform_fee"  # the store pays the platform its commission
    REFUND = "refund"  # the store gives the shopper money back
    FEE_REFUND = "fee_refund"  # the platform gives the store its share of a refund or dispute back
    REFUND_REVERSAL = "refund_reversal"  # a settled refund failed: the money returns to the store
    FEE_REFUND_REVERSAL = "fee_refund_reversal"  # ... and the fee share returns to the platform
    DISPUTE = "dispute"  # a dispute takes money from the store
    DISPUTE_REVERSAL = "dispute_reversal"  # a won dispute gives it back

    @property
    def payer(self) -> Party:
        return _FLOWS[self][0]

    @property
    def payee(self) -> Party:
        return _FLOWS[self][1]


_FLOWS: dict[EntryKind, tuple[Party, Party]] = {
    EntryKind.CHARGE: (Party.SHOPPER, Party.STORE),
    EntryKind.PLATFORM_FEE: (Party.STORE, Party.PLATFORM),
    EntryKind.REFUND: (Party.STORE, Party.SHOPPER),
    EntryKind.FEE_REFUND: (Party.PLATFORM, Party.STORE),
    EntryKind.REFUND_REVERSAL: (Party.SHOPPER, Party.STORE),
    EntryKind.FEE_REFUND_REVERSAL: (Party.STORE, Party.PLATFORM),
    EntryKind.DISPUTE: (Party.STORE, Party.SHOPPER),
    EntryKind.DISPUTE_REVERSAL: (Party.SHOPPER, Party.STORE),
}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    store_id: str
    payment_id: str
    kind: EntryKind
    amount: Money
    reference: str  # the payment, refund or dispute that moved the money
    occurred_at: datetime

    def __post_init__(self) -> None:
        if not self.amount.is_positive:
            raise InvalidAmount(f"a ledger entry moves a positive amount, not {self.amount}")


@dataclass(frozen=True, slots=True)
class StoreBalance:
    """A store's takings in one currency, as ``GET /store/balance`` reports them."""

    currency: Currency
    gross_volume: Money
    platform_fees: Money
    refunds: Money
    fee_refunds: Money
    disputed: Money

    @property
    def net(self) -> Money:
        return (
            self.gross_volume - self.platform_fees - self.refunds + self.fee_refunds - self.disputed
        )


@dataclass(frozen=True, slots=True)
class PlatformFees:
    """Commission the platform collected and gave back in one currency."""

    currency: Currency
    fees_collected: Money
    fees_refunded: Money

    @property
    def net(self) -> Money:
        return self.fees_collected - self.fees_refunded


def _sums(entries: Iterable[LedgerEntry]) -> list[tuple[Currency, dict[EntryKind, int]]]:
    """Entry amounts summed by kind, per currency, currencies sorted by code."""
    sums: dict[Currency, dict[EntryKind, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        sums[entry.amount.currency][entry.kind] += entry.amount.minor_units
    return sorted(sums.items(), key=lambda item: item[0].code)


def _net(
    by_kind: dict[EntryKind, int], currency: Currency, kind: EntryKind, *less: EntryKind
) -> Money:
    return Money(by_kind[kind] - sum(by_kind[k] for k in less), currency)


def store_balances(entries: Iterable[LedgerEntry]) -> list[StoreBalance]:
    """Balances per currency (sorted by code) of the given entries, one store's as a rule."""
    return [
        StoreBalance(
            currency=currency,
            gross_volume=_net(by_kind, currency, EntryKind.CHARGE),
            platform_fees=_net(by_kind, currency, EntryKind.PLATFORM_FEE),
            refunds=_net(by_kind, currency, EntryKind.REFUND, EntryKind.REFUND_REVERSAL),
            fee_refunds=_net(
                by_kind, currency, EntryKind.FEE_REFUND, EntryKind.FEE_REFUND_REVERSAL
            ),
            disputed=_net(by_kind, currency, EntryKind.DISPUTE, EntryKind.DISPUTE_REVERSAL),
        )
        for currency, by_kind in _sums(entries)
    ]


def platform_fees(entries: Iterable[LedgerEntry]) -> list[PlatformFees]:
    """The platform's commission per currency (sorted by code)."""
    return [
        PlatformFees(
            currency=currency,
            fees_collected=_net(by_kind, currency, EntryKind.PLATFORM_FEE),
            fees_refunded=_net(
                by_kind, currency, EntryKind.FEE_REFUND, EntryKind.FEE_REFUND_REVERSAL
            ),
        )
        for currency, by_kind in _sums(entries)
    ]


def positions(entries: Iterable[LedgerEntry]) -> dict[tuple[Party, Currency], Money]:
    """What each party gained (positive) or gave (negative), per currency."""
    held: dict[tuple[Party, Currency], int] = defaultdict(int)
    currencies: set[Currency] = set()
    for entry in entries:
        currency = entry.amount.currency
        currencies.add(currency)
        held[(entry.kind.payer, currency)] -= entry.amount.minor_units
        held[(entry.kind.payee, currency)] += entry.amount.minor_units
    return {
        (party, currency): Money(held[(party, currency)], currency)
        for currency in currencies
        for party in Party
    }
