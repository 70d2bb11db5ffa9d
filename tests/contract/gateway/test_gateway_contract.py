"""The payment gateway contract: what storepay relies on from Stripe, and from its stand-ins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.stripe_emulator import cards
from application.gateway import (
    AccountUpdatedEvent,
    DisputeEvent,
    GatewayError,
    IgnoredEvent,
    PaymentGateway,
    PaymentIntentEvent,
    PaymentMethodEvent,
    RefundEvent,
    SavedCard,
)
from domain.account import AccountStatus
from domain.dispute import DisputeStatus
from domain.payment import IntentState
from domain.payout import PayoutInterval, PayoutSchedule, Weekday
from domain.refund import RefundReason, RefundStatus

from .builders import (
    EMAIL,
    eur,
    events,
    intent_request,
    new_account,
    onboarded_account,
    paid_intent,
    refund_request,
)
from .conftest import FakeClock
from .drivers import GatewayDriver, Refused

pytestmark = pytest.mark.anyio


# -- connected accounts ----------------------------------------------------------------------


async def test_a_new_account_waits_for_onboarding(gateway: PaymentGateway) -> None:
    created = await gateway.create_account(new_account())

    retrieved = await gateway.retrieve_account(created.account_id)

    assert created.account_id.startswith("acct_")
    assert retrieved.account_id == created.account_id
    for snapshot in (created.snapshot, retrieved.snapshot):
        assert snapshot.charges_enabled is False
        assert snapshot.payouts_enabled is False
        assert snapshot.details_submitted is False
        assert len(snapshot.currently_due) > 0
        assert snapshot.status() is AccountStatus.PENDING


async def test_the_same_account_key_with_the_same_details_returns_the_first_account(
    gateway: PaymentGateway,
) -> None:
    first = await gateway.create_account(new_account())
    again = await gateway.create_account(new_account())

    assert again.account_id == first.account_id


async def test_the_same_account_key_with_other_details_is_refused(
    gateway: PaymentGateway,
) -> None:
    await gateway.create_account(new_account())

    with pytest.raises(GatewayError):
        await gateway.create_account(new_account(business_name="Another name"))


async def test_two_stores_get_two_accounts(gateway: PaymentGateway) -> None:
    first = await gateway.create_account(new_account("store_1"))
    second = await gateway.create_account(new_account("store_2"))

    assert first.account_id != second.account_id


async def test_finishing_onboarding_enables_charges_and_payouts_and_says_so(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = (await gateway.create_account(new_account())).account_id

    await driver.complete_onboarding(account_id)

    snapshot = (await gateway.retrieve_account(account_id)).snapshot
    assert (snapshot.charges_enabled, snapshot.payouts_enabled) == (True, True)
    assert snapshot.details_submitted is True
    assert snapshot.currently_due == ()
    assert snapshot.past_due == ()
    assert snapshot.status() is AccountStatus.ACTIVE
    update = (await events(gateway, driver, "account.updated"))[-1]
    assert isinstance(update, AccountUpdatedEvent)
    assert update.account_id == account_id
    assert update.snapshot.status() is AccountStatus.ACTIVE
    assert update.snapshot.charges_enabled is True
    deliveries = await driver.received()
    assert deliveries
    assert all(delivery.connect for delivery in deliveries)


async def test_an_unknown_account_cannot_be_retrieved(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.retrieve_account("acct_doesnotexist00000000")


async def test_an_onboarding_link_leads_somewhere_for_a_while(
    gateway: PaymentGateway, clock: FakeClock
) -> None:
    account_id = (await gateway.create_account(new_account())).account_id

    link = await gateway.create_onboarding_link(
        account_id,
        refresh_url="https://storepay.example/onboarding/store_1/refresh?token=t",
        return_url="https://storepay.example/onboarding/store_1/return?token=t",
    )

    assert link.url.startswith(("https://", "http://"))
    assert link.expires_at > clock.now()
    assert link.expires_at.tzinfo is not None


async def test_an_unknown_account_gets_no_onboarding_link(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.create_onboarding_link(
            "acct_doesnotexist00000000",
            refresh_url="https://storepay.example/refresh",
            return_url="https://storepay.example/return",
        )


@pytest.mark.parametrize(
    "schedule",
    [
        PayoutSchedule(PayoutInterval.DAILY),
        PayoutSchedule(PayoutInterval.WEEKLY, weekly_anchor=Weekday.FRIDAY),
        PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=31),
        PayoutSchedule(PayoutInterval.MANUAL),
    ],
    ids=["daily", "weekly-friday", "monthly-31", "manual"],
)
async def test_a_payout_schedule_is_set_on_the_account_and_reported(
    gateway: PaymentGateway, driver: GatewayDriver, schedule: PayoutSchedule
) -> None:
    account_id = await onboarded_account(gateway, driver)
    before = len(await events(gateway, driver, "account.updated"))

    await gateway.set_payout_schedule(account_id, schedule)

    updates = await events(gateway, driver, "account.updated")
    assert len(updates) == before + 1
    assert updates[-1].account_id == account_id
    assert isinstance(updates[-1], AccountUpdatedEvent)
    assert updates[-1].snapshot.status() is AccountStatus.ACTIVE


async def test_an_unknown_account_gets_no_payout_schedule(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.set_payout_schedule(
            "acct_doesnotexist00000000", PayoutSchedule(PayoutInterval.DAILY)
        )


# -- payment intents ---------------------------------------------------------------------------


async def test_a_new_intent_is_a_pending_destination_charge(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await gateway.create_payment_intent(
        intent_request(account_id, metadata={"order_id": "order_1", "store_id": "store_1"})
    )
    retrieved = await gateway.retrieve_payment_intent(intent.id)

    assert intent.id.startswith("pi_")
    assert intent.client_secret.startswith(f"{intent.id}_secret_")
    for seen in (intent, retrieved):
        assert seen.id == intent.id
        assert seen.client_secret == intent.client_secret
        assert seen.amount == eur("100.00")
        assert seen.observation.state is IntentState.PENDING
        assert seen.observation.charge_id is None
        assert seen.observation.failure_reason is None
        assert dict(seen.metadata) == {"order_id": "order_1", "store_id": "store_1"}


async def test_the_same_intent_key_with_the_same_request_returns_the_first_intent(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    first = await gateway.create_payment_intent(intent_request(account_id))
    again = await gateway.create_payment_intent(intent_request(account_id))

    assert again.id == first.id
    assert again.client_secret == first.client_secret


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": eur("100.01")},
        {"application_fee": eur("3.00")},
        {"metadata": {"order_id": "order_2"}},
        {"save_payment_method": True},
    ],
    ids=["amount", "fee", "metadata", "save-card"],
)
async def test_the_same_intent_key_with_another_request_is_refused(
    gateway: PaymentGateway, driver: GatewayDriver, changes: dict[str, Any]
) -> None:
    account_id = await onboarded_account(gateway, driver)
    request = intent_request(account_id)
    await gateway.create_payment_intent(request)

    with pytest.raises(GatewayError):
        await gateway.create_payment_intent(replace(request, **changes))


async def test_another_key_makes_another_intent(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    first = await gateway.create_payment_intent(intent_request(account_id, key="order_1-a1"))
    second = await gateway.create_payment_intent(intent_request(account_id, key="order_1-a2"))

    assert second.id != first.id


@pytest.mark.parametrize(
    ("amount", "fee"),
    [("100.00", "100.01"), ("1000000.00", "0.00"), ("0.00", "0.00")],
    ids=["fee-above-amount", "above-99999999-minor-units", "zero"],
)
async def test_an_impossible_amount_is_refused(
    gateway: PaymentGateway, driver: GatewayDriver, amount: str, fee: str
) -> None:
    account_id = await onboarded_account(gateway, driver)

    with pytest.raises(GatewayError):
        await gateway.create_payment_intent(intent_request(account_id, amount=amount, fee=fee))


async def test_the_largest_amount_is_accepted(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await gateway.create_payment_intent(
        intent_request(account_id, amount="999999.99", fee="100.00")
    )

    assert intent.amount.minor_units == 99_999_999


async def test_a_destination_that_cannot_take_charges_is_refused(
    gateway: PaymentGateway,
) -> None:
    pending = (await gateway.create_account(new_account())).account_id

    with pytest.raises(GatewayError):
        await gateway.create_payment_intent(intent_request(pending))
    with pytest.raises(GatewayError):
        await gateway.create_payment_intent(intent_request("acct_doesnotexist00000000"))


async def test_an_unknown_intent_cannot_be_retrieved(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.retrieve_payment_intent("pi_doesnotexist0000000000")


async def test_a_good_card_pays(gateway: PaymentGateway, driver: GatewayDriver) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await paid_intent(gateway, driver, account_id, cards.SUCCEEDS)

    assert intent.observation.state is IntentState.SUCCEEDED
    charge_id = intent.observation.charge_id
    assert charge_id is not None
    assert charge_id.startswith("ch_")
    [succeeded] = await events(gateway, driver, "payment_intent.succeeded")
    assert isinstance(succeeded, PaymentIntentEvent)
    assert succeeded.payment_intent_id == intent.id
    assert succeeded.account_id is None
    assert succeeded.observation.state is IntentState.SUCCEEDED
    assert succeeded.observation.charge_id == charge_id
    assert succeeded.observation.failure_reason is None
    assert succeeded.observation.observed_at == succeeded.created_at


@pytest.mark.parametrize(
    ("card", "reason"),
    [(cards.DECLINED, "card_declined"), (cards.INSUFFICIENT_FUNDS, "insufficient_funds")],
    ids=["declined", "insufficient-funds"],
)
async def test_a_declined_card_fails_the_attempt(
    gateway: PaymentGateway, driver: GatewayDriver, card: str, reason: str
) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await paid_intent(gateway, driver, account_id, card)

    assert intent.observation.state is IntentState.FAILED
    assert intent.observation.failure_reason == reason
    [failed] = await events(gateway, driver, "payment_intent.payment_failed")
    assert isinstance(failed, PaymentIntentEvent)
    assert failed.payment_intent_id == intent.id
    assert failed.observation.state is IntentState.FAILED
    assert failed.observation.failure_reason == reason
    assert await events(gateway, driver, "payment_intent.succeeded") == []


async def test_a_decline_in_the_second_its_intent_was_made_outranks_the_new_intent(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    account_id = await onboarded_account(gateway, driver)
    clock.advance(0.7)  # the gateway stamps its events to the second, as Stripe does

    intent = await gateway.create_payment_intent(intent_request(account_id))
    await driver.pay(intent, cards.DECLINED)

    [failed] = await events(gateway, driver, "payment_intent.payment_failed")
    assert isinstance(failed, PaymentIntentEvent)
    assert failed.observation.outranks(intent.observation)
    seen_again = (await gateway.retrieve_payment_intent(intent.id)).observation
    assert not intent.observation.outranks(seen_again)


async def test_a_declined_attempt_can_be_retried_on_the_same_intent(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await gateway.create_payment_intent(intent_request(account_id))

    await driver.pay(intent, cards.DECLINED)
    clock.advance(60)
    await driver.pay(intent, cards.SUCCEEDS)

    retried = await gateway.retrieve_payment_intent(intent.id)
    assert retried.id == intent.id
    assert retried.observation.state is IntentState.SUCCEEDED
    assert retried.observation.failure_reason is None
    failed, succeeded = await events(
        gateway, driver, "payment_intent.payment_failed", "payment_intent.succeeded"
    )
    assert isinstance(failed, PaymentIntentEvent)
    assert isinstance(succeeded, PaymentIntentEvent)
    assert failed.payment_intent_id == succeeded.payment_intent_id == intent.id
    assert succeeded.observation.outranks(failed.observation)
    assert succeeded.observation.charge_id == retried.observation.charge_id
    assert failed.observation.charge_id != succeeded.observation.charge_id


async def test_a_card_asking_for_3d_secure_waits_for_the_shopper(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await paid_intent(gateway, driver, account_id, cards.REQUIRES_AUTHENTICATION)

    assert intent.observation.state is IntentState.REQUIRES_ACTION
    [asked] = await events(gateway, driver, "payment_intent.requires_action")
    assert isinstance(asked, PaymentIntentEvent)
    assert asked.payment_intent_id == intent.id
    assert asked.observation.state is IntentState.REQUIRES_ACTION


async def test_passing_3d_secure_pays(gateway: PaymentGateway, driver: GatewayDriver) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.REQUIRES_AUTHENTICATION)

    await driver.authenticate(intent, success=True)

    paid = await gateway.retrieve_payment_intent(intent.id)
    assert paid.observation.state is IntentState.SUCCEEDED
    assert paid.observation.charge_id is not None
    [succeeded] = await events(gateway, driver, "payment_intent.succeeded")
    assert isinstance(succeeded, PaymentIntentEvent)
    assert succeeded.observation.charge_id == paid.observation.charge_id


async def test_failing_3d_secure_fails_the_attempt(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.REQUIRES_AUTHENTICATION)

    await driver.authenticate(intent, success=False)

    failed_intent = await gateway.retrieve_payment_intent(intent.id)
    assert failed_intent.observation.state is IntentState.FAILED
    assert failed_intent.observation.failure_reason == "payment_intent_authentication_failure"
    [failed] = await events(gateway, driver, "payment_intent.payment_failed")
    assert isinstance(failed, PaymentIntentEvent)
    assert failed.observation.state is IntentState.FAILED
    assert failed.observation.failure_reason == "payment_intent_authentication_failure"


async def test_after_failing_3d_secure_another_card_can_pay(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.REQUIRES_AUTHENTICATION)
    await driver.authenticate(intent, success=False)

    await driver.pay(intent, cards.SUCCEEDS)

    assert (await gateway.retrieve_payment_intent(intent.id)).observation.state is (
        IntentState.SUCCEEDED
    )


async def test_an_open_intent_can_be_canceled(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await gateway.create_payment_intent(intent_request(account_id))

    canceled = await gateway.cancel_payment_intent(intent.id)

    assert canceled.id == intent.id
    assert canceled.observation.state is IntentState.CANCELED
    assert (await gateway.retrieve_payment_intent(intent.id)).observation.state is (
        IntentState.CANCELED
    )
    [event] = await events(gateway, driver, "payment_intent.canceled")
    assert isinstance(event, PaymentIntentEvent)
    assert event.payment_intent_id == intent.id
    assert event.observation.state is IntentState.CANCELED


async def test_a_declined_intent_can_be_canceled(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.DECLINED)

    canceled = await gateway.cancel_payment_intent(intent.id)

    assert canceled.observation.state is IntentState.CANCELED


async def test_a_paid_intent_cannot_be_canceled(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.SUCCEEDS)

    with pytest.raises(GatewayError):
        await gateway.cancel_payment_intent(intent.id)

    assert (await gateway.retrieve_payment_intent(intent.id)).observation.state is (
        IntentState.SUCCEEDED
    )
    assert await events(gateway, driver, "payment_intent.canceled") == []


# -- disputes ----------------------------------------------------------------------------------


async def test_the_disputed_card_pays_then_the_bank_disputes_all_of_it(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)

    intent = await paid_intent(gateway, driver, account_id, cards.DISPUTED)

    assert intent.observation.state is IntentState.SUCCEEDED
    [opened] = await events(gateway, driver, "charge.dispute.created")
    assert isinstance(opened, DisputeEvent)
    assert opened.payment_intent_id == intent.id
    assert opened.observation.dispute_id.startswith("dp_")
    assert opened.observation.amount == eur("100.00")
    assert opened.observation.status is DisputeStatus.OPEN
    assert opened.observation.reason == "fraudulent"


@pytest.mark.parametrize(
    ("won", "status"), [(True, DisputeStatus.WON), (False, DisputeStatus.LOST)], ids=["won", "lost"]
)
async def test_a_dispute_closes_won_or_lost(
    gateway: PaymentGateway, driver: GatewayDriver, won: bool, status: DisputeStatus
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.DISPUTED)
    [opened] = await events(gateway, driver, "charge.dispute.created")
    assert isinstance(opened, DisputeEvent)

    await driver.close_dispute(opened.observation.dispute_id, won=won)

    [closed] = await events(gateway, driver, "charge.dispute.closed")
    assert isinstance(closed, DisputeEvent)
    assert closed.payment_intent_id == intent.id
    assert closed.observation.dispute_id == opened.observation.dispute_id
    assert closed.observation.amount == eur("100.00")
    assert closed.observation.status is status


async def test_a_disputed_payment_cannot_be_refunded(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.DISPUTED)

    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "10.00", "0.25"))


# -- refunds -----------------------------------------------------------------------------------


async def test_a_full_refund_succeeds_and_carries_storepays_refund_id(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)

    refund = await gateway.create_refund(
        refund_request(
            intent.id, "100.00", "2.50", refund_id="refund_7", reason=RefundReason.DUPLICATE
        )
    )

    assert refund.gateway_refund_id.startswith("re_")
    assert refund.amount == eur("100.00")
    assert refund.status is RefundStatus.SUCCEEDED
    assert refund.refund_id == "refund_7"
    assert refund.reason is RefundReason.DUPLICATE
    assert refund.failure_reason is None
    assert refund.observed_at == clock.now()
    [created] = await events(gateway, driver, "refund.created")
    assert isinstance(created, RefundEvent)
    assert created.payment_intent_id == intent.id
    assert created.observation == refund
    [charge_refunded] = await events(gateway, driver, "charge.refunded")
    assert isinstance(charge_refunded, IgnoredEvent)
    assert (await gateway.retrieve_payment_intent(intent.id)).observation.state is (
        IntentState.SUCCEEDED
    )


async def test_partial_refunds_add_up_to_the_payment_and_no_further(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)

    first = await gateway.create_refund(refund_request(intent.id, "30.00", "0.75", refund_id="r1"))
    second = await gateway.create_refund(refund_request(intent.id, "70.00", "1.75", refund_id="r2"))

    assert first.gateway_refund_id != second.gateway_refund_id
    assert (first.amount, second.amount) == (eur("30.00"), eur("70.00"))
    assert (first.refund_id, second.refund_id) == ("r1", "r2")
    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "0.01", "0.00", refund_id="r3"))
    assert len(await events(gateway, driver, "refund.created")) == 2


async def test_a_refund_above_what_is_left_is_refused(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)
    await gateway.create_refund(refund_request(intent.id, "60.00", "1.50", refund_id="r1"))

    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "40.01", "1.00", refund_id="r2"))

    last = await gateway.create_refund(refund_request(intent.id, "40.00", "1.00", refund_id="r3"))
    assert last.status is RefundStatus.SUCCEEDED


async def test_a_refund_above_the_payment_is_refused(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)

    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "100.01", "2.50"))


@pytest.mark.parametrize("card", [None, cards.DECLINED], ids=["not-paid", "declined"])
async def test_only_a_paid_intent_can_be_refunded(
    gateway: PaymentGateway, driver: GatewayDriver, card: str | None
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await gateway.create_payment_intent(intent_request(account_id))
    if card is not None:
        await driver.pay(intent, card)

    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "10.00", "0.25"))


async def test_the_same_refund_key_with_the_same_request_returns_the_first_refund(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)

    first = await gateway.create_refund(refund_request(intent.id, "60.00", "1.50"))
    again = await gateway.create_refund(refund_request(intent.id, "60.00", "1.50"))

    assert again.gateway_refund_id == first.gateway_refund_id
    assert len(await events(gateway, driver, "refund.created")) == 1
    left = await gateway.create_refund(refund_request(intent.id, "40.00", "1.00", refund_id="r2"))
    assert left.amount == eur("40.00")


async def test_the_same_refund_key_with_another_request_is_refused(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id)
    await gateway.create_refund(refund_request(intent.id, "60.00", "1.50"))

    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request(intent.id, "50.00", "1.25"))


async def test_a_refund_the_bank_returns_is_reported_failed(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.REFUND_FAILS)
    refund = await gateway.create_refund(refund_request(intent.id, "100.00", "2.50"))

    await driver.settle()

    [failed] = await events(gateway, driver, "refund.failed")
    assert isinstance(failed, RefundEvent)
    assert failed.payment_intent_id == intent.id
    assert failed.observation.gateway_refund_id == refund.gateway_refund_id
    assert failed.observation.refund_id == "refund_1"
    assert failed.observation.amount == eur("100.00")
    assert failed.observation.status is RefundStatus.FAILED
    assert failed.observation.failure_reason


async def test_a_refund_can_be_looked_up_where_it_stands(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    intent = await paid_intent(gateway, driver, account_id, cards.REFUND_FAILS)
    refund = await gateway.create_refund(refund_request(intent.id, "40.00", "1.00"))

    before = await gateway.retrieve_refund(refund.gateway_refund_id)
    await driver.settle()
    after = await gateway.retrieve_refund(refund.gateway_refund_id)

    assert before.gateway_refund_id == refund.gateway_refund_id
    assert before.refund_id == "refund_1"
    assert before.amount == eur("40.00")
    assert before.status is refund.status
    assert after.status is RefundStatus.FAILED
    assert after.failure_reason
    with pytest.raises(GatewayError):
        await gateway.retrieve_refund("re_doesnotexist000000000000")


async def test_an_unknown_intent_cannot_be_refunded(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.create_refund(refund_request("pi_doesnotexist0000000000", "1.00", "0.00"))


# -- shoppers and saved cards ------------------------------------------------------------------


async def test_one_customer_per_store_and_email(gateway: PaymentGateway) -> None:
    first = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    again = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    other_store = await gateway.ensure_customer(email=EMAIL, store_id="store_2")
    other_email = await gateway.ensure_customer(email="other@example.com", store_id="store_1")

    assert first.startswith("cus_")
    assert again == first
    assert len({first, other_store, other_email}) == 3


async def test_a_new_customer_has_no_saved_cards(gateway: PaymentGateway) -> None:
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")

    assert await gateway.list_payment_methods(customer_id) == []


async def test_a_card_paid_with_and_asked_to_be_saved_is_saved(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )

    await driver.pay(intent, cards.SUCCEEDS)

    [card] = await gateway.list_payment_methods(customer_id)
    assert card.payment_method_id.startswith("pm_")
    assert card.customer_id == customer_id
    assert card.type == "card"
    assert (card.card_brand, card.card_last4) == ("visa", "4242")
    assert card.card_exp_month is not None
    assert 1 <= card.card_exp_month <= 12
    assert card.card_exp_year is not None
    assert card.card_exp_year >= 2026
    [attached] = await events(gateway, driver, "payment_method.attached")
    assert isinstance(attached, PaymentMethodEvent)
    assert attached.attached is True
    assert attached.payment_method_id == card.payment_method_id
    assert attached.card == card


async def test_a_card_is_not_saved_unless_asked(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id)
    )

    await driver.pay(intent, cards.SUCCEEDS)

    assert await gateway.list_payment_methods(customer_id) == []
    assert await events(gateway, driver, "payment_method.attached") == []


async def test_a_saved_card_pays_only_an_intent_of_its_customer(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    saving = await gateway.create_payment_intent(
        intent_request(account_id, key="saving", customer_id=customer_id, save_payment_method=True)
    )
    await driver.pay(saving, cards.SUCCEEDS)
    [card] = await gateway.list_payment_methods(customer_id)
    other_customer = await gateway.ensure_customer(email="other@example.com", store_id="store_1")
    without = await gateway.create_payment_intent(intent_request(account_id, key="without"))
    someone_else_s = await gateway.create_payment_intent(
        intent_request(account_id, key="someone-else", customer_id=other_customer)
    )
    theirs = await gateway.create_payment_intent(
        intent_request(account_id, key="theirs", customer_id=customer_id)
    )

    assert (without.customer_id, someone_else_s.customer_id) == (None, other_customer)
    assert theirs.customer_id == customer_id
    assert (await gateway.retrieve_payment_intent(theirs.id)).customer_id == customer_id
    for intent in (without, someone_else_s):
        with pytest.raises(Refused):
            await driver.pay_with_saved_card(intent, card.payment_method_id)
        assert (await gateway.retrieve_payment_intent(intent.id)).observation.state in (
            IntentState.PENDING,
            IntentState.FAILED,
        )
    await driver.pay_with_saved_card(theirs, card.payment_method_id)
    paid = await gateway.retrieve_payment_intent(theirs.id)
    assert paid.observation.state is IntentState.SUCCEEDED


async def test_a_declined_card_is_not_saved(gateway: PaymentGateway, driver: GatewayDriver) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )

    await driver.pay(intent, cards.DECLINED)

    assert await gateway.list_payment_methods(customer_id) == []


async def test_a_detached_card_is_gone_and_reported(
    gateway: PaymentGateway, driver: GatewayDriver
) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )
    await driver.pay(intent, cards.SUCCEEDS)
    [card] = await gateway.list_payment_methods(customer_id)

    await gateway.detach_payment_method(card.payment_method_id)

    assert await gateway.list_payment_methods(customer_id) == []
    [detached] = await events(gateway, driver, "payment_method.detached")
    assert isinstance(detached, PaymentMethodEvent)
    assert detached.payment_method_id == card.payment_method_id
    assert detached.attached is False
    assert detached.card is None
    with pytest.raises(GatewayError):
        await gateway.detach_payment_method(card.payment_method_id)


async def test_an_unknown_customer_or_card_is_an_error(gateway: PaymentGateway) -> None:
    with pytest.raises(GatewayError):
        await gateway.list_payment_methods("cus_doesnotexist000000000")
    with pytest.raises(GatewayError):
        await gateway.detach_payment_method("pm_doesnotexist0000000000")


async def test_saved_cards_are_listed_newest_first(
    gateway: PaymentGateway, driver: GatewayDriver, clock: FakeClock
) -> None:
    account_id = await onboarded_account(gateway, driver)
    customer_id = await gateway.ensure_customer(email=EMAIL, store_id="store_1")
    for attempt, card_number in enumerate((cards.SUCCEEDS, cards.SUCCEEDS_MASTERCARD)):
        clock.advance(60)
        intent = await gateway.create_payment_intent(
            intent_request(
                account_id,
                key=f"order_{attempt}",
                customer_id=customer_id,
                save_payment_method=True,
            )
        )
        await driver.pay(intent, card_number)

    saved: list[SavedCard] = await gateway.list_payment_methods(customer_id)

    assert [(c.card_brand, c.card_last4) for c in saved] == [
        ("mastercard", "4444"),
        ("visa", "4242"),
    ]


# -- the gateway's name ------------------------------------------------------------------------


async def test_the_gateway_names_itself(gateway: PaymentGateway) -> None:
    assert gateway.name in ("simulated", "stripe")
    assert isinstance(gateway, PaymentGateway)
    if gateway.name == "stripe":
        assert gateway.publishable_key is not None
        assert gateway.publishable_key.startswith("pk_test_")
    else:
        assert gateway.publishable_key is None
