"""The Stripe emulator on its own (localstripe behind the Connect-teaching proxy), driven with the
Stripe SDK the way storepay's adapter drives Stripe: what it answers, what it keeps, and the
signed events it sends. ``test_stripe_emulator.py`` runs storepay itself against it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import stripe
from stripe_emulator import (
    EmulatorServer,
    LocalStripe,
    StripeEmulator,
    WebhookEndpoint,
)
from stripe_emulator.receiver import WebhookReceiver

pytestmark = [
    pytest.mark.anyio,
    # stripe 16.1's HTTPXClient posts its form body as ``httpx.AsyncClient.request(data=bytes)``,
    # which httpx 0.28 deprecates; neither is ours to change, and nothing else is filtered.
    pytest.mark.filterwarnings(
        r"ignore:Use 'content=<\.\.\.>' to upload raw bytes/text content\.:DeprecationWarning"
    ),
]

SECRET_KEY = "sk_test_emulator_harness"
PUBLISHABLE_KEY = "pk_test_emulator_harness"
PLATFORM_SECRET = "whsec_harness_platform"
CONNECT_SECRET = "whsec_harness_connect"
RAW_SECRET = "whsec_harness_localstripe_as_is"


@dataclass(frozen=True, slots=True)
class Harness:
    localstripe: LocalStripe
    emulator: StripeEmulator
    url: str
    receiver: WebhookReceiver


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with LocalStripe(log) as localstripe, WebhookReceiver() as receiver:
        emulator = StripeEmulator(localstripe.url)
        with EmulatorServer(emulator) as server:
            emulator.platform_endpoint = WebhookEndpoint(
                f"{receiver.url}/platform", PLATFORM_SECRET
            )
            emulator.connect_endpoint = WebhookEndpoint(f"{receiver.url}/connect", CONNECT_SECRET)
            localstripe.register_webhook("emulator", emulator.relay_url, emulator.relay_secret)
            localstripe.register_webhook("as-is", f"{receiver.url}/raw", RAW_SECRET)
            yield Harness(localstripe, emulator, server.url, receiver)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(harness: Harness, anyio_backend: str) -> AsyncIterator[stripe.StripeClient]:
    http = stripe.HTTPXClient()
    yield stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": harness.url, "connect": harness.url},
        http_client=http,
    )
    await http.close_async()


async def express_account(client: stripe.StripeClient, *, onboarded: bool = True) -> str:
    account = await client.v1.accounts.create_async(
        {
            "type": "express",
            "country": "LU",
            "email": "owner@bakery.example",
            "business_profile": {"name": "Bakery"},
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"store_id": "st_1"},
        }
    )
    return account.id


async def onboarded_account(client: stripe.StripeClient, harness: Harness) -> str:
    account_id = await express_account(client)
    await harness.emulator.complete_onboarding(account_id)
    return account_id


async def destination_intent(
    client: stripe.StripeClient, account_id: str, *, amount: int = 5000, fee: int = 125
) -> stripe.PaymentIntent:
    return await client.v1.payment_intents.create_async(
        {
            "amount": amount,
            "currency": "eur",
            "application_fee_amount": fee,
            "transfer_data": {"destination": account_id},
            "receipt_email": "shopper@example.com",
            "metadata": {"order_id": "ord_1"},
            "payment_method_types": ["card"],
        },
        {"idempotency_key": f"intent-{account_id}-{amount}"},
    )


async def confirm_as_stripe_js(
    harness: Harness, intent: stripe.PaymentIntent, **card: str
) -> httpx.Response:
    """What Stripe.js posts from the shopper's browser: the publishable key and the intent's
    client secret, no secret key; a card typed in, or a payment method id."""
    form: list[tuple[str, str]] = [
        ("key", PUBLISHABLE_KEY),
        ("client_secret", str(intent.client_secret)),
        ("return_url", "https://shop.example/complete"),
    ]
    if "number" in card:
        form += [
            ("payment_method_data[type]", "card"),
            ("payment_method_data[card][number]", card["number"]),
            ("payment_method_data[card][exp_month]", "12"),
            ("payment_method_data[card][exp_year]", "2034"),
            ("payment_method_data[card][cvc]", "123"),
        ]
    else:
        form.append(("payment_method", card.get("payment_method", "pm_card_visa")))
    async with httpx.AsyncClient(base_url=harness.url, timeout=30) as browser:
        return await browser.post(f"/v1/payment_intents/{intent.id}/confirm", data=dict(form))


async def test_an_express_account_is_created_with_its_capabilities_requested(
    client: stripe.StripeClient,
) -> None:
    account_id = await express_account(client)

    account = await client.v1.accounts.retrieve_async(account_id)

    assert account.type == "express"
    assert account.charges_enabled is False
    assert account.details_submitted is False
    assert account.capabilities is not None
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    assert account.requirements is not None
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.metadata is not None
    assert account.metadata.to_dict() == {"store_id": "st_1"}


async def test_an_unknown_account_is_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.accounts.retrieve_async("acct_nobody")
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"


async def test_completed_onboarding_sends_a_signed_account_updated_to_the_connect_endpoint(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await express_account(client)

    delivery = await harness.emulator.complete_onboarding(account_id)

    assert delivery is not None
    assert delivery.status == 200
    received = next(
        item
        for item in harness.receiver.received
        if item.path == "/connect" and item.event["id"] == delivery.event_id
    )
    event = client.construct_event(received.body, received.signature, CONNECT_SECRET)
    assert event.type == "account.updated"
    assert event.account == account_id
    assert event.data.object["charges_enabled"] is True
    assert event.data.object["capabilities"]["transfers"] == "active"
    assert event.data.previous_attributes is not None
    assert event.data.previous_attributes["charges_enabled"] is False


async def test_the_payout_schedule_is_kept_on_the_account(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)

    account = await client.v1.accounts.update_async(
        account_id,
        {"settings": {"payouts": {"schedule": {"interval": "weekly", "weekly_anchor": "friday"}}}},
    )

    assert account.settings is not None
    assert account.settings.payouts is not None
    schedule = account.settings.payouts.schedule.to_dict()
    assert schedule == {"delay_days": 7, "interval": "weekly", "weekly_anchor": "friday"}
    again = await client.v1.accounts.retrieve_async(account_id)
    assert again.settings is not None
    assert again.settings.payouts is not None
    assert again.settings.payouts.schedule.interval == "weekly"
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.accounts.update_async(
            account_id, {"settings": {"payouts": {"schedule": {"interval": "hourly"}}}}
        )


async def test_an_account_link_opens_once_and_its_completion_returns_to_the_platform(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await express_account(client)
    link = await client.v1.account_links.create_async(
        {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": "https://platform.example/refresh",
            "return_url": "https://platform.example/return",
        }
    )
    assert link.expires_at > link.created

    async with httpx.AsyncClient(timeout=10) as browser:
        page = await browser.get(link.url)
        assert page.status_code == 200
        stale = await browser.get(link.url)
        assert stale.status_code == 302
        assert stale.headers["location"] == "https://platform.example/refresh"
        submitted = await browser.post(f"{link.url}/complete")
        assert submitted.status_code == 303
        assert submitted.headers["location"] == "https://platform.example/return"
    account = await client.v1.accounts.retrieve_async(account_id)
    assert account.charges_enabled is True
    assert harness.emulator.delivered("account.updated")[-1].status == 200


async def test_a_destination_charge_round_trips_and_localstripe_keeps_the_payment(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)

    intent = await destination_intent(client, account_id)

    assert intent.amount == 5000
    assert intent.application_fee_amount == 125
    assert intent.transfer_data is not None
    assert intent.transfer_data.destination == account_id
    assert intent.receipt_email == "shopper@example.com"
    assert intent.status == "requires_payment_method"
    assert intent.latest_charge is None
    at_localstripe = harness.localstripe.get(f"/v1/payment_intents/{intent.id}")
    assert (at_localstripe["amount"], at_localstripe["currency"]) == (5000, "eur")
    assert "application_fee_amount" not in at_localstripe
    again = await client.v1.payment_intents.retrieve_async(intent.id)
    assert again.application_fee_amount == 125
    assert again.transfer_data is not None
    assert again.transfer_data.destination == account_id
    seen = harness.emulator.seen("POST", "/v1/payment_intents")[-1]
    assert seen.params["application_fee_amount"] == "125"
    assert seen.params["transfer_data"] == {"destination": account_id}
    assert seen.idempotency_key == f"intent-{account_id}-5000"


async def test_a_destination_charge_needs_an_account_that_takes_transfers(
    client: stripe.StripeClient,
) -> None:
    not_onboarded = await express_account(client)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        await destination_intent(client, not_onboarded)
    assert refused.value.code == "insufficient_capabilities_for_transfer"
    with pytest.raises(stripe.InvalidRequestError):
        await destination_intent(client, "acct_nobody")


async def test_an_application_fee_needs_a_destination(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await client.v1.payment_intents.create_async(
            {"amount": 1000, "currency": "eur", "application_fee_amount": 10}
        )
    assert refused.value.param == "application_fee_amount"


async def test_an_idempotency_key_replays_the_first_answer_and_refuses_other_parameters(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)

    first = await destination_intent(client, account_id, amount=3000)
    replayed = await destination_intent(client, account_id, amount=3000)

    assert replayed.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        await client.v1.payment_intents.create_async(
            {"amount": 3001, "currency": "eur"},
            {"idempotency_key": f"intent-{account_id}-3000"},
        )


async def test_the_shopper_pays_with_a_test_card_and_localstripe_announces_it(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)
    intent = await destination_intent(client, account_id, amount=4200)

    answer = await confirm_as_stripe_js(harness, intent, payment_method="pm_card_visa")

    assert answer.status_code == 200, answer.text
    paid = answer.json()
    assert paid["status"] == "succeeded"
    assert paid["amount_received"] == 4200
    assert isinstance(paid["latest_charge"], str)
    charge = await client.v1.charges.retrieve_async(paid["latest_charge"])
    assert charge.application_fee_amount == 125
    assert charge.transfer_data is not None
    assert charge.transfer_data.destination == account_id
    assert charge.application_fee is not None
    assert charge.transfer is not None
    received = harness.receiver.wait_for("payment_intent.succeeded", intent.id, path="/platform")
    event = client.construct_event(received.body, received.signature, PLATFORM_SECRET)
    announced = received.event["data"]["object"]
    assert announced["id"] == intent.id
    assert announced["latest_charge"] == paid["latest_charge"]
    assert announced["application_fee_amount"] == 125
    assert announced["transfer_data"] == {"destination": account_id}
    assert "charges" not in announced
    assert event.api_version == stripe.api_version


async def test_a_declining_test_card_fails_the_attempt_with_its_decline_code(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)
    intent = await destination_intent(client, account_id, amount=2500)

    declined = await confirm_as_stripe_js(harness, intent, number="4000000000000002")

    assert declined.status_code == 402
    error = declined.json()["error"]
    assert (error["type"], error["code"]) == ("card_error", "card_declined")
    assert error["decline_code"] == "generic_decline"
    assert error["payment_intent"]["status"] == "requires_payment_method"
    after = await client.v1.payment_intents.retrieve_async(intent.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error is not None
    assert after.last_payment_error.code == "card_declined"
    assert after.last_payment_error.decline_code == "generic_decline"
    received = harness.receiver.wait_for(
        "payment_intent.payment_failed", intent.id, path="/platform"
    )
    failed = client.construct_event(received.body, received.signature, PLATFORM_SECRET)
    assert failed.data.object["last_payment_error"]["decline_code"] == "generic_decline"


async def test_refunds_give_back_the_fee_and_reverse_the_transfer_in_proportion(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)
    intent = await destination_intent(client, account_id, amount=5000, fee=125)
    paid = await confirm_as_stripe_js(harness, intent, number="4242424242424242")
    assert paid.json()["status"] == "succeeded"

    refund = await client.v1.refunds.create_async(
        {
            "payment_intent": intent.id,
            "amount": 1000,
            "reason": "requested_by_customer",
            "refund_application_fee": True,
            "reverse_transfer": True,
            "metadata": {"storepay_refund_id": "rf_1"},
        },
        {"idempotency_key": f"refund-{intent.id}-1"},
    )

    assert refund.status == "succeeded"
    assert refund.amount == 1000
    assert refund.payment_intent == intent.id
    assert refund.reason == "requested_by_customer"
    assert refund.transfer_reversal is not None
    assert refund.metadata is not None
    assert refund.metadata.to_dict() == {"storepay_refund_id": "rf_1"}
    kept = harness.emulator.refunds[refund.id]
    assert (kept.application_fee_refunded, kept.transfer_reversed) == (25, 975)
    received = harness.receiver.wait_for("refund.created", refund.id, path="/platform")
    assert client.construct_event(received.body, received.signature, PLATFORM_SECRET)
    refunded = harness.receiver.wait_for("charge.refunded", kept.charge, path="/platform")
    assert refunded.event["data"]["object"]["amount_refunded"] == 1000

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 4001})
    assert too_much.value.param == "amount"
    rest = await client.v1.refunds.create_async(
        {"payment_intent": intent.id, "refund_application_fee": True, "reverse_transfer": True}
    )
    assert rest.amount == 4000
    last = harness.emulator.refunds[rest.id]
    assert (last.application_fee_refunded, last.transfer_reversed) == (100, 3900)
    with pytest.raises(stripe.InvalidRequestError) as nothing_left:
        await client.v1.refunds.create_async({"payment_intent": intent.id})
    assert nothing_left.value.code == "charge_already_refunded"


async def test_a_card_saved_with_a_payment_is_listed_on_its_customer(
    client: stripe.StripeClient, harness: Harness
) -> None:
    account_id = await onboarded_account(client, harness)
    customer = await client.v1.customers.create_async(
        {"email": "saver@example.com", "metadata": {"store_id": "st_1"}}
    )
    intent = await client.v1.payment_intents.create_async(
        {
            "amount": 1500,
            "currency": "eur",
            "customer": customer.id,
            "setup_future_usage": "off_session",
            "application_fee_amount": 40,
            "transfer_data": {"destination": account_id},
        }
    )
    assert intent.setup_future_usage == "off_session"

    paid = await confirm_as_stripe_js(harness, intent, number="5555555555554444")
    assert paid.json()["status"] == "succeeded"

    methods = await client.v1.customers.payment_methods.list_async(customer.id)
    assert [method.card.last4 for method in methods.data if method.card] == ["4444"]


async def test_the_relay_gives_localstripes_events_the_shape_of_todays_api(
    client: stripe.StripeClient, harness: Harness
) -> None:
    """Why localstripe's events reach an endpoint through the proxy: as localstripe sends them,
    they name a 2017 API version, carry the charge expanded and the old ``charges`` list, and know
    nothing of the destination; and localstripe never sends an event twice."""
    account_id = await onboarded_account(client, harness)
    intent = await destination_intent(client, account_id, amount=1200)
    paid = await confirm_as_stripe_js(harness, intent, payment_method="pm_card_visa")
    assert paid.status_code == 200, paid.text

    as_is = harness.receiver.wait_for("payment_intent.succeeded", intent.id, path="/raw")
    relayed = harness.receiver.wait_for("payment_intent.succeeded", intent.id, path="/platform")

    assert client.construct_event(as_is.body, as_is.signature, RAW_SECRET)
    raw = as_is.event
    assert raw["api_version"] == "2017-08-15"
    assert isinstance(raw["data"]["object"]["latest_charge"], dict)
    assert "charges" in raw["data"]["object"]
    assert "transfer_data" not in raw["data"]["object"]
    shaped = relayed.event
    assert shaped["id"] == raw["id"]
    assert shaped["created"] == raw["created"]
    assert shaped["data"]["object"]["latest_charge"] == raw["data"]["object"]["latest_charge"]["id"]
    assert shaped["data"]["object"]["transfer_data"] == {"destination": account_id}


async def test_the_relay_refuses_what_localstripe_did_not_sign(harness: Harness) -> None:
    async with httpx.AsyncClient(base_url=harness.url, timeout=10) as outsider:
        forged = await outsider.post(
            "/_emulator/localstripe-events",
            content=b'{"object": "event"}',
            headers={"Stripe-Signature": "t=1,v1=00"},
        )
    assert forged.status_code == 400


async def test_stripe_answers_no_request_without_a_secret_key(harness: Harness) -> None:
    async with httpx.AsyncClient(base_url=harness.url, timeout=10) as anonymous:
        answer = await anonymous.post("/v1/accounts", data={"type": "express"})
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"
