"""The money the Stripe emulator moves for a destination charge, read back through stripe-python
as storepay would read Stripe's: balance transactions of the platform and of the store's
account, the application fee and its refunds, the transfer and its reversals, balances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from stripe_emulation import EmulatedStripeAccount, emulated_stripe

from adapters.stripe_emulator import API_BASE, SECRET_KEY
from adapters.stripe_emulator.cards import DISPUTED, SUCCEEDS
from application.gateway import IntentRequest, NewAccount, RefundRequest
from domain.money import Money

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def stripe_account(clock: Clock) -> EmulatedStripeAccount:
    return emulated_stripe(clock=clock.now)


@pytest.fixture
def client(stripe_account: EmulatedStripeAccount) -> stripe.StripeClient:
    """stripe-python on the same emulator, to read what the adapter's port does not."""
    return stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": API_BASE, "connect": API_BASE},
        http_client=stripe_account.transport,
    )


def eur(minor_units: int) -> Money:
    return Money.of(minor_units, "EUR")


async def paid_charge(
    stripe_account: EmulatedStripeAccount, card: str = SUCCEEDS, *, amount: int = 10000
) -> tuple[str, dict[str, Any]]:
    gateway, emulator = stripe_account.gateway, stripe_account.emulator
    account = await gateway.create_account(
        NewAccount("store_1", "Atelier", "owner@atelier.example", "LU", "acct-key")
    )
    await emulator.complete_onboarding(account.account_id)
    intent = await gateway.create_payment_intent(
        IntentRequest(
            amount=eur(amount),
            application_fee=eur(250),
            destination_account=account.account_id,
            idempotency_key="order-1",
            receipt_email="shopper@example.com",
        )
    )
    paid = await emulator.confirm(intent.id, intent.client_secret, card)
    return account.account_id, emulator.retrieve_object(paid["latest_charge"])


def amounts(page: Any) -> list[tuple[str, int, int]]:
    return [(txn.type, txn.amount, txn.fee) for txn in page.data]


async def test_a_charge_pays_stripe_its_fee_transfers_the_whole_amount_and_collects_the_fee(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient
) -> None:
    account_id, charge = await paid_charge(stripe_account)

    platform = await client.v1.balance_transactions.list_async({"limit": 100})
    assert sorted(amounts(platform)) == [
        ("application_fee", 250, 0),
        ("charge", 10000, 320),  # 2.9 % of 100.00 EUR and 0.30 EUR
        ("transfer", -10000, 0),
    ]
    store = await client.v1.balance_transactions.list_async(
        {"limit": 100}, {"stripe_account": account_id}
    )
    assert amounts(store) == [("payment", 10000, 250)]
    fee = await client.v1.application_fees.retrieve_async(charge["application_fee"])
    assert (fee.amount, fee.amount_refunded, fee.account, fee.charge) == (
        250,
        0,
        account_id,
        charge["id"],
    )
    transfer = await client.v1.transfers.retrieve_async(charge["transfer"])
    assert (transfer.amount, transfer.amount_reversed, transfer.destination) == (
        10000,
        0,
        account_id,
    )
    expanded = await client.v1.charges.retrieve_async(
        charge["id"], {"expand": ["balance_transaction"]}
    )
    assert expanded.balance_transaction.net == 10000 - 320


async def test_a_partial_refund_reverses_its_share_of_the_transfer_and_of_the_fee(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient
) -> None:
    account_id, charge = await paid_charge(stripe_account)

    refund = await stripe_account.gateway.create_refund(
        RefundRequest(
            payment_intent_id=charge["payment_intent"],
            amount=eur(4000),
            application_fee_refund=eur(100),
            idempotency_key="refund-1",
        )
    )

    shown = await client.v1.refunds.retrieve_async(refund.gateway_refund_id)
    reversal_id = shown.transfer_reversal
    transfer = await client.v1.transfers.retrieve_async(charge["transfer"])
    assert (transfer.amount_reversed, [r.id for r in transfer.reversals.data]) == (
        4000,
        [reversal_id],
    )
    fee = await client.v1.application_fees.retrieve_async(charge["application_fee"])
    assert fee.amount_refunded == 100  # 40 % of the fee, as refund_application_fee computes it
    store = await client.v1.balance_transactions.list_async(
        {"limit": 100}, {"stripe_account": account_id}
    )
    assert sorted(amounts(store)) == [
        ("application_fee_refund", 100, 0),
        ("payment", 10000, 250),
        ("payment_refund", -4000, 0),
    ]
    platform = await client.v1.balance_transactions.list_async({"type": "refund"})
    assert amounts(platform) == [("refund", -4000, 0)]


