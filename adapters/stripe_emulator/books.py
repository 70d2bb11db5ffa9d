"""The money Stripe moves for destination charges, kept as Stripe keeps it: balance
transactions on the platform and on each connected account, application fees and their refunds,
transfers and their reversals, and the balances they add up to.

How a destination charge of ``A`` with an application fee ``F`` moves money (Stripe's flow of
funds): the platform's balance takes the charge, less Stripe's processing fee ``S``; the whole
``A`` is transferred to the connected account; the fee ``F`` comes back to the platform. A
refund ``R`` with ``reverse_transfer`` and ``refund_application_fee`` takes ``R`` from the
platform, reverses ``R`` of the transfer and gives back a share of ``F``. A chargeback takes the
disputed amount and a dispute fee from the platform (the connected account is untouched: the
platform bears losses); a won dispute gives the amount back, not the fee. An inquiry moves no
money.

Stripe's processing fee here is its standard card pricing, 2.9 % plus 30 of the currency's
hundredths (0.30 EUR), rounded half up; the dispute fee is 15 units of the currency. Money that
comes in is available after ``AVAILABLE_AFTER``; money that goes out leaves at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from adapters.stripe_emulator.records import JSON, unix
from domain.money import Money

PLATFORM = None  # the account of balance transactions that are the platform's
AVAILABLE_AFTER = timedelta(days=7)
PROCESSING_FEE_PER_MILLE = 29
PROCESSING_FEE_FIXED_HUNDREDTHS = 30
DISPUTE_FEE_UNITS = 15


def processing_fee(amount: Money) -> Money:
    """Stripe's fee for a card charge of ``amount``."""
    fixed = PROCESSING_FEE_FIXED_HUNDREDTHS * 10**amount.currency.exponent // 100
    return Money(
        (amount.minor_units * PROCESSING_FEE_PER_MILLE + 500) // 1000 + fixed, amount.currency
    )


def dispute_fee(like: Money) -> Money:
    return Money(DISPUTE_FEE_UNITS * 10**like.currency.exponent, like.currency)


def _currency(amount: Money) -> str:
    return amount.currency.code.lower()


@dataclass
class BalanceTransaction:
    id: str
    account: str | None  # None: the platform's
    type: str
    amount: Money
    fee: Money
    fee_type: str | None
    source: str
    created: datetime
    available_on: datetime
    description: str | None = None

    @property
    def net(self) -> Money:
        return self.amount - self.fee

    def status(self, now: datetime) -> str:
        return "available" if self.available_on <= now else "pending"

    def to_stripe(self, now: datetime) -> JSON:
        details = (
            []
            if self.fee_type is None
            else [
                {
                    "amount": self.fee.minor_units,
                    "application": None,
                    "currency": _currency(self.fee),
                    "description": _FEE_DESCRIPTIONS[self.fee_type],
                    "type": self.fee_type,
                }
            ]
        )
        return {
            "id": self.id,
            "object": "balance_transaction",
            "amount": self.amount.minor_units,
            "available_on": unix(self.available_on),
            "balance_type": "payments",
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "description": self.description,
            "exchange_rate": None,
            "fee": self.fee.minor_units,
            "fee_details": details,
            "net": self.net.minor_units,
            "reporting_category": _REPORTING_CATEGORIES[self.type],
            "source": self.source,
            "status": self.status(now),
            "type": self.type,
        }


_FEE_DESCRIPTIONS = {
    "stripe_fee": "Stripe processing fees",
    "application_fee": "Application fee",
    "dispute_fee": "Dispute fee",
}
_REPORTING_CATEGORIES = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "refund_failure": "refund_failure",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
    "application_fee": "platform_earning",
    "application_fee_refund": "platform_earning_refund",
    "adjustment": "dispute",
    "payout": "payout",
    "payout_failure": "payout_reversal",
}


@dataclass
class FeeRefund:
    id: str
    fee: str
    amount: Money
    created: datetime
    balance_transaction: str
    metadata: dict[str, str] = field(default_factory=dict)

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "fee_refund",
            "amount": self.amount.minor_units,
            "balance_transaction": self.balance_transaction,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "fee": self.fee,
            "metadata": dict(self.metadata),
        }


@dataclass
class ApplicationFee:
    id: str
    account: str
    amount: Money
    charge: str
    created: datetime
    balance_transaction: str
    refunds: list[FeeRefund] = field(default_factory=list)

    @property
    def amount_refunded(self) -> Money:
        total = Money.zero(self.amount.currency)
        for refund in self.refunds:
            total += refund.amount
        return total

    def to_stripe(self) -> JSON:
        refunded = self.amount_refunded
        return {
            "id": self.id,
            "object": "application_fee",
            "account": self.account,
            "amount": self.amount.minor_units,
            "amount_refunded": refunded.minor_units,
            "application": "ca_storepay",
            "balance_transaction": self.balance_transaction,
            "charge": self.charge,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "fee_source": {"charge": self.charge, "type": "charge"},
            "livemode": False,
            "originating_transaction": self.charge,
            "refunded": refunded == self.amount,
            "refunds": _list(
                f"/v1/application_fees/{self.id}/refunds",
                [r.to_stripe() for r in reversed(self.refunds)],
            ),
        }


