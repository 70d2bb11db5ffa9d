"""Domain events land in the outbox with the change that recorded them, as a storefront will
read them; a change that is not committed leaves none."""

from __future__ import annotations

import pytest

from application.outbox import EVENT_TYPES, payload_of
from application.ports import OutboxEvent
from application.use_cases.refund_payment import RefundOrder
from domain import events
from domain.account import AccountStatus
from domain.events import DomainEvent, PaymentSucceeded
from domain.money import Money
from domain.payment import PaymentStatus
from domain.store import Store

from .system import DECLINED, SUCCEEDS, T0, DatabaseDown, System, later

pytestmark = pytest.mark.anyio


async def outbox(system: System) -> list[OutboxEvent]:
    async with system.uows() as uow:
        return await uow.outbox.unrelayed(1000)


def of_type(events: list[OutboxEvent], event_type: str) -> list[OutboxEvent]:
    return [event for event in events if event.type == event_type]


def types(events: list[OutboxEvent]) -> list[str]:
    return [event.type for event in events]


async def test_a_paid_payment_leaves_payment_succeeded_with_what_a_storefront_reads(
    system: System, store: Store
) -> None:
    before = len(await outbox(system))
    later(system, minutes=5)

    payment = await system.paid_payment(store, "A-1", 1999)

    added = (await outbox(system))[before:]
    assert types(added) == ["payment.status_changed", "payment.succeeded"]
    changed, succeeded = added
    assert succeeded.store_id == store.id
    assert succeeded.payload == {
        "payment_id": payment.id,
        "order_id": payment.order_id,
        "amount": {"amount": 1999, "currency": "EUR"},
        "platform_fee": {"amount": 50, "currency": "EUR"},
    }
    assert succeeded.occurred_at == payment.paid_at
    assert succeeded.created_at == system.clock.now()
    assert succeeded.relayed_at is None
    assert succeeded.id.startswith("ev_")
    assert changed.payload == {
        "payment_id": payment.id,
        "order_id": payment.order_id,
        "previous_status": "pending",
        "status": "succeeded",
    }
    assert len({event.id for event in await outbox(system)}) == len(await outbox(system))


async def test_a_declined_payment_leaves_payment_failed_with_its_reason(
    system: System, store: Store
) -> None:
    made = await system.checkout(store, await system.order(store, "A-1"))

    await system.pay(made, DECLINED)

    payment = await system.use_cases.get_payment(store.id, made.payment.id)
    (failed,) = of_type(await outbox(system), "payment.failed")
    assert failed.payload == {
        "payment_id": payment.id,
        "order_id": payment.order_id,
        "reason": payment.failure_reason,
    }
    assert payment.failure_reason is not None


async def test_a_refund_leaves_its_request_and_its_outcome(system: System, store: Store) -> None:
    payment = await system.paid_payment(store, "A-1", 1999)

    made = await system.use_cases.refund_payment(RefundOrder(store.id, payment.id, 500))

    events = await outbox(system)
    (requested,) = of_type(events, "refund.requested")
    assert requested.payload == {
        "payment_id": payment.id,
        "refund_id": made.refund.id,
        "amount": {"amount": 500, "currency": "EUR"},
        "platform_fee_refunded": {"amount": 13, "currency": "EUR"},
    }
    (settled,) = of_type(events, "refund.status_changed")
    assert settled.payload["status"] == "succeeded"
    assert of_type(events, "payment.status_changed")[-1].payload["status"] == (
        PaymentStatus.PARTIALLY_REFUNDED.value
    )


async def test_a_store_s_account_changes_are_in_the_outbox(system: System) -> None:
    store = await system.onboarded_store("Kiosk")

    (activated,) = of_type(await outbox(system), "account.status_changed")
    assert store.account is not None
    assert activated.store_id == store.id
    assert activated.payload == {
        "account_id": store.account.account_id,
        "previous_status": AccountStatus.PENDING.value,
        "status": AccountStatus.ACTIVE.value,
    }


async def test_a_replaced_payment_s_cancellation_is_in_the_outbox(held: System) -> None:
    store = await held.onboarded_store("Kiosk")
    order = await held.order(store, "A-1")
    shoppers = await held.checkout(store, order, signed_in=True)

    await held.checkout(store, order)

    (canceled,) = [
        event
        for event in of_type(await outbox(held), "payment.status_changed")
        if event.payload["payment_id"] == shoppers.payment.id
    ]
    assert canceled.payload["status"] == "canceled"


async def test_a_change_whose_commit_fails_leaves_no_event(held: System) -> None:
    store = await held.onboarded_store()
    made = await held.checkout(store, await held.order(store, "A-1"))
    await held.pay(made, SUCCEEDS)
    delivery = held.held_delivery("payment_intent.succeeded")
    before = await outbox(held)
    held.uows.fail_next_commits(1)

    with pytest.raises(DatabaseDown):
        await held.deliver(delivery)

    assert await outbox(held) == before
    await held.deliver(delivery)  # the gateway sends it again
    await held.deliver(delivery)  # and once more: a duplicate records nothing
    assert len(of_type(await outbox(held), "payment.succeeded")) == 1


def test_every_domain_event_has_a_type_name_of_its_own() -> None:
    classes = {
        value
        for value in vars(events).values()
        if isinstance(value, type) and issubclass(value, DomainEvent) and value is not DomainEvent
    }

    assert set(EVENT_TYPES) == classes
    assert len(set(EVENT_TYPES.values())) == len(classes)


def test_a_payload_holds_money_as_minor_units_with_the_currency_and_no_float() -> None:
    event = PaymentSucceeded(
        occurred_at=T0,
        store_id="store_1",
        payment_id="pay_1",
        order_id="ord_1",
        amount=Money.of(1500, "KWD"),  # 1.500 KD
        platform_fee=Money.of(38, "KWD"),
    )

    assert payload_of(event) == {
        "payment_id": "pay_1",
        "order_id": "ord_1",
        "amount": {"amount": 1500, "currency": "KWD"},
        "platform_fee": {"amount": 38, "currency": "KWD"},
    }