async def test_a_chargeback_takes_the_amount_and_a_fee_from_the_platform_alone(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient
) -> None:
    account_id, charge = await paid_charge(stripe_account, DISPUTED)

    dispute_id = stripe_account.emulator.dispute_of(charge["payment_intent"])
    dispute = await client.v1.disputes.retrieve_async(dispute_id)
    assert [(t.type, t.amount, t.fee) for t in dispute.balance_transactions] == [
        ("adjustment", -10000, 1500)
    ]
    store = await client.v1.balance_transactions.list_async(
        {"limit": 100}, {"stripe_account": account_id}
    )
    assert amounts(store) == [("payment", 10000, 250)]  # the store's account is untouched

    await stripe_account.emulator.close_dispute(dispute_id, won=True)

    dispute = await client.v1.disputes.retrieve_async(dispute_id)
    assert [(t.amount, t.fee) for t in dispute.balance_transactions] == [(-10000, 1500), (10000, 0)]


async def test_an_inquiry_moves_no_money(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient
) -> None:
    _, charge = await paid_charge(stripe_account)
    before = amounts(await client.v1.balance_transactions.list_async({"limit": 100}))

    dispute_id = await stripe_account.emulator.open_dispute(charge["payment_intent"], inquiry=True)

    dispute = await client.v1.disputes.retrieve_async(dispute_id)
    assert dispute.balance_transactions == []
    assert amounts(await client.v1.balance_transactions.list_async({"limit": 100})) == before


async def test_the_store_balance_is_pending_until_the_money_is_available_and_payouts_draw_on_it(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient, clock: Clock
) -> None:
    account_id, _ = await paid_charge(stripe_account)
    connected: stripe.RequestOptions = {"stripe_account": account_id}

    balance = await client.v1.balance.retrieve_async(options=connected)
    assert [(b.currency, b.amount) for b in balance.pending] == [("eur", 9750)]
    assert [(b.currency, b.amount) for b in balance.available] == [("eur", 0)]

    clock.at += timedelta(days=7)
    await stripe_account.emulator.pay_out(account_id, 9000, "eur")
    balance = await client.v1.balance.retrieve_async(options=connected)
    assert [(b.currency, b.amount) for b in balance.available] == [("eur", 750)]
    payouts = await client.v1.payouts.list_async(options=connected)
    assert [(p.amount, p.status, p.balance_transaction is not None) for p in payouts.data] == [
        (9000, "paid", True)
    ]


async def test_fees_and_transfers_are_refunded_and_reversed_only_up_to_what_is_left(
    stripe_account: EmulatedStripeAccount, client: stripe.StripeClient
) -> None:
    _, charge = await paid_charge(stripe_account)

    fee_refund = await client.v1.application_fees.refunds.create_async(
        charge["application_fee"], {"amount": 200}
    )
    reversal = await client.v1.transfers.reversals.create_async(
        charge["transfer"], {"amount": 6000}
    )

    assert (fee_refund.amount, reversal.amount) == (200, 6000)
    with pytest.raises(stripe.InvalidRequestError, match="at most what is left"):
        await client.v1.application_fees.refunds.create_async(
            charge["application_fee"], {"amount": 51}
        )
    with pytest.raises(stripe.InvalidRequestError, match="at most what is left"):
        await client.v1.transfers.reversals.create_async(charge["transfer"], {"amount": 4001})
    rest = await client.v1.transfers.reversals.create_async(charge["transfer"])
    assert rest.amount == 4000
