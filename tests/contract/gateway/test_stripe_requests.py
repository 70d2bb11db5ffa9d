"""What the Stripe adapter sends Stripe (checked line by line against the table of what it may
send), its idempotency keys, and how it lives with retries and replays, on the Stripe emulator."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
import stripe

from adapters.stripe_emulator import API_BASE, SECRET_KEY
from adapters.stripe_emulator.api import ROUTES
from application.gateway import GatewayError, GatewayUnavailable, IntentRequest
from domain.money import Money
from domain.payout import PayoutInterval, PayoutSchedule, Weekday
from domain.refund import RefundReason

from .builders import (
    EMAIL,
    intent_request,
    new_account,
    onboarded_account,
    paid_intent,
    refund_request,
)
from .checked_wire import CheckedWire, Interruption, Sent
from .conftest import Emulated, FakeClock, on_the_emulator
from .drivers import EmulatorDriver
from .expected_requests import EXPECTATIONS

pytestmark = pytest.mark.anyio


@pytest.fixture
async def parts(clock: FakeClock, anyio_backend: str) -> Emulated:
    return on_the_emulator(clock)


@pytest.fixture
def driver(parts: Emulated) -> EmulatorDriver:
    return parts.driver


def sent(parts: Emulated, operation: str) -> list[Sent]:
    return [request for request in parts.checked_wire.sent if request.operation == operation]


async def test_an_account_is_an_express_account_for_the_store(parts: Emulated) -> None:
    await parts.gateway.create_account(new_account("store_9", key="storepay:store:store_9:account"))

    [request] = sent(parts, "create an Express account")
    assert request.idempotency_key == "storepay:store:store_9:account"
    assert request.fields == {
        "controller[stripe_dashboard][type]": "express",
        "controller[requirement_collection]": "stripe",
        "controller[fees][payer]": "application",
        "controller[losses][payments]": "application",
        "country": "LU",
        "email": "owner@store_9.example.com",
        "business_profile[name]": "Atelier Lumen",
        "capabilities[card_payments][requested]": "true",
        "capabilities[transfers][requested]": "true",
        "metadata[storepay_store_id]": "store_9",
    }


async def test_every_onboarding_link_is_minted_afresh(parts: Emulated) -> None:
    account_id = (await parts.gateway.create_account(new_account())).account_id
    refresh = "https://storepay.example/onboarding/store_1/refresh?token=t"
    back = "https://storepay.example/onboarding/store_1/return?token=t"

    for _ in range(2):
        await parts.gateway.create_onboarding_link(account_id, refresh_url=refresh, return_url=back)

    first, second = sent(parts, "create an onboarding link")
    assert first.fields == {
        "account": account_id,
        "refresh_url": refresh,
        "return_url": back,
        "type": "account_onboarding",
    }
    assert first.idempotency_key != second.idempotency_key
    assert not second.replayed


@pytest.mark.parametrize(
    ("schedule", "fields"),
    [
        (PayoutSchedule(PayoutInterval.DAILY), {"interval": "daily"}),
        (
            PayoutSchedule(PayoutInterval.WEEKLY, weekly_anchor=Weekday.FRIDAY),
            {"interval": "weekly", "weekly_anchor": "friday"},
        ),
        (
            PayoutSchedule(PayoutInterval.MONTHLY, monthly_anchor=31),
            {"interval": "monthly", "monthly_anchor": "31"},
        ),
        (PayoutSchedule(PayoutInterval.MANUAL), {"interval": "manual"}),
    ],
    ids=["daily", "weekly", "monthly", "manual"],
)
async def test_a_payout_schedule_is_set_on_the_account(
    parts: Emulated, schedule: PayoutSchedule, fields: dict[str, str]
) -> None:
    account_id = (await parts.gateway.create_account(new_account())).account_id

    await parts.gateway.set_payout_schedule(account_id, schedule)

    [request] = sent(parts, "set an account's payout schedule")
    assert request.path == f"/v1/accounts/{account_id}"
    assert request.fields == {
        f"settings[payouts][schedule][{name}]": value for name, value in fields.items()
    }


async def test_a_schedule_set_back_within_a_day_is_set_again(parts: Emulated) -> None:
    account_id = (await parts.gateway.create_account(new_account())).account_id
    weekly = PayoutSchedule(PayoutInterval.WEEKLY, weekly_anchor=Weekday.FRIDAY)

    for schedule in (weekly, PayoutSchedule(PayoutInterval.DAILY), weekly):
        await parts.gateway.set_payout_schedule(account_id, schedule)

    account = parts.emulator.retrieve_object(account_id)
    assert account["settings"]["payouts"]["schedule"]["interval"] == "weekly"
    assert not any(request.replayed for request in parts.checked_wire.sent)


async def test_a_destination_charge_carries_the_fee_the_store_and_the_order(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    customer_id = await parts.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    metadata = {
        "gift": "yes",
        "storepay_store_id": "store_1",
        "storepay_order_id": "order_1",
        "storepay_order_reference": "A-1001",
    }

    await parts.gateway.create_payment_intent(
        intent_request(
            account_id,
            amount="100.00",
            fee="2.50",
            key="storepay:order:order_1:attempt:1",
            customer_id=customer_id,
            save_payment_method=True,
            metadata=metadata,
        )
    )

    [request] = sent(parts, "create a destination charge")
    assert request.idempotency_key == "storepay:order:order_1:attempt:1"
    assert request.fields == {
        "amount": "10000",
        "currency": "eur",
        "application_fee_amount": "250",
        "transfer_data[destination]": account_id,
        "automatic_payment_methods[enabled]": "true",
        "receipt_email": EMAIL,
        "customer": customer_id,
        "setup_future_usage": "off_session",
        "description": "Order A-1001",
        **{f"metadata[{name}]": value for name, value in metadata.items()},
    }


async def test_a_charge_in_a_zero_decimal_currency_is_sent_as_is(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    jpy = Money.of(5000, "JPY")

    intent = await parts.gateway.create_payment_intent(
        IntentRequest(
            amount=jpy,
            application_fee=Money.of(125, "JPY"),
            destination_account=account_id,
            idempotency_key="order_jpy",
            receipt_email=EMAIL,
        )
    )

    [sent_request] = sent(parts, "create a destination charge")
    assert (sent_request.fields["amount"], sent_request.fields["currency"]) == ("5000", "jpy")
    assert sent_request.fields["application_fee_amount"] == "125"
    assert intent.amount == jpy


async def test_a_fee_in_another_currency_is_refused_before_asking_stripe(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)

    with pytest.raises(GatewayError, match="currency"):
        await parts.gateway.create_payment_intent(
            IntentRequest(
                amount=Money.of(10000, "EUR"),
                application_fee=Money.of(250, "USD"),
                destination_account=account_id,
                idempotency_key="order_usd_fee",
                receipt_email=EMAIL,
            )
        )
    assert sent(parts, "create a destination charge") == []


async def test_an_intent_is_read_with_its_charge_expanded(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)

    intent = await paid_intent(parts.gateway, driver, account_id)

    [request] = sent(parts, "retrieve a payment intent with its charge")
    assert request.fields == {"expand[0]": "latest_charge"}
    assert request.idempotency_key is None
    assert intent.observation.charge_id is not None


async def test_a_refund_reverses_the_transfer_and_refunds_the_fee_in_proportion(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    intent = await paid_intent(parts.gateway, driver, account_id)

    await parts.gateway.create_refund(
        refund_request(intent.id, "30.00", "0.75", refund_id="r1", reason=RefundReason.DUPLICATE)
    )
    await parts.gateway.create_refund(refund_request(intent.id, "70.00", "1.75", refund_id="r2"))

    first, second = sent(parts, "refund a destination charge")
    assert first.idempotency_key == "refund-r1"
    assert first.fields == {
        "payment_intent": intent.id,
        "amount": "3000",
        "refund_application_fee": "true",
        "reverse_transfer": "true",
        "reason": "duplicate",
        "metadata[storepay_refund_id]": "r1",
    }
    assert "reason" not in second.fields
    fee_refunds = [
        refund.application_fee_refund.minor_units
        for refund in map(parts.emulator.refund_record, _refund_ids(parts))
    ]
    assert fee_refunds == [75, 175]


def _refund_ids(parts: Emulated) -> list[str]:
    return [
        event["data"]["object"]["id"]
        for event in parts.emulator.sent_events
        if event["type"] == "refund.created"
    ]


async def test_a_cancellation_key_names_the_intent(parts: Emulated, driver: EmulatorDriver) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    intent = await parts.gateway.create_payment_intent(intent_request(account_id))

    await parts.gateway.cancel_payment_intent(intent.id)

    [request] = sent(parts, "cancel a payment intent")
    assert request.idempotency_key == f"storepay:payment-intent:{intent.id}:cancel"
    assert request.fields == {}


async def test_a_known_customer_is_found_not_created_again(parts: Emulated) -> None:
    first = await parts.gateway.ensure_customer(email=EMAIL, store_id="store_1")
    again = await parts.gateway.ensure_customer(email=f"  {EMAIL} ", store_id="store_1")

    assert again == first
    [created] = sent(parts, "create a store's customer")
    assert created.fields == {"email": EMAIL, "metadata[storepay_store_id]": "store_1"}
    assert len(sent(parts, "find a shopper's customers")) == 2


async def test_concurrent_first_checkouts_make_one_customer(parts: Emulated) -> None:
    # Both look before either creates, find nothing, and create with the same derived key.
    async def ensure() -> str:
        return await parts.gateway.ensure_customer(email=EMAIL, store_id="store_1")

    first, second = await asyncio.gather(ensure(), ensure())

    assert first == second
    looked = [r.operation for r in parts.checked_wire.sent][:2]
    assert looked == ["find a shopper's customers"] * 2
    created = sent(parts, "create a store's customer")
    assert [request.replayed for request in created] == [False, True]


async def test_a_replayed_request_answers_what_stripe_answered_first(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)

    first = await parts.gateway.create_payment_intent(intent_request(account_id))
    again = await parts.gateway.create_payment_intent(intent_request(account_id))

    assert again.id == first.id
    assert [r.replayed for r in sent(parts, "create a destination charge")] == [False, True]


# -- failures, retries and their keys ----------------------------------------------------------


async def test_a_server_error_is_retried_with_the_same_key(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    parts.checked_wire.interrupt(Interruption(status=500))

    intent = await parts.gateway.create_payment_intent(intent_request(account_id))

    created = sent(parts, "create a destination charge")
    assert [request.status for request in created] == [200]
    assert created[0].idempotency_key == "order_1-attempt_1"
    assert len(parts.checked_wire.slept) == 1
    assert (await parts.gateway.retrieve_payment_intent(intent.id)).id == intent.id


async def test_an_answer_lost_on_the_way_back_is_replayed_not_made_twice(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    parts.checked_wire.interrupt(Interruption(after_processing=True))

    intent = await parts.gateway.create_payment_intent(intent_request(account_id))

    first, retried = sent(parts, "create a destination charge")
    assert retried.replayed is True
    assert first.idempotency_key == retried.idempotency_key
    created = [e for e in parts.emulator.sent_events if e["type"] == "payment_intent.created"]
    assert [event["data"]["object"]["id"] for event in created] == [intent.id]


@pytest.mark.parametrize(
    "interruption",
    [Interruption(status=500), Interruption(status=503), Interruption()],
    ids=["500", "503", "connection"],
)
async def test_when_stripe_stays_down_the_gateway_is_unavailable(
    parts: Emulated, driver: EmulatorDriver, interruption: Interruption
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    before = parts.checked_wire.attempts
    parts.checked_wire.interrupt(interruption, interruption, interruption)

    with pytest.raises(GatewayUnavailable) as raised:
        await parts.gateway.create_payment_intent(intent_request(account_id))

    assert parts.checked_wire.attempts - before == 3  # the first try and two retries
    assert SECRET_KEY not in str(raised.value)


async def test_a_rate_limit_is_not_retried_but_reported_unavailable(
    parts: Emulated, driver: EmulatorDriver
) -> None:
    account_id = await onboarded_account(parts.gateway, driver)
    before = parts.checked_wire.attempts
    parts.checked_wire.interrupt(Interruption(status=429))

    with pytest.raises(GatewayUnavailable, match="rate"):
        await parts.gateway.retrieve_account(account_id)

    assert parts.checked_wire.attempts - before == 1


async def test_without_retries_one_failure_is_final(clock: FakeClock, anyio_backend: str) -> None:
    parts = on_the_emulator(clock, max_network_retries=0)
    parts.checked_wire.interrupt(Interruption(status=500))

    with pytest.raises(GatewayUnavailable):
        await parts.gateway.create_account(new_account())

    assert parts.checked_wire.attempts == 1


async def test_a_refusal_says_why_and_is_not_retried(parts: Emulated) -> None:
    with pytest.raises(GatewayError) as raised:
        await parts.gateway.retrieve_payment_intent("pi_doesnotexist0000000000")

    assert not isinstance(raised.value, GatewayUnavailable)
    assert "resource_missing" in raised.value.message
    assert "pi_doesnotexist0000000000" in raised.value.message
    assert parts.checked_wire.attempts == 1


# -- the checked wire itself -------------------------------------------------------------------


def a_client(wire: CheckedWire) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": API_BASE}, http_client=wire)


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (
            lambda c: c.v1.refunds.create_async(
                {"payment_intent": "pi_1", "amount": 100, "refund_application_fee": True},
                {"idempotency_key": "k"},
            ),
            "missing",
        ),
        (
            lambda c: c.v1.refunds.create_async(
                {
                    "payment_intent": "pi_1",
                    "amount": 100,
                    "refund_application_fee": True,
                    "reverse_transfer": True,
                    "instructions_email": "x@example.com",
                },
                {"idempotency_key": "k"},
            ),
            "unexpected field",
        ),
        (
            lambda c: c.v1.payment_intents.cancel_async("pi_1", options={"idempotency_key": "k"}),
            "is not",
        ),
        (
            lambda c: c.v1.accounts.retrieve_async("acct_1", options={"stripe_account": "acct_1"}),
            "Stripe-Account",
        ),
        (lambda c: c.v1.balance.retrieve_async(), "unexpected request"),
    ],
    ids=["missing-field", "extra-field", "wrong-derived-key", "stripe-account", "off-the-table"],
)
async def test_the_wire_refuses_a_request_off_its_table(
    parts: Emulated, call: Any, complaint: str
) -> None:
    with pytest.raises(AssertionError, match=complaint):
        await call(a_client(parts.checked_wire))

    assert parts.checked_wire.sent == []


async def test_the_emulator_refuses_a_synchronous_call(parts: Emulated) -> None:
    with pytest.raises(RuntimeError, match="asynchronous"):
        a_client(parts.checked_wire).v1.accounts.retrieve("acct_1")


def test_every_request_on_the_table_is_one_the_emulator_answers() -> None:
    for expectation in EXPECTATIONS:
        path = re.sub(r"\(\?P<\w+>[^()]*\)", "x_1", expectation.path)
        answering = [
            r for r in ROUTES if r.method == expectation.method and r.pattern.fullmatch(path)
        ]
        assert len(answering) == 1, expectation.name


async def test_links_expire_by_the_emulators_clock(parts: Emulated, clock: FakeClock) -> None:
    account_id = (await parts.gateway.create_account(new_account())).account_id

    link = await parts.gateway.create_onboarding_link(
        account_id, refresh_url="https://s.example/r", return_url="https://s.example/b"
    )

    assert clock.now() < link.expires_at <= clock.now() + timedelta(hours=1)