@dataclass
class TransferReversal:
    id: str
    transfer: str
    amount: Money
    created: datetime
    balance_transaction: str
    destination_payment_refund: str
    source_refund: str | None
    metadata: dict[str, str] = field(default_factory=dict)

    def to_stripe(self) -> JSON:
        return {
            "id": self.id,
            "object": "transfer_reversal",
            "amount": self.amount.minor_units,
            "balance_transaction": self.balance_transaction,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "destination_payment_refund": self.destination_payment_refund,
            "metadata": dict(self.metadata),
            "source_refund": self.source_refund,
            "transfer": self.transfer,
        }


@dataclass
class Transfer:
    id: str
    amount: Money
    destination: str
    destination_payment: str
    source_transaction: str | None
    transfer_group: str | None
    created: datetime
    balance_transaction: str
    reversals: list[TransferReversal] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def amount_reversed(self) -> Money:
        total = Money.zero(self.amount.currency)
        for reversal in self.reversals:
            total += reversal.amount
        return total

    def to_stripe(self) -> JSON:
        reversed_ = self.amount_reversed
        return {
            "id": self.id,
            "object": "transfer",
            "amount": self.amount.minor_units,
            "amount_reversed": reversed_.minor_units,
            "balance_transaction": self.balance_transaction,
            "created": unix(self.created),
            "currency": _currency(self.amount),
            "description": None,
            "destination": self.destination,
            "destination_payment": self.destination_payment,
            "livemode": False,
            "metadata": dict(self.metadata),
            "reversals": _list(
                f"/v1/transfers/{self.id}/reversals",
                [r.to_stripe() for r in reversed(self.reversals)],
            ),
            "reversed": reversed_ == self.amount,
            "source_transaction": self.source_transaction,
            "source_type": "card",
            "transfer_group": self.transfer_group,
        }


@dataclass(frozen=True, slots=True)
class ChargeMoney:
    """What a succeeded destination charge moved: the ids its charge object names."""

    balance_transaction: str
    application_fee: str | None
    transfer: str


