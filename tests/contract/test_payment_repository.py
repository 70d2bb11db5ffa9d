"""The PaymentRepository contract: storage, lookups, pages and the reconciler's query."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory
from domain.dispute import DisputeObservation, DisputeStatus
from domain.payment import IntentObservation, IntentState, Payment, PaymentStatus
from domain.refund import RefundObservation, RefundReason, RefundStatus

from .builders import (
    a_payment,
    a_refunded_and_disputed_payment,
    a_store,
    an_order,
    at,
    given,
    in_status,
    money,
    settled,
    state,
    with_their_orders,
)

pytestmark = pytest.mark.anyio


def ids(payments: list[Payment]) -> list[str]:
    return [payment.id for payment in payments]


async def test_a_new_payment_comes_back_as_it_was_added(uow_factory: UnitOfWorkFactory) -> None:
    payment = a_payment(total="1.500", currency="KWD")
    await given(uow_factory, a_store(), an_order(total="1.500", currency="KWD"), payment)

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert loaded is not None
    assert state(loaded) == state(payment)
    assert loaded.status is PaymentStatus.PENDING
    assert loaded.amount_total == money("1.500", "KWD")
    assert loaded.amount_platform_fee == money("0.040", "KWD")
    assert loaded.amount_store == money("1.460", "KWD")
    assert loaded.payment_intent_id is None
    assert loaded.latest_intent is None
    assert (loaded.refunds, loaded.disputes) == ([], [])


async def test_refunds_and_disputes_survive_a_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    payment = a_refunded_and_disputed_payment()
    await given(uow_factory, a_store(), an_order(), payment)

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert loaded is not None
    assert state(loaded) == state(payment)
    assert loaded.status is PaymentStatus.DISPUTED
    assert loaded.charge_id == "ch_1"
    assert loaded.paid_at == at(1)
    assert loaded.latest_intent is not None
    assert loaded.latest_intent.state is IntentState.SUCCEEDED
    assert [(r.id, r.amount, r.status) for r in loaded.refunds] == [
        ("re_ours", money("10.00"), RefundStatus.SUCCEEDED),
        ("gre_dashboard", money("5.00"), RefundStatus.SUCCEEDED),
        ("re_failed", money("7.00"), RefundStatus.FAILED),
    ]
    ours, dashboard, failed = loaded.refunds
    assert ours.reason is RefundReason.REQUESTED_BY_CUSTOMER
    assert ours.gateway_refund_id == "gre_ours"
    assert ours.platform_fee_refunded == money("0.25")
    assert (ours.settled, ours.fee_share_fixed) == (True, True)
    assert dashboard.reason is RefundReason.DUPLICATE
    assert dashboard.fee_share_fixed is False
    assert failed.failure_reason == "expired_or_canceled_card"
    assert failed.settled is False
    assert [(d.id, d.amount, d.status, d.reason) for d in loaded.disputes] == [
        ("dp_won", money("20.00"), DisputeStatus.WON, "fraudulent"),
        ("dp_open", money("30.00"), DisputeStatus.OPEN, "duplicate"),
    ]
    assert [d.funds_withdrawn for d in loaded.disputes] == [False, True]
    assert loaded.amount_refunded == money("15.00")
    assert loaded.amount_disputed == money("30.00")
    assert loaded.refundable_amount == money("55.00")


async def test_a_loaded_payment_carries_on_where_it_was_saved(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order(), a_refunded_and_disputed_payment())

    async with uow_factory() as uow:
        payment = await uow.payments.get("store_a", "pay_1")
        assert payment is not None
        payment.observe_dispute(
            DisputeObservation("dp_open", money("30.00"), DisputeStatus.WON, at(10))
        )
        events = payment.pull_events()
        entries = payment.pull_ledger_entries()
        await uow.payments.save(payment)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert [type(event).__name__ for event in events][-1] == "PaymentStatusChanged"
    assert [entry.kind.value for entry in entries] == ["dispute_reversal", "fee_refund_reversal"]
    assert loaded is not None
    assert state(loaded) == state(payment)
    assert loaded.status is PaymentStatus.PARTIALLY_REFUNDED


async def test_a_payment_gains_refunds_and_disputes_one_unit_of_work_at_a_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    paid = a_payment(intent_id="pi_1")
    paid.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), charge_id="ch_1"))
    await given(uow_factory, a_store(), an_order(), settled(paid))
    observations = [
        RefundObservation("gre_1", money("10.00"), RefundStatus.SUCCEEDED, at(2)),
        DisputeObservation("dp_1", money("20.00"), DisputeStatus.OPEN, at(3), "fraudulent"),
        RefundObservation("gre_2", money("5.00"), RefundStatus.PENDING, at(4)),
        RefundObservation("gre_2", money("5.00"), RefundStatus.SUCCEEDED, at(5)),
        DisputeObservation("dp_1", money("20.00"), DisputeStatus.WON, at(6)),
    ]
    expected = None
    for observation in observations:
        async with uow_factory() as uow:
            payment = await uow.payments.by_intent_id("pi_1")
            assert payment is not None
            if isinstance(observation, RefundObservation):
                payment.observe_refund(observation)
            else:
                payment.observe_dispute(observation)
            await uow.payments.save(settled(payment))
            await uow.commit()
            expected = state(payment)

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert loaded is not None
    assert state(loaded) == expected
    assert [(r.gateway_refund_id, r.status) for r in loaded.refunds] == [
        ("gre_1", RefundStatus.SUCCEEDED),
        ("gre_2", RefundStatus.SUCCEEDED),
    ]
    assert [(d.id, d.status) for d in loaded.disputes] == [("dp_1", DisputeStatus.WON)]


async def test_a_payment_saved_twice_in_a_unit_of_work_keeps_the_second_save(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment(intent_id="pi_1"))

    async with uow_factory() as uow:
        payment = await uow.payments.get("store_a", "pay_1")
        assert payment is not None
        payment.observe_intent(IntentObservation(IntentState.PROCESSING, at(1)))
        await uow.payments.save(settled(payment))
        payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(2), charge_id="ch_1"))
        await uow.payments.save(settled(payment))
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert loaded is not None
    assert state(loaded) == state(payment)
    assert loaded.status is PaymentStatus.SUCCEEDED


async def test_events_and_entries_not_pulled_are_not_stored(
    uow_factory: UnitOfWorkFactory,
) -> None:
    payment = a_payment()
    payment.observe_intent(IntentObservation(IntentState.SUCCEEDED, at(1), "ch_1"))
    await given(uow_factory, a_store(), an_order(), payment)

    async with uow_factory() as uow:
        loaded = await uow.payments.get("store_a", "pay_1")

    assert loaded is not None
    assert loaded.status is PaymentStatus.SUCCEEDED
    assert loaded.pull_events() == []
    assert loaded.pull_ledger_entries() == []
    assert len(payment.pull_events()) == 2


async def test_a_payment_is_found_by_its_intent_from_any_store(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        an_order("order_a", "store_a"),
        an_order("order_b", "store_b"),
        a_payment("pay_a", "store_a", "order_a", intent_id="pi_a"),
        a_payment("pay_b", "store_b", "order_b", intent_id="pi_b"),
    )

    async with uow_factory() as uow:
        found = await uow.payments.by_intent_id("pi_b")
        unknown = await uow.payments.by_intent_id("pi_nobody")

    assert found is not None
    assert (found.id, found.store_id, found.payment_intent_id) == ("pay_b", "store_b", "pi_b")
    assert unknown is None


@pytest.mark.parametrize("lock", [False, True], ids=["read", "locked"])
async def test_a_payment_is_found_by_the_charge_that_paid_it(
    uow_factory: UnitOfWorkFactory, lock: bool
) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        an_order("order_a", "store_a"),
        an_order("order_b", "store_b"),
        an_order("order_c", "store_a"),
        in_status(
            a_payment("pay_a", "store_a", "order_a", intent_id="pi_a"), PaymentStatus.SUCCEEDED
        ),
        in_status(
            a_payment("pay_b", "store_b", "order_b", intent_id="pi_b"), PaymentStatus.SUCCEEDED
        ),
        a_payment("pay_c", "store_a", "order_c", intent_id="pi_c"),
    )

    async with uow_factory() as uow:
        found = await uow.payments.by_charge_id("ch_pay_b", lock=lock)
        unpaid = await uow.payments.by_charge_id("ch_pay_c", lock=lock)
        unknown = await uow.payments.by_charge_id("ch_nobody", lock=lock)

    assert found is not None
    assert (found.id, found.store_id, found.charge_id) == ("pay_b", "store_b", "ch_pay_b")
    assert (unpaid, unknown) == (None, None)


async def test_another_store_s_payment_is_not_found(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        an_order("order_a", "store_a"),
        a_payment("pay_a", "store_a", "order_a"),
    )

    async with uow_factory() as uow:
        by_id = await uow.payments.get("store_b", "pay_a")
        latest = await uow.payments.latest_for_order("store_b", "order_a")
        unknown = await uow.payments.get("store_a", "pay_nobody")

    assert (by_id, latest, unknown) == (None, None, None)


async def test_the_latest_payment_of_an_order_is_the_newest(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store(),
        an_order("order_1"),
        an_order("order_2"),
        # A second payment of an order is started once the first one is over.
        in_status(a_payment("pay_first", order_id="order_1", minute=1), PaymentStatus.CANCELED),
        a_payment("pay_second", order_id="order_1", minute=3),
        a_payment("pay_other_order", order_id="order_2", minute=5),
    )

    async with uow_factory() as uow:
        latest = await uow.payments.latest_for_order("store_a", "order_1")
        none_yet = await uow.payments.latest_for_order("store_a", "order_3")

    assert latest is not None
    assert latest.id == "pay_second"
    assert none_yet is None


async def test_a_payment_intent_belongs_to_one_payment(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment("pay_1", intent_id="pi_1"))

    with pytest.raises(DuplicateRecord):
        await given(
            uow_factory,
            an_order("order_2"),
            a_payment("pay_2", "store_a", "order_2", intent_id="pi_1"),
        )

    async with uow_factory() as uow:
        found = await uow.payments.by_intent_id("pi_1")
        refused = await uow.payments.get("store_a", "pay_2")
    assert found is not None
    assert found.id == "pay_1"
    assert refused is None


async def attach_intent(uow_factory: UnitOfWorkFactory, payment_id: str, intent_id: str) -> None:
    async with uow_factory() as uow:
        payment = await uow.payments.get("store_a", payment_id)
        assert payment is not None
        payment.attach_intent(intent_id)
        await uow.payments.save(payment)
        await uow.commit()


async def test_attaching_another_payment_s_intent_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store(),
        *with_their_orders(
            a_payment("pay_1", order_id="order_1", intent_id="pi_1"),
            a_payment("pay_2", order_id="order_2", minute=1),
        ),
    )

    with pytest.raises(DuplicateRecord):
        await attach_intent(uow_factory, "pay_2", "pi_1")

    async with uow_factory() as uow:
        unchanged = await uow.payments.get("store_a", "pay_2")
    assert unchanged is not None
    assert unchanged.payment_intent_id is None


async def test_payments_without_an_intent_yet_do_not_collide(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store(),
        *with_their_orders(
            a_payment("pay_1", order_id="order_1"), a_payment("pay_2", order_id="order_2")
        ),
    )

    async with uow_factory() as uow:
        first = await uow.payments.get("store_a", "pay_1")
        second = await uow.payments.get("store_a", "pay_2")

    assert first is not None
    assert second is not None
    assert (first.payment_intent_id, second.payment_intent_id) == (None, None)


async def test_a_payment_id_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), an_order(), a_payment("pay_1", total="10.00"))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, a_payment("pay_1", total="20.00"))

    async with uow_factory() as uow:
        kept = await uow.payments.get("store_a", "pay_1")
    assert kept is not None
    assert kept.amount_total == money("10.00")


# -- pages ---------------------------------------------------------------------------------------


async def five_payments_and_a_neighbour_s(uow_factory: UnitOfWorkFactory) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        *with_their_orders(
            *[
                a_payment(f"pay_{minute}", "store_a", f"order_{minute}", minute=minute)
                for minute in range(5)
            ],
            a_payment("pay_b", "store_b", "order_b", minute=10),
        ),
    )


async def test_a_page_holds_the_newest_payments_first(uow_factory: UnitOfWorkFactory) -> None:
    await five_payments_and_a_neighbour_s(uow_factory)

    async with uow_factory() as uow:
        page = await uow.payments.page("store_a", limit=2)

    assert ids(page.data) == ["pay_4", "pay_3"]
    assert page.has_more is True


async def test_pages_follow_on_from_the_last_payment_of_the_previous_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await five_payments_and_a_neighbour_s(uow_factory)

    async with uow_factory() as uow:
        second = await uow.payments.page("store_a", limit=2, starting_after="pay_3")
        third = await uow.payments.page("store_a", limit=2, starting_after="pay_1")
        beyond = await uow.payments.page("store_a", limit=2, starting_after="pay_0")

    assert (ids(second.data), second.has_more) == (["pay_2", "pay_1"], True)
    assert (ids(third.data), third.has_more) == (["pay_0"], False)
    assert (ids(beyond.data), beyond.has_more) == ([], False)


async def test_a_page_that_holds_everything_has_no_more(uow_factory: UnitOfWorkFactory) -> None:
    await five_payments_and_a_neighbour_s(uow_factory)

    async with uow_factory() as uow:
        exact = await uow.payments.page("store_a", limit=5)
        roomy = await uow.payments.page("store_a", limit=100)
        empty = await uow.payments.page("store_c", limit=10)

    assert (ids(exact.data), exact.has_more) == (
        ["pay_4", "pay_3", "pay_2", "pay_1", "pay_0"],
        False,
    )
    assert (ids(roomy.data), roomy.has_more) == (ids(exact.data), False)
    assert (empty.data, empty.has_more) == ([], False)


async def test_a_page_filters_by_status(uow_factory: UnitOfWorkFactory) -> None:
    statuses = [
        PaymentStatus.FAILED,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
        PaymentStatus.REFUNDED,
    ]
    await given(
        uow_factory,
        a_store(),
        *with_their_orders(
            *[
                in_status(a_payment(f"pay_{n}", order_id=f"order_{n}", minute=n), s)
                for n, s in enumerate(statuses)
            ]
        ),
    )

    async with uow_factory() as uow:
        failed = await uow.payments.page("store_a", limit=2, status=PaymentStatus.FAILED)
        rest = await uow.payments.page(
            "store_a", limit=2, status=PaymentStatus.FAILED, starting_after="pay_2"
        )
        after_another_status = await uow.payments.page(
            "store_a", limit=5, status=PaymentStatus.FAILED, starting_after="pay_3"
        )
        refunded = await uow.payments.page("store_a", limit=5, status=PaymentStatus.REFUNDED)
        disputed = await uow.payments.page("store_a", limit=5, status=PaymentStatus.DISPUTED)

    assert (ids(failed.data), failed.has_more) == (["pay_4", "pay_2"], True)
    assert (ids(rest.data), rest.has_more) == (["pay_0"], False)
    assert ids(after_another_status.data) == ["pay_2", "pay_0"]
    assert all(payment.status is PaymentStatus.FAILED for payment in failed.data)
    assert (ids(refunded.data), refunded.has_more) == (["pay_5"], False)
    assert (disputed.data, disputed.has_more) == ([], False)


async def test_payments_created_at_the_same_instant_page_by_id(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store(),
        *with_their_orders(
            a_payment("pay_late", order_id="order_late", minute=9),
            *[a_payment(f"pay_{c}", order_id=f"order_{c}", minute=5) for c in "cadeb"],
            a_payment("pay_early", order_id="order_early", minute=1),
        ),
    )

    seen: list[str] = []
    cursor: str | None = None
    async with uow_factory() as uow:
        while True:
            page = await uow.payments.page("store_a", limit=2, starting_after=cursor)
            seen.extend(ids(page.data))
            if not page.has_more:
                break
            cursor = page.data[-1].id

    assert seen == ["pay_late", "pay_e", "pay_d", "pay_c", "pay_b", "pay_a", "pay_early"]


async def test_a_cursor_from_another_store_gives_an_empty_page(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await five_payments_and_a_neighbour_s(uow_factory)

    async with uow_factory() as uow:
        foreign = await uow.payments.page("store_a", limit=10, starting_after="pay_b")
        unknown = await uow.payments.page("store_a", limit=10, starting_after="pay_nobody")

    assert (foreign.data, foreign.has_more) == ([], False)
    assert (unknown.data, unknown.has_more) == ([], False)


# -- awaiting an outcome -------------------------------------------------------------------------


async def test_payments_awaiting_an_outcome_are_the_open_ones_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    statuses = {
        "pay_processing": (PaymentStatus.PROCESSING, 4),
        "pay_succeeded": (PaymentStatus.SUCCEEDED, 0),
        "pay_pending": (PaymentStatus.PENDING, 3),
        "pay_canceled": (PaymentStatus.CANCELED, 1),
        "pay_failed": (PaymentStatus.FAILED, 2),
        "pay_action": (PaymentStatus.REQUIRES_ACTION, 1),
        "pay_disputed": (PaymentStatus.DISPUTED, 1),
        "pay_refunded": (PaymentStatus.REFUNDED, 1),
        "pay_too_recent": (PaymentStatus.PENDING, 10),
    }
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        *with_their_orders(
            *[
                in_status(a_payment(payment_id, "store_a", f"order_{n}", minute=minute), status)
                for n, (payment_id, (status, minute)) in enumerate(statuses.items())
            ],
            in_status(a_payment("pay_b", "store_b", "order_b", minute=2), PaymentStatus.PENDING),
        ),
    )

    async with uow_factory() as uow:
        awaiting = await uow.payments.awaiting_outcome(at(10), limit=100)
        first_two = await uow.payments.awaiting_outcome(at(10), limit=2)
        none_before = await uow.payments.awaiting_outcome(at(1), limit=100)
        next_two = await uow.payments.awaiting_outcome(at(10), limit=2, after="pay_b")
        after_last = await uow.payments.awaiting_outcome(at(10), limit=2, after="pay_processing")

    assert ids(awaiting) == ["pay_action", "pay_b", "pay_failed", "pay_pending", "pay_processing"]
    assert [payment.status.is_open for payment in awaiting] == [True] * 5
    assert ids(first_two) == ["pay_action", "pay_b"]
    assert ids(next_two) == ["pay_failed", "pay_pending"]
    assert after_last == []
    assert none_before == []


# -- refunds still pending -----------------------------------------------------------------------


def with_refund(
    payment: Payment, minute: float, *, acknowledged: bool, failed: bool = False
) -> Payment:
    refund = payment.request_refund(
        refund_id=f"rf_{payment.id}", requested_at=at(minute), amount=money("10.00")
    )
    if acknowledged:
        payment.attach_gateway_refund(refund.id, f"re_{payment.id}")
    if failed:
        payment.abandon_refund(refund.id, reason="declined", at=at(minute))
    return settled(payment)


async def test_payments_with_pending_refunds_are_found_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    def paid(payment_id: str, minute: float = 0) -> Payment:
        payment = a_payment(payment_id, "store_a", "order_a", minute=minute)
        return in_status(payment, PaymentStatus.SUCCEEDED)

    await given(
        uow_factory,
        a_store("store_a"),
        an_order("order_a", "store_a"),
        with_refund(paid("pay_1_newer", minute=5), 90, acknowledged=False),
        with_refund(paid("pay_2_older", minute=1), 70, acknowledged=False),
        with_refund(paid("pay_acknowledged"), 70, acknowledged=True),
        with_refund(paid("pay_abandoned"), 70, acknowledged=False, failed=True),
        with_refund(paid("pay_too_recent"), 200, acknowledged=False),
        paid("pay_no_refund"),
        in_status(a_payment("pay_refunded", "store_a", "order_a"), PaymentStatus.REFUNDED),
    )

    async with uow_factory() as uow:
        found = await uow.payments.with_pending_refunds(at(120), limit=100)
        first = await uow.payments.with_pending_refunds(at(120), limit=1)

    assert ids(found) == ["pay_acknowledged", "pay_2_older", "pay_1_newer"]
    assert ids(first) == ["pay_acknowledged"]


async def test_payments_are_counted_by_status_across_stores(
    uow_factory: UnitOfWorkFactory,
) -> None:
    statuses = [
        PaymentStatus.FAILED,
        PaymentStatus.SUCCEEDED,
        PaymentStatus.FAILED,
        PaymentStatus.PENDING,
        PaymentStatus.REFUNDED,
    ]
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        *with_their_orders(
            *[
                in_status(a_payment(f"pay_{n}", order_id=f"order_{n}", minute=n), s)
                for n, s in enumerate(statuses)
            ],
            in_status(a_payment("pay_b", "store_b", "order_b"), PaymentStatus.FAILED),
        ),
    )

    async with uow_factory() as uow:
        counted = await uow.payments.count_by_status()

    assert counted == {
        PaymentStatus.FAILED: 3,
        PaymentStatus.SUCCEEDED: 1,
        PaymentStatus.PENDING: 1,
        PaymentStatus.REFUNDED: 1,
    }


async def test_no_payments_count_as_nothing(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.payments.count_by_status() == {}


async def test_a_payment_added_in_the_unit_of_work_is_counted_in_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store(), an_order())

    async with uow_factory() as uow:
        await uow.payments.add(a_payment())
        counted = await uow.payments.count_by_status()

    assert counted == {PaymentStatus.PENDING: 1}
