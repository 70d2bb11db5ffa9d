"""What only the simulated gateway does: its test-mode controls, its Stripe-shaped events and
its delivery, from obliging to hostile."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from adapters.simulated import DeliveryMode, SimulatedGateway, random_ids, sequential_ids
from adapters.simulated.cards import (
    EXPIRED_CARD,
    INCORRECT_CVC,
    SUCCEEDS_AMEX,
    card_brand,
    card_for,
)
from application.gateway import (
    AccountDeauthorizedEvent,
    AccountUpdatedEvent,
    DisputeEvent,
    GatewayError,
    GatewayIntent,
    PaymentIntentEvent,
    PayoutEvent,
    RefundEvent,
)
from domain.dispute import DisputeStatus
from domain.money import Money
from domain.payment import IntentState
from domain.payout import PayoutInterval, PayoutSchedule, Weekday
from domain.refund import RefundStatus

from .builders import EMAIL, eur, intent_request, new_account, refund_request
from .conftest import CONNECT_WEBHOOK_SECRET, T0, WEBHOOK_SECRET, FakeClock
from .drivers import (
    DECLINED,
    DISPUTED,
    INSUFFICIENT_FUNDS,
    REFUND_FAILS,
    REQUIRES_AUTHENTICATION,
    SUCCEEDS,
    Inbox,
)

pytestmark = pytest.mark.anyio

PUBLIC_URL = "https://shop.example.com/"


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
def sim(clock: FakeClock, inbox: Inbox) -> SimulatedGateway:
    return SimulatedGateway(
        webhook_secret=WEBHOOK_SECRET,
        connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        public_url=PUBLIC_URL,
        clock=clock.now,
        ids=sequential_ids(),
        deliver=inbox.receive,
    )


async def store_account(sim: SimulatedGateway, store_id: str = "store_1") -> str:
    account_id = (await sim.create_account(new_account(store_id))).account_id
    await sim.complete_onboarding(account_id)
    return account_id


async def new_intent(sim: SimulatedGateway, **changes: Any) -> GatewayIntent:
    account_id = await store_account(sim)
    return await sim.create_payment_intent(intent_request(account_id, **changes))


async def paid(sim: SimulatedGateway, card: str = SUCCEEDS, **changes: Any) -> GatewayIntent:
    intent = await new_intent(sim, **changes)
    return await sim.confirm(intent.id, intent.client_secret, card)


def of_type(sim: SimulatedGateway, event_type: str) -> list[dict[str, Any]]:
    return [event for event in sim.sent_events if event["type"] == event_type]


# -- ids and time ------------------------------------------------------------------------------


async def test_ids_look_like_stripes(clock: FakeClock) -> None:
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now)
    account_id = await store_account(sim)
    intent = await sim.create_payment_intent(intent_request(account_id))
    await sim.confirm(intent.id, intent.client_secret, DISPUTED)
    customer_id = await sim.ensure_customer(email=EMAIL, store_id="store_1")
    charge_id = (await sim.retrieve_payment_intent(intent.id)).observation.charge_id

    assert re.fullmatch(r"acct_[A-Za-z0-9]{24}", account_id)
    assert re.fullmatch(r"pi_[A-Za-z0-9]{24}", intent.id)
    assert re.fullmatch(rf"{intent.id}_secret_[A-Za-z0-9]{{24}}", intent.client_secret)
    assert re.fullmatch(r"ch_[A-Za-z0-9]{24}", charge_id or "")
    assert re.fullmatch(r"cus_[A-Za-z0-9]{24}", customer_id)
    assert re.fullmatch(r"dp_[A-Za-z0-9]{24}", sim.dispute_of(intent.id))
    assert all(re.fullmatch(r"evt_[A-Za-z0-9]{24}", event["id"]) for event in sim.sent_events)


def test_ids_come_from_the_generator_given() -> None:
    seeded = random_ids(random.Random(3))
    same_seed = random_ids(random.Random(3))
    counting = sequential_ids()

    assert [seeded("pi") for _ in range(3)] == [same_seed("pi") for _ in range(3)]
    assert [counting("re"), counting("pi")] == [
        "re_000000000000000000000001",
        "pi_000000000000000000000002",
    ]


async def test_times_come_from_the_clock_given(sim: SimulatedGateway, clock: FakeClock) -> None:
    clock.advance(90.75)

    intent = await new_intent(sim)

    assert intent.observation.observed_at == T0 + timedelta(seconds=90)
    assert {event["created"] for event in sim.sent_events} == {int(T0.timestamp()) + 90}


async def test_a_clock_without_a_timezone_is_refused() -> None:
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=lambda: T0.replace(tzinfo=None))

    with pytest.raises(ValueError, match="timezone"):
        await sim.create_account(new_account())


# -- events, as Stripe shapes and signs them ---------------------------------------------------


async def test_events_are_shaped_like_stripes(sim: SimulatedGateway, inbox: Inbox) -> None:
    account_id = await store_account(sim)
    customer_id = await sim.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await sim.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, metadata={"order_id": "o_1"})
    )
    await sim.confirm(intent.id, intent.client_secret, SUCCEEDS)

    [event] = of_type(sim, "payment_intent.succeeded")
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
    assert json.loads(inbox.deliveries[-1].payload) == event


async def test_a_declined_attempt_carries_its_error(sim: SimulatedGateway) -> None:
    intent = await paid(sim, INSUFFICIENT_FUNDS)

    [event] = of_type(sim, "payment_intent.payment_failed")
    [charge_failed] = of_type(sim, "charge.failed")

    assert event["data"]["object"]["status"] == "requires_payment_method"
    assert event["data"]["object"]["last_payment_error"] == {
        "code": "card_declined",
        "decline_code": "insufficient_funds",
        "message": "Your card has insufficient funds.",
        "type": "card_error",
    }
    assert charge_failed["data"]["object"]["id"] == intent.observation.charge_id
    assert charge_failed["data"]["object"]["failure_code"] == "card_declined"


async def test_each_delivery_is_signed_like_stripe_signs(
    sim: SimulatedGateway, inbox: Inbox, clock: FakeClock
) -> None:
    clock.advance(7)
    await store_account(sim)
    [delivery] = inbox.deliveries
    timestamp = int(clock.now().timestamp())

    expected = hmac.new(
        CONNECT_WEBHOOK_SECRET.encode(),
        f"{timestamp}.{delivery.payload.decode()}".encode(),
        hashlib.sha256,
    ).hexdigest()

    assert delivery.signature_header == f"t={timestamp},v1={expected}"
    assert delivery.connect is True


async def test_connect_events_carry_the_account(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)
    await paid(sim)

    connect = [e for e in sim.sent_events if "account" in e]

    assert {e["type"] for e in connect} == {"account.updated"}
    assert {e["account"] for e in connect} == {account_id}


# -- paying --------------------------------------------------------------------------------------


async def test_paying_needs_the_intents_client_secret(sim: SimulatedGateway) -> None:
    intent = await new_intent(sim)

    with pytest.raises(GatewayError, match="client_secret"):
        await sim.confirm(intent.id, f"{intent.id}_secret_wrong", SUCCEEDS)
    with pytest.raises(GatewayError, match="client_secret"):
        await sim.authenticate(intent.id, "", success=True)

    assert (await sim.retrieve_payment_intent(intent.id)).observation.state is IntentState.PENDING


async def test_an_intent_pays_once(sim: SimulatedGateway) -> None:
    intent = await paid(sim)

    with pytest.raises(GatewayError, match="succeeded"):
        await sim.confirm(intent.id, intent.client_secret, SUCCEEDS)
    assert len(of_type(sim, "charge.succeeded")) == 1


async def test_a_canceled_intent_cannot_be_paid_nor_canceled_again(sim: SimulatedGateway) -> None:
    intent = await new_intent(sim)
    await sim.cancel_payment_intent(intent.id)

    with pytest.raises(GatewayError):
        await sim.confirm(intent.id, intent.client_secret, SUCCEEDS)
    with pytest.raises(GatewayError):
        await sim.cancel_payment_intent(intent.id)


async def test_an_intent_awaiting_3d_secure_can_be_canceled(sim: SimulatedGateway) -> None:
    intent = await paid(sim, REQUIRES_AUTHENTICATION)

    canceled = await sim.cancel_payment_intent(intent.id)

    assert canceled.observation.state is IntentState.CANCELED
    with pytest.raises(GatewayError):
        await sim.authenticate(intent.id, intent.client_secret, success=True)


async def test_there_is_no_3d_secure_to_finish_without_the_card_that_asks(
    sim: SimulatedGateway,
) -> None:
    intent = await new_intent(sim)

    with pytest.raises(GatewayError):
        await sim.authenticate(intent.id, intent.client_secret, success=True)


async def test_the_3d_secure_card_asks_the_shopper_in_the_intent(sim: SimulatedGateway) -> None:
    await paid(sim, REQUIRES_AUTHENTICATION)

    [event] = of_type(sim, "payment_intent.requires_action")

    assert event["data"]["object"]["next_action"]["type"] == "use_stripe_sdk"
    assert of_type(sim, "charge.succeeded") == []


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("4000000000000000", "card_declined"),
        ("1234", "card_declined"),
        (EXPIRED_CARD, "expired_card"),
        (INCORRECT_CVC, "incorrect_cvc"),
    ],
    ids=["unknown", "nonsense", "expired", "incorrect-cvc"],
)
async def test_other_numbers_are_declined(sim: SimulatedGateway, number: str, reason: str) -> None:
    intent = await paid(sim, number)

    assert intent.observation.state is IntentState.FAILED
    assert intent.observation.failure_reason == reason


async def test_a_card_number_may_be_written_in_groups(sim: SimulatedGateway) -> None:
    intent = await paid(sim, "4242 4242 4242 4242")

    assert intent.observation.state is IntentState.SUCCEEDED


async def test_a_card_past_its_expiry_is_declined(sim: SimulatedGateway) -> None:
    intent = await new_intent(sim)

    result = await sim.confirm(
        intent.id, intent.client_secret, SUCCEEDS, exp_month=10, exp_year=2026
    )

    assert result.observation.state is IntentState.FAILED
    assert result.observation.failure_reason == "expired_card"


async def test_an_impossible_expiry_month_is_refused(sim: SimulatedGateway) -> None:
    intent = await new_intent(sim)

    with pytest.raises(GatewayError):
        await sim.confirm(intent.id, intent.client_secret, SUCCEEDS, exp_month=13)


def test_card_brands_follow_the_number() -> None:
    assert [card_brand(n) for n in (SUCCEEDS, "5555555555554444", "2223003122003222")] == [
        "visa",
        "mastercard",
        "mastercard",
    ]
    assert card_brand(SUCCEEDS_AMEX) == "amex"
    assert card_brand("6011111111111117") == "unknown"
    assert card_for(DECLINED).decline is not None


async def test_the_saved_card_keeps_the_expiry_given(clock: FakeClock, inbox: Inbox) -> None:
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=inbox.receive)
    account_id = await store_account(sim)
    customer_id = await sim.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await sim.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )

    await sim.confirm(intent.id, intent.client_secret, SUCCEEDS_AMEX, exp_month=4, exp_year=2031)

    [card] = await sim.list_payment_methods(customer_id)
    assert (card.card_brand, card.card_last4) == ("amex", "0005")
    assert (card.card_exp_month, card.card_exp_year) == (4, 2031)


async def test_asking_to_save_a_card_without_a_customer_saves_nothing(
    sim: SimulatedGateway,
) -> None:
    intent = await new_intent(sim, save_payment_method=True)

    await sim.confirm(intent.id, intent.client_secret, SUCCEEDS)

    assert of_type(sim, "payment_method.attached") == []


async def test_an_intent_names_an_existing_customer(sim: SimulatedGateway) -> None:
    with pytest.raises(GatewayError, match="customer"):
        await new_intent(sim, customer_id="cus_nobody")


async def test_an_amount_below_stripes_minimum_is_refused(sim: SimulatedGateway) -> None:
    with pytest.raises(GatewayError):
        await new_intent(sim, amount="0.49", fee="0.00")


async def test_a_fee_in_another_currency_is_refused(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)
    request = intent_request(account_id)

    with pytest.raises(GatewayError):
        await sim.create_payment_intent(replace(request, application_fee=Money.of(250, "USD")))


async def test_a_replayed_intent_answers_as_it_first_did(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)
    first = await sim.create_payment_intent(intent_request(account_id))
    await sim.confirm(first.id, first.client_secret, SUCCEEDS)

    replayed = await sim.create_payment_intent(intent_request(account_id))

    assert replayed == first
    assert replayed.observation.state is IntentState.PENDING
    assert len(of_type(sim, "payment_intent.created")) == 1


async def test_a_key_is_bound_to_one_kind_of_request(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)

    with pytest.raises(GatewayError, match="same parameters"):
        await sim.create_payment_intent(intent_request(account_id, key="account-store_1"))


async def test_retrieve_object_shows_anything_as_stripe_would(sim: SimulatedGateway) -> None:
    intent = await paid(sim)
    charge_id = intent.observation.charge_id or ""

    charge = sim.retrieve_object(charge_id)

    assert {k: charge[k] for k in ("object", "amount", "paid", "status", "payment_intent")} == {
        "object": "charge",
        "amount": 10000,
        "paid": True,
        "status": "succeeded",
        "payment_intent": intent.id,
    }
    assert charge["payment_method_details"]["card"]["last4"] == "4242"
    with pytest.raises(GatewayError):
        sim.retrieve_object("xx_nothing")


# -- accounts ----------------------------------------------------------------------------------


async def test_onboarding_links_lead_to_the_simulators_page(
    sim: SimulatedGateway, clock: FakeClock
) -> None:
    account_id = (await sim.create_account(new_account())).account_id

    link = await sim.create_onboarding_link(
        account_id, refresh_url="https://r.example/refresh", return_url="https://r.example/back"
    )

    assert link.url == f"https://shop.example.com/simulator/onboarding/{account_id}"
    assert link.expires_at == clock.now() + timedelta(minutes=5)
    session = sim.latest_onboarding_link(account_id)
    assert (session.refresh_url, session.return_url) == (
        "https://r.example/refresh",
        "https://r.example/back",
    )
    with pytest.raises(GatewayError):
        sim.latest_onboarding_link("acct_other")
    with pytest.raises(GatewayError):
        await sim.create_onboarding_link(account_id, refresh_url="", return_url="")


async def test_a_new_account_is_an_express_account_with_requirements(sim: SimulatedGateway) -> None:
    account_id = (await sim.create_account(new_account())).account_id

    account = sim.retrieve_object(account_id)

    assert account["type"] == "express"
    assert account["metadata"] == {"store_id": "store_1"}
    assert account["requirements"]["disabled_reason"] == "requirements.past_due"
    assert "external_account" in account["requirements"]["currently_due"]
    assert account["capabilities"] == {"card_payments": "inactive", "transfers": "inactive"}


async def test_an_account_needs_a_country_code(sim: SimulatedGateway) -> None:
    request = new_account()

    with pytest.raises(GatewayError):
        await sim.create_account(replace(request, country="Luxembourg"))


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
    sim: SimulatedGateway, schedule: PayoutSchedule, expected: dict[str, Any]
) -> None:
    account_id = await store_account(sim)

    await sim.set_payout_schedule(account_id, schedule)

    update = of_type(sim, "account.updated")[-1]
    assert update["account"] == account_id
    assert update["data"]["object"]["settings"]["payouts"]["schedule"] == expected
    assert update["data"]["previous_attributes"]["settings"]["payouts"]["schedule"] == {
        "interval": "daily",
        "delay_days": 7,
    }
    assert sim.retrieve_object(account_id)["settings"]["payouts"]["schedule"] == expected


async def test_a_store_that_disconnects_is_gone(sim: SimulatedGateway, inbox: Inbox) -> None:
    account_id = await store_account(sim)

    await sim.deauthorize(account_id)

    delivery = inbox.deliveries[-1]
    event = sim.parse_event(delivery.payload, delivery.signature_header, connect=True)
    assert isinstance(event, AccountDeauthorizedEvent)
    assert event.account_id == account_id
    with pytest.raises(GatewayError):
        await sim.retrieve_account(account_id)
    with pytest.raises(GatewayError):
        await sim.create_payment_intent(intent_request(account_id))


async def test_onboarding_is_reported_with_what_changed(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)

    [update] = of_type(sim, "account.updated")

    assert update["data"]["previous_attributes"] == {
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
    }
    assert update["data"]["object"]["capabilities"]["card_payments"] == "active"
    assert update["account"] == account_id


@pytest.mark.parametrize(("failure_code", "status"), [(None, "paid"), ("account_closed", "failed")])
async def test_payouts_are_reported_to_the_platform(
    sim: SimulatedGateway, inbox: Inbox, failure_code: str | None, status: str
) -> None:
    account_id = await store_account(sim)

    payout_id = await sim.pay_out(account_id, eur("97.50"), failure_code=failure_code)

    delivery = inbox.deliveries[-1]
    event = sim.parse_event(delivery.payload, delivery.signature_header, connect=True)
    assert isinstance(event, PayoutEvent)
    assert (event.payout_id, event.amount, event.status) == (payout_id, eur("97.50"), status)
    assert event.failure_code == failure_code
    assert event.account_id == account_id
    assert [e["type"] for e in sim.sent_events[-2:]] == ["payout.created", f"payout.{status}"]
    with pytest.raises(GatewayError):
        await sim.pay_out(account_id, eur("0.00"))


# -- refunds -----------------------------------------------------------------------------------


async def test_a_refund_keeps_the_fee_given_back_and_pulls_back_the_transfer(
    sim: SimulatedGateway,
) -> None:
    intent = await paid(sim)

    refund = await sim.create_refund(refund_request(intent.id, "40.00", "1.00"))

    record = sim.refund_record(refund.gateway_refund_id)
    assert record.application_fee_refund == eur("1.00")
    assert record.reverse_transfer is True
    assert record.metadata == {"storepay_refund_id": "refund_1"}
    [charge_refunded] = of_type(sim, "charge.refunded")
    assert charge_refunded["data"]["object"]["amount_refunded"] == 4000
    assert charge_refunded["data"]["object"]["refunded"] is False


async def test_the_fee_given_back_is_at_most_the_fee_left(sim: SimulatedGateway) -> None:
    intent = await paid(sim)
    await sim.create_refund(refund_request(intent.id, "50.00", "2.00", refund_id="r1"))

    with pytest.raises(GatewayError):
        await sim.create_refund(refund_request(intent.id, "50.00", "0.51", refund_id="r2"))
    with pytest.raises(GatewayError):
        await sim.create_refund(refund_request(intent.id, "0.10", "0.11", refund_id="r3"))

    last = await sim.create_refund(refund_request(intent.id, "50.00", "0.50", refund_id="r4"))
    assert last.status is RefundStatus.SUCCEEDED


async def test_the_next_refund_can_be_made_to_fail(sim: SimulatedGateway, inbox: Inbox) -> None:
    intent = await paid(sim)
    sim.fail_next_refund("insufficient_funds")

    refund = await sim.create_refund(refund_request(intent.id, "100.00", "2.50"))
    settled = await sim.settle_refunds()

    assert refund.status is RefundStatus.PENDING
    assert settled == 1
    typed = [
        sim.parse_event(d.payload, d.signature_header, connect=d.connect) for d in inbox.deliveries
    ]
    refund_events = [e for e in typed if isinstance(e, RefundEvent)]
    assert [(e.type, e.observation.status) for e in refund_events] == [
        ("refund.created", RefundStatus.PENDING),
        ("refund.updated", RefundStatus.FAILED),
        ("refund.failed", RefundStatus.FAILED),
    ]
    assert refund_events[-1].observation.failure_reason == "insufficient_funds"
    assert refund_events[-1].observation.refund_id == "refund_1"
    again = await sim.create_refund(refund_request(intent.id, "100.00", "2.50", refund_id="r2"))
    assert again.status is RefundStatus.SUCCEEDED


async def test_only_the_next_refund_fails(sim: SimulatedGateway) -> None:
    intent = await paid(sim)
    sim.fail_next_refund()
    await sim.create_refund(refund_request(intent.id, "10.00", "0.25", refund_id="r1"))

    second = await sim.create_refund(refund_request(intent.id, "10.00", "0.25", refund_id="r2"))

    assert second.status is RefundStatus.SUCCEEDED
    assert await sim.settle_refunds() == 1
    assert await sim.settle_refunds() == 0


async def test_the_refund_failing_card_succeeds_first(sim: SimulatedGateway) -> None:
    intent = await paid(sim, REFUND_FAILS)

    refund = await sim.create_refund(refund_request(intent.id, "100.00", "2.50"))
    await sim.settle_refunds()

    assert refund.status is RefundStatus.SUCCEEDED
    failed = of_type(sim, "refund.failed")[0]["data"]["object"]
    assert (failed["status"], failed["failure_reason"]) == ("failed", "expired_or_canceled_card")


async def test_a_succeeded_refund_can_be_returned_by_the_bank(sim: SimulatedGateway) -> None:
    intent = await paid(sim)
    refund = await sim.create_refund(refund_request(intent.id, "30.00", "0.75"))

    await sim.fail_refund(refund.gateway_refund_id, "lost_or_stolen_card")

    assert sim.refund_record(refund.gateway_refund_id).status == "failed"
    [updated] = of_type(sim, "refund.updated")
    assert updated["data"]["previous_attributes"] == {"status": "succeeded"}
    with pytest.raises(GatewayError):
        await sim.fail_refund(refund.gateway_refund_id)
    with pytest.raises(GatewayError):
        await sim.fail_refund("re_nothing")
    with pytest.raises(GatewayError):
        sim.refund_record("re_nothing")


async def test_a_refund_in_another_currency_is_refused(sim: SimulatedGateway) -> None:
    intent = await paid(sim)
    request = refund_request(intent.id, "10.00", "0.25")

    with pytest.raises(GatewayError):
        await sim.create_refund(replace(request, amount=Money.of(1000, "USD")))
    with pytest.raises(GatewayError):
        await sim.create_refund(replace(request, amount=eur("-1.00")))


# -- disputes ----------------------------------------------------------------------------------


async def test_a_dispute_takes_the_funds_and_gives_them_back_when_won(
    sim: SimulatedGateway,
) -> None:
    intent = await paid(sim, DISPUTED)
    dispute_id = sim.dispute_of(intent.id)

    await sim.submit_dispute_evidence(dispute_id)
    await sim.close_dispute(dispute_id, won=True)

    assert [e["type"] for e in sim.sent_events if e["type"].startswith("charge.dispute")] == [
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_reinstated",
    ]
    assert sim.retrieve_object(dispute_id)["status"] == "won"
    assert sim.retrieve_object(intent.observation.charge_id or "")["disputed"] is True
    with pytest.raises(GatewayError):
        await sim.close_dispute(dispute_id, won=False)
    with pytest.raises(GatewayError):
        await sim.submit_dispute_evidence(dispute_id)


async def test_a_refund_is_possible_again_once_the_dispute_is_won(sim: SimulatedGateway) -> None:
    intent = await paid(sim, DISPUTED)
    await sim.close_dispute(sim.dispute_of(intent.id), won=True)

    refund = await sim.create_refund(refund_request(intent.id, "10.00", "0.25"))

    assert refund.status is RefundStatus.SUCCEEDED


async def test_an_inquiry_is_open_until_it_closes_without_a_loss(
    sim: SimulatedGateway, inbox: Inbox
) -> None:
    intent = await paid(sim)

    dispute_id = await sim.open_dispute(
        intent.id, amount=eur("40.00"), reason="product_not_received", inquiry=True
    )
    await sim.submit_dispute_evidence(dispute_id)
    with pytest.raises(GatewayError):
        await sim.close_dispute(dispute_id, won=False)
    await sim.close_dispute(dispute_id, won=True)

    typed = [
        sim.parse_event(d.payload, d.signature_header, connect=d.connect) for d in inbox.deliveries
    ]
    disputes = [e for e in typed if isinstance(e, DisputeEvent)]
    assert [(e.type, e.observation.status) for e in disputes] == [
        ("charge.dispute.created", DisputeStatus.OPEN),
        ("charge.dispute.updated", DisputeStatus.OPEN),
        ("charge.dispute.closed", DisputeStatus.WON),
    ]
    assert {e.observation.amount for e in disputes} == {eur("40.00")}
    assert {e.observation.reason for e in disputes} == {"product_not_received"}
    assert sim.retrieve_object(dispute_id)["status"] == "warning_closed"


async def test_a_dispute_needs_a_paid_charge_and_one_at_a_time(sim: SimulatedGateway) -> None:
    unpaid = await new_intent(sim, key="order_unpaid")
    intent = await paid(sim)

    with pytest.raises(GatewayError):
        await sim.open_dispute(unpaid.id)
    with pytest.raises(GatewayError):
        await sim.open_dispute(intent.id, amount=eur("100.01"))
    await sim.open_dispute(intent.id)
    with pytest.raises(GatewayError):
        await sim.open_dispute(intent.id)
    with pytest.raises(GatewayError):
        sim.dispute_of(unpaid.id)
    with pytest.raises(GatewayError):
        await sim.close_dispute("dp_nothing", won=True)


# -- customers ---------------------------------------------------------------------------------


async def test_a_customers_email_is_matched_whatever_its_case(sim: SimulatedGateway) -> None:
    first = await sim.ensure_customer(email="Shopper@Example.com", store_id="store_1")

    again = await sim.ensure_customer(email="shopper@example.com ", store_id="store_1")

    assert again == first
    assert len(of_type(sim, "customer.created")) == 1
    assert sim.retrieve_object(first)["email"] == "Shopper@Example.com"


async def test_a_detached_card_says_which_customer_it_left(sim: SimulatedGateway) -> None:
    account_id = await store_account(sim)
    customer_id = await sim.ensure_customer(email=EMAIL, store_id="store_1")
    intent = await sim.create_payment_intent(
        intent_request(account_id, customer_id=customer_id, save_payment_method=True)
    )
    await sim.confirm(intent.id, intent.client_secret, SUCCEEDS)
    [card] = await sim.list_payment_methods(customer_id)

    await sim.detach_payment_method(card.payment_method_id)

    [event] = of_type(sim, "payment_method.detached")
    assert event["data"]["object"]["customer"] is None
    assert event["data"]["previous_attributes"] == {"customer": customer_id}


# -- delivery ----------------------------------------------------------------------------------


async def a_story(sim: SimulatedGateway) -> None:
    """A marketplace morning: onboarding, a decline and a retry, 3-D Secure, a refund, a dispute."""
    account_id = await store_account(sim)
    customer_id = await sim.ensure_customer(email=EMAIL, store_id="store_1")
    first = await sim.create_payment_intent(
        intent_request(account_id, key="o1", customer_id=customer_id, save_payment_method=True)
    )
    await sim.confirm(first.id, first.client_secret, DECLINED)
    await sim.confirm(first.id, first.client_secret, SUCCEEDS)
    await sim.create_refund(refund_request(first.id, "20.00", "0.50"))
    second = await sim.create_payment_intent(intent_request(account_id, key="o2"))
    await sim.confirm(second.id, second.client_secret, REQUIRES_AUTHENTICATION)
    await sim.authenticate(second.id, second.client_secret, success=True)
    third = await sim.create_payment_intent(intent_request(account_id, key="o3"))
    await sim.confirm(third.id, third.client_secret, DISPUTED)


async def test_immediate_delivery_sends_each_event_once_in_order(
    sim: SimulatedGateway, inbox: Inbox
) -> None:
    await a_story(sim)

    received = [json.loads(d.payload)["id"] for d in inbox.deliveries]

    assert received == [event["id"] for event in sim.sent_events]
    assert [d.event_id for d in sim.deliveries] == received
    assert len(received) == 19
    assert sim.waiting_deliveries == []


async def test_held_events_wait_for_release(sim: SimulatedGateway, inbox: Inbox) -> None:
    sim.delivery_mode = DeliveryMode.HELD

    await a_story(sim)

    assert inbox.deliveries == []
    assert len(sim.waiting_deliveries) == len(sim.sent_events)
    assert await sim.release() == len(sim.sent_events)
    assert [json.loads(d.payload)["id"] for d in inbox.deliveries] == [
        e["id"] for e in sim.sent_events
    ]
    assert await sim.release() == 0


async def test_released_events_arrive_shuffled_and_twice_each(
    sim: SimulatedGateway, inbox: Inbox
) -> None:
    sim.delivery_mode = "held"
    await a_story(sim)
    emitted = [event["id"] for event in sim.sent_events]

    made = await sim.release(shuffle=random.Random(20261102), duplicate=True)

    received = [json.loads(d.payload)["id"] for d in inbox.deliveries]
    assert made == len(received) == 2 * len(emitted)
    assert Counter(received) == Counter(dict.fromkeys(emitted, 2))
    assert received[: len(emitted)] != emitted
    for delivery in inbox.deliveries:
        sim.parse_event(delivery.payload, delivery.signature_header, connect=delivery.connect)


async def test_released_events_arrive_at_least_once_when_some_are_duplicated(
    sim: SimulatedGateway, inbox: Inbox
) -> None:
    sim.delivery_mode = DeliveryMode.HELD
    await a_story(sim)
    emitted = [event["id"] for event in sim.sent_events]

    await sim.release(shuffle=random.Random(5), duplicate=0.5)

    counts = Counter(json.loads(d.payload)["id"] for d in inbox.deliveries)
    assert set(counts) == set(emitted)
    assert set(counts.values()) == {1, 2}


async def test_released_events_are_signed_when_sent(
    sim: SimulatedGateway, inbox: Inbox, clock: FakeClock
) -> None:
    sim.delivery_mode = DeliveryMode.HELD
    await store_account(sim)
    clock.advance(3600)

    await sim.release()

    [delivery] = inbox.deliveries
    assert delivery.signature_header.startswith(f"t={int(clock.now().timestamp())},v1=")
    event = sim.parse_event(delivery.payload, delivery.signature_header, connect=True)
    assert event.created_at == T0


async def test_a_delivery_the_endpoint_refuses_is_sent_again(clock: FakeClock) -> None:
    received: list[str] = []
    refusals = iter([True, False])

    async def flaky(payload: bytes, signature_header: str, connect: bool) -> None:
        if json.loads(payload)["type"] == "account.updated" and next(refusals, False):
            raise RuntimeError("database down")
        received.append(json.loads(payload)["type"])

    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=flaky)
    await store_account(sim)

    [failure] = sim.failed_deliveries
    assert (failure.type, failure.error) == ("account.updated", "RuntimeError('database down')")
    assert received == []
    assert [d.type for d in sim.waiting_deliveries] == ["account.updated"]
    assert await sim.release() == 1
    assert received == ["account.updated"]
    assert sim.waiting_deliveries == []


async def test_events_caused_by_a_delivery_follow_it(clock: FakeClock) -> None:
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now)
    received: list[str] = []

    async def refund_on_payment(payload: bytes, signature_header: str, connect: bool) -> None:
        event = sim.parse_event(payload, signature_header, connect=connect)
        received.append(event.type)
        if isinstance(event, PaymentIntentEvent) and event.type == "payment_intent.succeeded":
            await sim.create_refund(refund_request(event.payment_intent_id, "5.00", "0.00"))

    sim.connect_delivery(refund_on_payment)
    await paid(sim, DISPUTED)

    assert received == [
        "account.updated",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
        "charge.dispute.created",
        "charge.dispute.funds_withdrawn",
    ]
    assert received == [event["type"] for event in sim.sent_events]


async def test_events_wait_until_someone_listens(clock: FakeClock) -> None:
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now)
    inbox = Inbox()
    await store_account(sim)

    assert [d.type for d in sim.waiting_deliveries] == ["account.updated"]
    with pytest.raises(RuntimeError):
        await sim.release()

    sim.connect_delivery(inbox.receive, mode="immediate")
    await sim.release()

    event = sim.parse_event(
        inbox.deliveries[0].payload, inbox.deliveries[0].signature_header, connect=True
    )
    assert isinstance(event, AccountUpdatedEvent)
    assert sim.delivery_mode is DeliveryMode.IMMEDIATE


async def test_one_secret_serves_both_endpoints_unless_told(clock: FakeClock) -> None:
    inbox = Inbox()
    sim = SimulatedGateway(webhook_secret=WEBHOOK_SECRET, clock=clock.now, deliver=inbox.receive)
    await store_account(sim)

    [delivery] = inbox.deliveries

    assert sim.parse_event(delivery.payload, delivery.signature_header, connect=True)
    assert sim.parse_event(delivery.payload, delivery.signature_header, connect=False)
    assert sim.name == "simulated"