class Books:
    """Every balance transaction, application fee and transfer, by id."""

    def __init__(self, ids: Callable[[str], str], clock: Callable[[], datetime]) -> None:
        self._ids = ids
        self._clock = clock
        self.transactions: dict[str, BalanceTransaction] = {}
        self.fees: dict[str, ApplicationFee] = {}
        self.fee_refunds: dict[str, FeeRefund] = {}
        self.transfers: dict[str, Transfer] = {}
        self.reversals: dict[str, TransferReversal] = {}

    # -- what moves money -----------------------------------------------------------------

    def charge_succeeded(
        self, charge_id: str, amount: Money, application_fee: Money, destination: str
    ) -> ChargeMoney:
        charge_txn = self._book(
            PLATFORM, "charge", amount, charge_id, fee=processing_fee(amount), fee_type="stripe_fee"
        )
        transfer = self.transfer(
            amount, destination, source_transaction=charge_id, collected_fee=application_fee
        )
        fee_id: str | None = None
        if application_fee.is_positive:
            fee_id = self._ids("fee")
            fee_txn = self._book(PLATFORM, "application_fee", application_fee, fee_id)
            self.fees[fee_id] = ApplicationFee(
                id=fee_id,
                account=destination,
                amount=application_fee,
                charge=charge_id,
                created=self._clock(),
                balance_transaction=fee_txn.id,
            )
        return ChargeMoney(charge_txn.id, fee_id, transfer.id)

    def transfer(
        self,
        amount: Money,
        destination: str,
        *,
        source_transaction: str | None = None,
        transfer_group: str | None = None,
        metadata: dict[str, str] | None = None,
        collected_fee: Money | None = None,
    ) -> Transfer:
        """``collected_fee``: the application fee taken back from the payment the account
        receives (a destination charge's), shown as that payment's fee."""
        transfer_id = self._ids("tr")
        payment_id = self._ids("py")
        outgoing = self._book(PLATFORM, "transfer", -amount, transfer_id)
        fee = collected_fee if collected_fee is not None and collected_fee.is_positive else None
        self._book(
            destination,
            "payment",
            amount,
            payment_id,
            fee=fee,
            fee_type=None if fee is None else "application_fee",
        )
        transfer = Transfer(
            id=transfer_id,
            amount=amount,
            destination=destination,
            destination_payment=payment_id,
            source_transaction=source_transaction,
            transfer_group=transfer_group,
            created=self._clock(),
            balance_transaction=outgoing.id,
            metadata=dict(metadata or {}),
        )
        self.transfers[transfer_id] = transfer
        return transfer

    def refunded(self, refund_id: str, amount: Money) -> str:
        """The platform pays a refund back to the shopper; returns its balance transaction."""
        return self._book(PLATFORM, "refund", -amount, refund_id).id

    def refund_failed(self, refund_id: str, amount: Money) -> str:
        return self._book(PLATFORM, "refund_failure", amount, refund_id).id

    def reverse(
        self,
        transfer_id: str,
        amount: Money,
        *,
        source_refund: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> TransferReversal:
        """Take ``amount`` of a transfer back from the connected account."""
        transfer = self.transfers[transfer_id]
        reversal_id = self._ids("trr")
        payment_refund = self._ids("pyr")
        incoming = self._book(PLATFORM, "transfer_refund", amount, reversal_id)
        self._book(transfer.destination, "payment_refund", -amount, payment_refund)
        reversal = TransferReversal(
            id=reversal_id,
            transfer=transfer_id,
            amount=amount,
            created=self._clock(),
            balance_transaction=incoming.id,
            destination_payment_refund=payment_refund,
            source_refund=source_refund,
            metadata=dict(metadata or {}),
        )
        transfer.reversals.append(reversal)
        self.reversals[reversal_id] = reversal
        return reversal

    def refund_fee(self, fee_id: str, amount: Money) -> FeeRefund:
        """Give back ``amount`` of an application fee to the connected account."""
        fee = self.fees[fee_id]
        refund_id = self._ids("fr")
        outgoing = self._book(PLATFORM, "application_fee_refund", -amount, refund_id)
        self._book(fee.account, "application_fee_refund", amount, refund_id)
        refund = FeeRefund(refund_id, fee_id, amount, self._clock(), outgoing.id)
        fee.refunds.append(refund)
        self.fee_refunds[refund_id] = refund
        return refund

    def dispute_withdrawn(self, dispute_id: str, amount: Money) -> str:
        return self._book(
            PLATFORM,
            "adjustment",
            -amount,
            dispute_id,
            fee=dispute_fee(amount),
            fee_type="dispute_fee",
            description=f"Chargeback withdrawal for {dispute_id}",
        ).id

    def dispute_reinstated(self, dispute_id: str, amount: Money) -> str:
        return self._book(
            PLATFORM,
            "adjustment",
            amount,
            dispute_id,
            description=f"Chargeback reversal for {dispute_id}",
        ).id

    def paid_out(self, account: str, payout_id: str, amount: Money) -> str:
        return self._book(account, "payout", -amount, payout_id).id

    def payout_failed(self, account: str, payout_id: str, amount: Money) -> str:
        return self._book(account, "payout_failure", amount, payout_id).id

    # -- what is read ---------------------------------------------------------------------

    def of_account(self, account: str | None) -> Iterator[BalanceTransaction]:
        """An account's balance transactions, newest first."""
        for transaction in reversed(self.transactions.values()):
            if transaction.account == account:
                yield transaction

    def balance(self, account: str | None, now: datetime) -> JSON:
        """``GET /v1/balance``: available and pending, per currency."""
        sums: dict[tuple[str, str], int] = {}
        for transaction in self.of_account(account):
            key = (_currency(transaction.net), transaction.status(now))
            sums[key] = sums.get(key, 0) + transaction.net.minor_units
        currencies = sorted({currency for currency, _ in sums})
        return {
            "object": "balance",
            "available": [
                {
                    "amount": sums.get((c, "available"), 0),
                    "currency": c,
                    "source_types": {"card": sums.get((c, "available"), 0)},
                }
                for c in currencies
            ],
            "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
            "livemode": False,
            "pending": [
                {
                    "amount": sums.get((c, "pending"), 0),
                    "currency": c,
                    "source_types": {"card": sums.get((c, "pending"), 0)},
                }
                for c in currencies
            ],
        }

    # -- inside ---------------------------------------------------------------------------

    def _book(
        self,
        account: str | None,
        kind: str,
        amount: Money,
        source: str,
        *,
        fee: Money | None = None,
        fee_type: str | None = None,
        description: str | None = None,
    ) -> BalanceTransaction:
        now = self._clock()
        transaction = BalanceTransaction(
            id=self._ids("txn"),
            account=account,
            type=kind,
            amount=amount,
            fee=fee if fee is not None else Money.zero(amount.currency),
            fee_type=fee_type,
            source=source,
            created=now,
            available_on=now + AVAILABLE_AFTER if amount.is_positive else now,
            description=description,
        )
        self.transactions[transaction.id] = transaction
        return transaction


def _list(url: str, data: list[JSON]) -> JSON:
    return {"object": "list", "data": data, "has_more": False, "url": url}
