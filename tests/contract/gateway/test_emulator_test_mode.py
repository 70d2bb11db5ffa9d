"""What only the Stripe emulator does: Stripe's test mode (test cards, 3-D Secure, onboarding,
disputes, payouts, refunds that fail) and the Stripe-shaped objects and events it keeps.

It is driven as storepay meets it: through the Stripe adapter where the port has a call for it,
and through the emulator's test-mode actions for what shoppers, stores and banks do.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from adapters.stripe_emulator import EmulatorError, cards, random_ids, sequential_ids
from application.gateway import (
    AccountDeauthorizedEvent,
    DisputeEvent,
    GatewayError,
    GatewayEvent,
    GatewayIntent,
    PayoutEvent,
    RefundEvent,
)
from domain.dispute import DisputeStatus
from domain.payment import IntentState
from domain.payout import PayoutInterval, PayoutSchedule, Weekday
from domain.refund import RefundStatus

from .builders import (
    EMAIL,
    eur,
    intent_request,
    new_account,
    onboarded_account,
    paid_intent,
    parse,
    refund_request,
)
from .conftest import CONNECT_WEBHOOK_SECRET, T0, Emulated, FakeClock, on_the_emulator

pytestmark = pytest.mark.anyio

PUBLIC_URL = "https://shop.example.com/"
E = TypeVar("E", bound=GatewayEvent)


@pytest.fixture
async def stripe(clock: FakeClock, anyio_backend: str) -> Emulated:
    return on_the_emulator(clock, checked=False, public_url=PUBLIC_URL, ids=sequential_ids())


async def store_account(stripe: Emulated, store_id: str = "store_1") -> str:
    return await onboarded_account(stripe.gateway, stripe.driver, store_id)


async def new_intent(stripe: Emulated, **changes: Any) -> GatewayIntent:
    account_id = await store_account(stripe)
    return await stripe.gateway.create_payment_intent(intent_request(account_id, **changes))


async def paid(stripe: Emulated, card: str = cards.SUCCEEDS, **changes: Any) -> GatewayIntent:
    intent = await new_intent(stripe, **changes)
    await stripe.emulator.confirm(intent.id, intent.client_secret, card)
    return await stripe.gateway.retrieve_payment_intent(intent.id)


def of_type(stripe: Emulated, event_type: str) -> list[dict[str, Any]]:
    return [event for event in stripe.emulator.sent_events if event["type"] == event_type]


def received(stripe: Emulated, kind: type[E]) -> list[E]:
    """The deliveries so far that the adapter types as a ``kind`` of event."""
    typed = (parse(stripe.gateway, delivery) for delivery in stripe.inbox.deliveries)
    return [event for event in typed if isinstance(event, kind)]


# -- ids and time ------------------------------------------------------------------------------


async def test_ids_look_like_stripes(clock: FakeClock) -> None:
    stripe = on_the_emulator(clock, checked=False)
    account_id = await store_account(stripe)
    intent = await paid_intent(stripe.gateway, stripe.driver, account_id, cards.DISPUTED)
    customer_id = await stripe.gateway.ensure_customer(email=EMAIL, store_id="store_1")

    assert re.fullmatch(r"acct_[A-Za-z0-9]{24}", account_id)
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", intent.id)
    assert re.fullmatch(rf"{intent.id}_secret_[A-Za-z0-9]{{24}}", intent.client_secret)
    assert re.fullmatch(r"ch_[A-Za-z0-9]{24}", intent.observation.charge_id or "")
    assert re.fullmatch(r"cus_[A-Za-z0-9]{24}", customer_id)
    assert re.fullmatch(r"dp_[A-Za-z0-9]{24}", stripe.emulator.dispute_of(intent.id))
    events = stripe.emulator.sent_events
    assert all(re.fullmatch(r"evt_[A-Za-z0-9]{24}", event["id"]) for event in events)


def test_ids_come_from_the_generator_given() -> None:
    seeded = random_ids(random.Random(3))
    same_seed = random_ids(random.Random(3))
    counting = sequential_ids()

    assert [seeded("pi") for _ in range(3)] == [same_seed("pi") for _ in range(3)]
    assert [counting("re"), counting("pi")] == [
        "re_000000000000000000000001",
        "pi_000000000000000000000002",
    ]


async def test_times_come_from_the_clock_given(stripe: Emulated, clock: FakeClock) -> None:
    clock.advance(90.75)

    intent = await new_intent(stripe)

    later = int(T0.timestamp()) + 90
    assert stripe.emulator.retrieve_object(intent.id)["created"] == later
    assert {event["created"] for event in stripe.emulator.sent_events} == {later}


async def test_a_clock_without_a_timezone_is_refused() -> None:
    stripe = on_the_emulator(FakeClock(T0.replace(tzinfo=None)), checked=False)

    with pytest.raises(ValueError, match="emulator's clock must give timezone-aware times"):
        await stripe.gateway.create_account(new_account())


# -- events, as Stripe shapes and signs them ---------------------------------------------------


async def test_events_are_shaped_like_stripes(stripe: Emulated) -> None:
    account_id = await store_account(stripe)
    customer_id = await stripe.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await stripe.gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, metadata={"order_id": "o_1"})
    )
    await stripe.emulator.confirm(intent.id, intent.client_secret, cards.SUCCEEDS)

    [event] = of_type(stripe, "payment_intent.succeeded")
    obj = event["data"]["object"]

    assert {k: event[k] for k in ("object", "livemode", "api_version", "created")} == {
        "object": "event",
        "livemode": False,
        "api_version": "2026-10-28.endive",
        "created": int(T0.timestamp()),
    }
    assert "account" not in event
    assert {
        k: obj[k]
        for k in (
            "id",
            "object",
            "amount",
            "currency",
            "status",
            "last_payment_error",
            "metadata",
            "application_fee_amount",
            "transfer_data",
            "customer",
        )
    } == {
        "id": intent.id,
        "object": "payment_intent",
        "amount": 10000,
        "currency": "eur",
        "status": "succeeded",
        "last_payment_error": None,
        "metadata": {"order_id": "o_1"},
        "application_fee_amount": 250,
        "transfer_data": {"destination": account_id},
        "customer": customer_id,
    }
    assert obj["latest_charge"].startswith("ch_")
    assert json.loads(stripe.inbox.deliveries[-1].payload) == event


async def test_a_declined_attempt_carries_its_error(stripe: Emulated) -> None:
    intent = await paid(stripe, cards.INSUFFICIENT_FUNDS)

    [event] = of_type(stripe, "payment_intent.payment_failed")
    [charge_failed] = of_type(stripe, "charge.failed")

    assert event["data"]["object"]["status"] == "requires_payment_method"
    error = event["data"]["object"]["last_payment_error"]
    assert {k: error[k] for k in ("code", "decline_code", "message", "type")} == {
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
        "type": "card_error",
    }
    assert charge_failed["data"]["object"]["id"] == intent.observation.charge_id
    assert charge_failed["data"]["object"]["failure_code"] == "card_declined"


async def test_each_delivery_is_signed_like_stripe_signs(
    stripe: Emulated, clock: FakeClock
) -> None:
    clock.advance(7)
    await store_account(stripe)
    [delivery] = stripe.inbox.deliveries
    timestamp = int(clock.now().timestamp())

    expected = hmac.new(
        CONNECT_WEBHOOK_SECRET.encode(),
        f"{timestamp}.{delivery.payload.decode()}".encode(),
        hashlib.sha256,
    ).hexdigest()

    assert delivery.signature_header == f"t={timestamp},v1={expected}"
    assert delivery.connect is True


async def test_connect_events_carry_the_account(stripe: Emulated) -> None:
    account_id = await store_account(stripe)
    await paid(stripe)

    connect = [e for e in stripe.emulator.sent_events if "account" in e]

    assert {e["type"] for e in connect} == {"account.updated"}
    assert {e["account"] for e in connect} == {account_id}


# -- paying --------------------------------------------------------------------------------------


async def test_paying_needs_the_intents_client_secret(stripe: Emulated) -> None:
    intent = await new_intent(stripe)

    with pytest.raises(EmulatorError, match="client_secret"):
        await stripe.emulator.confirm(intent.id, f"{intent.id}_secret_wrong", cards.SUCCEEDS)
    with pytest.raises(EmulatorError, match="client_secret"):
        await stripe.emulator.authenticate(intent.id, "", success=True)

    seen = await stripe.gateway.retrieve_payment_intent(intent.id)
    assert seen.observation.state is IntentState.PENDING


async def test_an_intent_pays_once(stripe: Emulated) -> None:
    intent = await paid(stripe)

    with pytest.raises(EmulatorError, match="succeeded"):
        await stripe.emulator.confirm(intent.id, intent.client_secret, cards.SUCCEEDS)
    assert len(of_type(stripe, "charge.succeeded")) == 1


async def test_a_canceled_intent_cannot_be_paid_nor_canceled_again(stripe: Emulated) -> None:
    intent = await new_intent(stripe)
    canceled = await stripe.gateway.cancel_payment_intent(intent.id)

    with pytest.raises(EmulatorError, match="canceled"):
        await stripe.emulator.confirm(intent.id, intent.client_secret, cards.SUCCEEDS)
    with pytest.raises(EmulatorError, match="canceled"):
        await stripe.emulator.cancel_payment_intent(intent.id)
    # The adapter's cancellation key names the intent: asking again replays the first answer.
    assert await stripe.gateway.cancel_payment_intent(intent.id) == canceled
    assert len(of_type(stripe, "payment_intent.canceled")) == 1


async def test_an_intent_awaiting_3d_secure_can_be_canceled(stripe: Emulated) -> None:
    intent = await paid(stripe, cards.REQUIRES_AUTHENTICATION)

    canceled = await stripe.gateway.cancel_payment_intent(intent.id)

    assert canceled.observation.state is IntentState.CANCELED
    with pytest.raises(EmulatorError):
        await stripe.emulator.authenticate(intent.id, intent.client_secret, success=True)


async def test_there_is_no_3d_secure_to_finish_without_the_card_that_asks(
    stripe: Emulated,
) -> None:
    intent = await new_intent(stripe)

    with pytest.raises(EmulatorError, match="no authentication to finish"):
        await stripe.emulator.authenticate(intent.id, intent.client_secret, success=True)


async def test_the_3d_secure_card_asks_the_shopper_in_the_intent(stripe: Emulated) -> None:
    await paid(stripe, cards.REQUIRES_AUTHENTICATION)

    [event] = of_type(stripe, "payment_intent.requires_action")

    assert event["data"]["object"]["next_action"]["type"] == "use_stripe_sdk"
    assert of_type(stripe, "charge.succeeded") == []


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("4000000000000000", "card_declined"),
        ("1234", "card_declined"),
        (cards.EXPIRED_CARD, "expired_card"),
        (cards.INCORRECT_CVC, "incorrect_cvc"),
    ],
    ids=["unknown", "nonsense", "expired", "incorrect-cvc"],
)
async def test_other_numbers_are_declined(stripe: Emulated, number: str, reason: str) -> None:
    intent = await paid(stripe, number)

    assert intent.observation.state is IntentState.FAILED
    assert intent.observation.failure_reason == reason


async def test_a_card_number_may_be_written_in_groups(stripe: Emulated) -> None:
    intent = await paid(stripe, "4242 4242 4242 4242")

    assert intent.observation.state is IntentState.SUCCEEDED


async def test_a_card_past_its_expiry_is_declined(stripe: Emulated) -> None:
    intent = await new_intent(stripe)

    answered = await stripe.emulator.confirm(
        intent.id, intent.client_secret, cards.SUCCEEDS, exp_month=10, exp_year=2026
    )

    assert answered["last_payment_error"]["code"] == "expired_card"
    seen = await stripe.gateway.retrieve_payment_intent(intent.id)
    assert seen.observation.state is IntentState.FAILED
    assert seen.observation.failure_reason == "expired_card"


async def test_an_impossible_expiry_month_is_refused(stripe: Emulated) -> None:
    intent = await new_intent(stripe)

    with pytest.raises(EmulatorError, match="expiration month"):
        await stripe.emulator.confirm(intent.id, intent.client_secret, cards.SUCCEEDS, exp_month=13)


def test_card_brands_follow_the_number() -> None:
    assert [
        cards.card_brand(n) for n in (cards.SUCCEEDS, "5555555555554444", "2223003122003222")
    ] == [
        "visa",
        "mastercard",
        "mastercard",
    ]
    assert cards.card_brand(cards.SUCCEEDS_AMEX) == "amex"
    assert cards.card_brand("6011111111111117") == "unknown"
    assert cards.card_for(cards.DECLINED).decline is not None


async def test_the_saved_card_keeps_the_expiry_given(stripe: Emulated) -> None:
    account_id = await store_account(stripe)
    customer_id = await stripe.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await stripe.gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )

    await stripe.emulator.confirm(
        intent.id, intent.client_secret, cards.SUCCEEDS_AMEX, exp_month=4, exp_year=2031
    )

    [card] = await stripe.gateway.list_payment_methods(customer_id)
    assert (card.card_brand, card.card_last4) == ("amex", "0005")
    assert (card.card_exp_month, card.card_exp_year) == (4, 2031)


async def test_asking_to_save_a_card_without_a_customer_saves_nothing(stripe: Emulated) -> None:
    await paid(stripe, save_payment_method=True)

    assert of_type(stripe, "payment_method.attached") == []


async def test_an_intent_names_an_existing_customer(stripe: Emulated) -> None:
    with pytest.raises(GatewayError, match="customer"):
        await new_intent(stripe, customer_id="cus_nobody")


async def test_an_amount_below_stripes_minimum_is_refused(stripe: Emulated) -> None:
    with pytest.raises(GatewayError, match="amount"):
        await new_intent(stripe, amount="0.49", fee="0.00")


async def test_a_replayed_intent_answers_as_it_first_did(stripe: Emulated) -> None:
    account_id = await store_account(stripe)
    first = await stripe.gateway.create_payment_intent(intent_request(account_id))
    await stripe.emulator.confirm(first.id, first.client_secret, cards.SUCCEEDS)

    replayed = await stripe.gateway.create_payment_intent(intent_request(account_id))

    assert replayed == first
    assert replayed.observation.state is IntentState.PENDING
    assert len(of_type(stripe, "payment_intent.created")) == 1


async def test_a_key_is_bound_to_one_kind_of_request(stripe: Emulated) -> None:
    account_id = await store_account(stripe)

    with pytest.raises(GatewayError, match="idempotency key used for another request"):
        await stripe.gateway.create_payment_intent(
            intent_request(account_id, key="account-store_1")
        )


async def test_retrieve_object_shows_anything_as_stripe_would(stripe: Emulated) -> None:
    intent = await paid(stripe)
    charge_id = intent.observation.charge_id or ""

    charge = stripe.emulator.retrieve_object(charge_id)

    assert {k: charge[k] for k in ("object", "amount", "paid", "status", "payment_intent")} == {
        "object": "charge",
        "amount": 10000,
        "paid": True,
        "status": "succeeded",
        "payment_intent": intent.id,
    }
    assert charge["payment_method_details"]["card"]["last4"] == "4242"
    with pytest.raises(EmulatorError, match="No such object"):
        stripe.emulator.retrieve_object("xx_nothing")


# -- accounts ----------------------------------------------------------------------------------


async def test_onboarding_links_lead_to_the_emulators_page(
    stripe: Emulated, clock: FakeClock
) -> None:
    account_id = (await stripe.gateway.create_account(new_account())).account_id

    link = await stripe.gateway.create_onboarding_link(
        account_id, refresh_url="https://r.example/refresh", return_url="https://r.example/back"
    )

    assert link.url == f"https://shop.example.com/simulator/onboarding/{account_id}"
    assert link.expires_at == clock.now() + timedelta(minutes=5)
    session = stripe.emulator.latest_onboarding_link(account_id)
    assert (session.refresh_url, session.return_url) == (
        "https://r.example/refresh",
        "https://r.example/back",
    )
    with pytest.raises(EmulatorError):
        stripe.emulator.latest_onboarding_link("acct_other")
    with pytest.raises(GatewayError, match="refresh_url"):
        await stripe.gateway.create_onboarding_link(account_id, refresh_url="", return_url="")


async def test_a_new_account_is_an_express_account_with_requirements(stripe: Emulated) -> None:
    account_id = (await stripe.gateway.create_account(new_account())).account_id

    account = stripe.emulator.retrieve_object(account_id)

    assert account["type"] == "express"
    assert account["metadata"] == {"storepay_store_id": "store_1"}
    assert account["requirements"]["disabled_reason"] == "requirements.past_due"
    assert "external_account" in account["requirements"]["currently_due"]
    assert account["capabilities"] == {"card_payments": "inactive", "transfers": "inactive"}


async def test_an_account_needs_a_country_code(stripe: Emulated) -> None:
    with pytest.raises(GatewayError, match="country"):
        await stripe.gateway.create_account(replace(new_account(), country="Luxembourg"))


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (
            PayoutSchedule(PayoutInterval.WEEKLY, weekly_anchor=Weekday.FRIDAY),
            {"interval": "weekly", "weekly_anchor": "friday", "delay_days": 7},
        ),
        (
            PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=15),
            {"interval": "monthly", "monthly_anchor": 15, "delay_days": 7},
        ),
        (PayoutSchedule(PayoutInterval.MANUAL), {"interval": "manual", "delay_days": 7}),
    ],
    ids=["weekly", "monthly", "manual"],
)
async def test_the_payout_schedule_is_kept_and_reported(
    stripe: Emulated, schedule: PayoutSchedule, expected: dict[str, Any]
) -> None:
    account_id = await store_account(stripe)

    await stripe.gateway.set_payout_schedule(account_id, schedule)

    update = of_type(stripe, "account.updated")[-1]
    assert update["account"] == account_id
    assert update["data"]["object"]["settings"]["payouts"]["schedule"] == expected
    assert update["data"]["previous_attributes"]["settings"]["payouts"]["schedule"] == {
        "interval": "daily",
        "delay_days": 7,
    }
    assert stripe.emulator.retrieve_object(account_id)["settings"]["payouts"]["schedule"] == (
        expected
    )


async def test_a_store_that_disconnects_is_gone(stripe: Emulated) -> None:
    account_id = await store_account(stripe)

    await stripe.emulator.deauthorize(account_id)

    event = parse(stripe.gateway, stripe.inbox.deliveries[-1])
    assert isinstance(event, AccountDeauthorizedEvent)
    assert event.account_id == account_id
    with pytest.raises(GatewayError):
        await stripe.gateway.retrieve_account(account_id)
    with pytest.raises(GatewayError):
        await stripe.gateway.create_payment_intent(intent_request(account_id))


async def test_onboarding_is_reported_with_what_changed(stripe: Emulated) -> None:
    account_id = await store_account(stripe)

    [update] = of_type(stripe, "account.updated")

    assert update["data"]["previous_attributes"] == {
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
    }
    assert update["data"]["object"]["capabilities"]["card_payments"] == "active"
    assert update["account"] == account_id


@pytest.mark.parametrize(("failure_code", "status"), [(None, "paid"), ("account_closed", "failed")])
async def test_payouts_are_reported_to_the_platform(
    stripe: Emulated, failure_code: str | None, status: str
) -> None:
    account_id = await store_account(stripe)

    payout_id = await stripe.emulator.pay_out(account_id, 9750, "eur", failure_code=failure_code)

    event = parse(stripe.gateway, stripe.inbox.deliveries[-1])
    assert isinstance(event, PayoutEvent)
    assert (event.payout_id, event.amount, event.status) == (payout_id, eur("97.50"), status)
    assert event.failure_code == failure_code
    assert event.account_id == account_id
    sent = stripe.emulator.sent_events
    assert [e["type"] for e in sent[-2:]] == ["payout.created", f"payout.{status}"]
    with pytest.raises(EmulatorError, match="positive"):
        await stripe.emulator.pay_out(account_id, 0, "eur")


# -- refunds -----------------------------------------------------------------------------------


async def test_a_refund_gives_back_the_fee_in_proportion_and_pulls_back_the_transfer(
    stripe: Emulated,
) -> None:
    intent = await paid(stripe)

    refund = await stripe.gateway.create_refund(refund_request(intent.id, "40.00", "1.00"))

    record = stripe.emulator.refund_record(refund.gateway_refund_id)
    assert record.application_fee_refund == eur("1.00")
    assert record.reverse_transfer is True
    assert record.metadata == {"storepay_refund_id": "refund_1"}
    [charge_refunded] = of_type(stripe, "charge.refunded")
    assert charge_refunded["data"]["object"]["amount_refunded"] == 4000
    assert charge_refunded["data"]["object"]["refunded"] is False


async def test_the_fee_given_back_by_refunds_of_the_whole_charge_is_the_whole_fee(
    stripe: Emulated,
) -> None:
    intent = await paid(stripe)

    refunds = [
        await stripe.gateway.create_refund(
            refund_request(intent.id, amount, "0.00", refund_id=f"r{n}")
        )
        for n, amount in enumerate(("33.33", "33.33", "33.34"))
    ]

    fees = [
        stripe.emulator.refund_record(refund.gateway_refund_id).application_fee_refund
        for refund in refunds
    ]
    assert fees == [eur("0.83"), eur("0.83"), eur("0.84")]


async def test_the_next_refund_can_be_made_to_fail(stripe: Emulated) -> None:
    intent = await paid(stripe)
    stripe.emulator.fail_next_refund("insufficient_funds")

    refund = await stripe.gateway.create_refund(refund_request(intent.id, "100.00", "2.50"))
    settled = await stripe.emulator.settle_refunds()

    assert refund.status is RefundStatus.PENDING
    assert settled == 1
    refund_events = received(stripe, RefundEvent)
    assert [(e.type, e.observation.status) for e in refund_events] == [
        ("refund.created", RefundStatus.PENDING),
        ("refund.updated", RefundStatus.FAILED),
        ("refund.failed", RefundStatus.FAILED),
    ]
    assert refund_events[-1].observation.failure_reason == "insufficient_funds"
    assert refund_events[-1].observation.refund_id == "refund_1"
    again = await stripe.gateway.create_refund(
        refund_request(intent.id, "100.00", "2.50", refund_id="r2")
    )
    assert again.status is RefundStatus.SUCCEEDED


async def test_only_the_next_refund_fails(stripe: Emulated) -> None:
    intent = await paid(stripe)
    stripe.emulator.fail_next_refund()
    await stripe.gateway.create_refund(refund_request(intent.id, "10.00", "0.25", refund_id="r1"))

    second = await stripe.gateway.create_refund(
        refund_request(intent.id, "10.00", "0.25", refund_id="r2")
    )

    assert second.status is RefundStatus.SUCCEEDED
    assert await stripe.emulator.settle_refunds() == 1
    assert await stripe.emulator.settle_refunds() == 0


async def test_the_refund_failing_card_succeeds_first(stripe: Emulated) -> None:
    intent = await paid(stripe, cards.REFUND_FAILS)

    refund = await stripe.gateway.create_refund(refund_request(intent.id, "100.00", "2.50"))
    await stripe.emulator.settle_refunds()

    assert refund.status is RefundStatus.SUCCEEDED
    failed = of_type(stripe, "refund.failed")[0]["data"]["object"]
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")


async def test_a_succeeded_refund_can_be_returned_by_the_bank(stripe: Emulated) -> None:
    intent = await paid(stripe)
    refund = await stripe.gateway.create_refund(refund_request(intent.id, "30.00", "0.75"))

    await stripe.emulator.fail_refund(refund.gateway_refund_id, "lost_or_stolen_card")

    assert stripe.emulator.refund_record(refund.gateway_refund_id).status == "failed"
    [updated] = of_type(stripe, "refund.updated")
    assert updated["data"]["previous_attributes"] == {"status": "succeeded"}
    with pytest.raises(EmulatorError, match="already ended"):
        await stripe.emulator.fail_refund(refund.gateway_refund_id)
    with pytest.raises(EmulatorError, match="No such refund"):
        await stripe.emulator.fail_refund("re_nothing")
    with pytest.raises(EmulatorError, match="No such refund"):
        stripe.emulator.refund_record("re_nothing")


async def test_a_refund_of_nothing_or_less_is_refused(stripe: Emulated) -> None:
    intent = await paid(stripe)

    for amount in ("0.00", "-1.00"):
        with pytest.raises(GatewayError, match="amount"):
            await stripe.gateway.create_refund(refund_request(intent.id, amount, "0.00"))
    assert of_type(stripe, "refund.created") == []


# -- disputes ----------------------------------------------------------------------------------


async def test_a_dispute_takes_the_funds_and_gives_them_back_when_won(stripe: Emulated) -> None:
    intent = await paid(stripe, cards.DISPUTED)
    dispute_id = stripe.emulator.dispute_of(intent.id)

    await stripe.emulator.submit_dispute_evidence(dispute_id)
    await stripe.emulator.close_dispute(dispute_id, won=True)

    sent = stripe.emulator.sent_events
    assert [e["type"] for e in sent if e["type"].startswith("charge.dispute")] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    assert stripe.emulator.retrieve_object(dispute_id)["status"] == "won"
    assert stripe.emulator.retrieve_object(intent.observation.charge_id or "")["disputed"] is True
    with pytest.raises(EmulatorError, match="already closed"):
        await stripe.emulator.close_dispute(dispute_id, won=False)
    with pytest.raises(EmulatorError, match="does not await evidence"):
        await stripe.emulator.submit_dispute_evidence(dispute_id)


async def test_a_refund_is_possible_again_once_the_dispute_is_won(stripe: Emulated) -> None:
    intent = await paid(stripe, cards.DISPUTED)
    await stripe.emulator.close_dispute(stripe.emulator.dispute_of(intent.id), won=True)

    refund = await stripe.gateway.create_refund(refund_request(intent.id, "10.00", "0.25"))

    assert refund.status is RefundStatus.SUCCEEDED


async def test_an_inquiry_is_open_until_it_closes_without_a_loss(stripe: Emulated) -> None:
    intent = await paid(stripe)

    dispute_id = await stripe.emulator.open_dispute(
        intent.id, amount=4000, reason="product_not_received", inquiry=True
    )
    await stripe.emulator.submit_dispute_evidence(dispute_id)
    with pytest.raises(EmulatorError, match="inquiry"):
        await stripe.emulator.close_dispute(dispute_id, won=False)
    await stripe.emulator.close_dispute(dispute_id, won=True)

    disputes = received(stripe, DisputeEvent)
    assert [(e.type, e.observation.status) for e in disputes] == [
        ("charge.dispute.created", DisputeStatus.OPEN),
        ("charge.dispute.updated", DisputeStatus.OPEN),
        ("charge.dispute.closed", DisputeStatus.WON),
    ]
    assert {e.observation.amount for e in disputes} == {eur("40.00")}
    assert {e.observation.reason for e in disputes} == {"product_not_received"}
    assert stripe.emulator.retrieve_object(dispute_id)["status"] == "warning_closed"


async def test_a_dispute_needs_a_paid_charge_and_one_at_a_time(stripe: Emulated) -> None:
    unpaid = await new_intent(stripe, key="order_unpaid")
    intent = await paid(stripe)

    with pytest.raises(EmulatorError, match="no successful charge"):
        await stripe.emulator.open_dispute(unpaid.id)
    with pytest.raises(EmulatorError, match="takes up to"):
        await stripe.emulator.open_dispute(intent.id, amount=10001)
    await stripe.emulator.open_dispute(intent.id)
    with pytest.raises(EmulatorError, match="already disputed"):
        await stripe.emulator.open_dispute(intent.id)
    with pytest.raises(EmulatorError, match="has no dispute"):
        stripe.emulator.dispute_of(unpaid.id)
    with pytest.raises(EmulatorError, match="No such dispute"):
        await stripe.emulator.close_dispute("dp_nothing", won=True)


# -- customers ---------------------------------------------------------------------------------


async def test_customers_are_found_by_their_exact_email_as_stripe_finds_them(
    stripe: Emulated,
) -> None:
    first = await stripe.gateway.ensure_customer(email="Shopper@Example.com", store_id="store_1")

    spaced = await stripe.gateway.ensure_customer(email=" Shopper@Example.com ", store_id="store_1")
    lower = await stripe.gateway.ensure_customer(email="shopper@example.com", store_id="store_1")

    assert spaced == first
    assert lower != first
    assert len(of_type(stripe, "customer.created")) == 2
    assert stripe.emulator.retrieve_object(first)["email"] == "Shopper@Example.com"


async def test_a_detached_card_says_which_customer_it_left(stripe: Emulated) -> None:
    account_id = await store_account(stripe)
    customer_id = await stripe.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await stripe.gateway.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )
    await stripe.emulator.confirm(intent.id, intent.client_secret, cards.SUCCEEDS)
    [card] = await stripe.gateway.list_payment_methods(customer_id)

    await stripe.gateway.detach_payment_method(card.payment_method_id)

    [event] = of_type(stripe, "payment_method.detached")
    assert event["data"]["object"]["customer"] is None
    assert event["data"]["previous_attributes"] == {"customer": customer_id}
