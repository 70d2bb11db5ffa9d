"""Four workers on PostgreSQL take 2,000 webhook deliveries at once, about 30 % of them
duplicates, shuffled: the books end as if each event had been applied once, in order.

The stores, orders and payments the events talk about are made first, in process, on storepay's
Stripe adapter over the Stripe emulator; the database is then copied. ``storepay serve --workers 4``
(Stripe adapter, ``STRIPE_API_BASE`` at a local Stripe that is down: the webhook path never calls
it) takes the deliveries on the original, 32 at a time. Meanwhile storepay in process applies the
same events on the copy, each payment's one by one in the order they happened. Deliveries
answered with anything but 2xx would be sent again, as Stripe does. Then: no answer was 5xx, both
databases hold the same payments, orders, refunds, disputes, inbox and ledger sums, no movement
is booked twice, and every payment's ledger agrees with it.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from contract.databases import migrated_postgres, postgres_database
from fault_kit import (
    T0,
    Storepay,
    StripeWorld,
    closed_stripe,
    dispute,
    doubled_ledger_entries,
    event,
    intent,
    refund,
    rows,
    serving,
    signed,
    storepay_on,
    unbalanced_payments,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import SqlUnitOfWorkFactory, create_engine
from application.ports import DeliveryOutcome

pytestmark = pytest.mark.anyio

DELIVERIES = 2000
DUPLICATE_SHARE = 0.30
AT_ONCE = 32
WORKERS = 4
STORES = 4
SEED = 20261127
ORDERED_STORIES_AT_ONCE = 8


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(frozen=True, slots=True)
class Happening:
    """One event as Stripe made it, and the payment it is about."""

    payment_id: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Story:
    name: str
    status: str  # the payment's status once every event of the story is applied


STORIES = [
    Story("declined, then paid", "succeeded"),
    Story("paid, refunded three times in part", "partially_refunded"),
    Story("paid, disputed and lost", "disputed"),
    Story("paid, disputed and won", "succeeded"),
    Story("declined twice", "failed"),
    Story("paid, refunded in full", "refunded"),
]


def story_events(number: int, story: int, intent_id: str, amount: int) -> list[bytes]:
    """The events of one payment's story, in the order Stripe made them (a second apart)."""
    base = 100 * number
    charge = f"ch_storm{number:05d}"
    made: list[bytes] = []

    def add(kind: str, obj: dict[str, Any]) -> None:
        made.append(
            event(
                f"evt_storm{number:05d}_{len(made)}",
                kind,
                T0 + timedelta(seconds=base + len(made) + 1),
                obj,
            )
        )

    if story == 0:
        add("payment_intent.processing", intent(intent_id, amount, "processing", None))
        add(
            "payment_intent.payment_failed",
            intent(
                intent_id, amount, "requires_payment_method", f"{charge}a", "insufficient_funds"
            ),
        )
        add("payment_intent.processing", intent(intent_id, amount, "processing", None))
        add("payment_intent.succeeded", intent(intent_id, amount, "succeeded", charge))
    elif story == 1:
        add("payment_intent.succeeded", intent(intent_id, amount, "succeeded", charge))
        for suffix, part in (("a", 500), ("b", 300), ("c", 100)):
            refund_id = f"re_storm{number:05d}{suffix}"
            add("refund.created", refund(refund_id, intent_id, charge, part, "pending"))
            add("refund.updated", refund(refund_id, intent_id, charge, part, "succeeded"))
    elif story in (2, 3):
        dispute_id = f"dp_storm{number:05d}"
        add("payment_intent.succeeded", intent(intent_id, amount, "succeeded", charge))
        add(
            "charge.dispute.created",
            dispute(dispute_id, intent_id, charge, amount, "needs_response"),
        )
        add(
            "charge.dispute.updated", dispute(dispute_id, intent_id, charge, amount, "under_review")
        )
        add(
            "charge.dispute.closed",
            dispute(dispute_id, intent_id, charge, amount, "lost" if story == 2 else "won"),
        )
    elif story == 4:
        for attempt in ("a", "b"):
            add("payment_intent.processing", intent(intent_id, amount, "processing", None))
            add(
                "payment_intent.payment_failed",
                intent(
                    intent_id,
                    amount,
                    "requires_payment_method",
                    f"{charge}{attempt}",
                    "card_declined",
                ),
            )
    else:
        refund_id = f"re_storm{number:05d}"
        add("payment_intent.succeeded", intent(intent_id, amount, "succeeded", charge))
        add("refund.created", refund(refund_id, intent_id, charge, amount, "pending"))
        add("refund.updated", refund(refund_id, intent_id, charge, amount, "succeeded"))
        # Stripe says it again in a charge's terms; storepay keeps it and acts on refund.*.
        add("charge.refunded", {"id": charge, "object": "charge", "amount_refunded": amount})
    return made


async def seed(storepay: Storepay) -> tuple[list[Happening], dict[str, int]]:
    """Stores and pending payments, and every event of their stories in the order they
    happened; and which story each payment lives."""
    stores = [await storepay.onboarded_store(f"Store {n}") for n in range(STORES)]
    happenings: list[Happening] = []
    story_of: dict[str, int] = {}
    number = 0
    unique_wanted = round(DELIVERIES * (1 - DUPLICATE_SHARE))
    while len(happenings) < unique_wanted:
        batch = []
        for _ in range(16):
            store = stores[number % STORES]
            amount = 1000 + (number * 37 % 50) * 100
            batch.append((number, store, amount))
            number += 1

        async def pending(number: int, store: Any, amount: int) -> tuple[int, str, str, int]:
            order = await storepay.order(store, f"S-{number:05d}", amount)
            made = await storepay.checkout(store, order)
            return number, made.payment.id, made.intent.id, amount

        for n, payment_id, intent_id, amount in await asyncio.gather(
            *(pending(*each) for each in batch)
        ):
            story = n % len(STORIES)
            story_of[payment_id] = story
            happenings += [
                Happening(payment_id, payload)
                for payload in story_events(n, story, intent_id, amount)
            ]
    storepay.world.outbox.clear()  # payment_intent.created: nothing to do with the storm
    return happenings, story_of


def deliveries(happenings: list[Happening]) -> list[bytes]:
    """Every event once, about 30 % of the deliveries again, all shuffled."""
    randomness = random.Random(SEED)
    payloads = [happening.payload for happening in happenings]
    again = randomness.choices(payloads, k=DELIVERIES - len(payloads))
    shuffled = payloads + again
    randomness.shuffle(shuffled)
    return shuffled


async def deliver_concurrently(base: str, payloads: list[bytes]) -> Counter[int]:
    """Deliver every payload, ``AT_ONCE`` at a time; those not answered 2xx again, as Stripe
    retries them. Every status answered, counted."""
    answered: Counter[int] = Counter()
    gate = asyncio.Semaphore(AT_ONCE)
    limits = httpx.Limits(max_connections=AT_ONCE, max_keepalive_connections=AT_ONCE)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

        async def deliver(payload: bytes) -> bytes | None:
            async with gate:
                answer = await client.post(
                    "/webhooks/stripe",
                    content=payload,
                    headers={
                        "Stripe-Signature": signed(payload),
                        "Content-Type": "application/json",
                    },
                )
            answered[answer.status_code] += 1
            return None if answer.is_success else payload

        waiting = payloads
        for _ in range(5):
            waiting = [p for p in await asyncio.gather(*map(deliver, waiting)) if p is not None]
            if not waiting:
                break
        assert not waiting, f"{len(waiting)} deliveries never answered 2xx: {answered}"
    return answered


async def in_order(storepay: Storepay, happenings: list[Happening]) -> None:
    """Each payment's events one by one, in the order they happened. An event touches one
    payment only, so payments' stories run side by side (a few at a time) and end as one
    sequential pass over every event would."""
    stories: dict[str, list[bytes]] = {}
    for happening in happenings:
        stories.setdefault(happening.payment_id, []).append(happening.payload)
    gate = asyncio.Semaphore(ORDERED_STORIES_AT_ONCE)

    async def tell(payloads: list[bytes]) -> None:
        async with gate:
            for payload in payloads:
                outcome = await storepay.use_cases.handle_gateway_event(
                    payload, signed(payload, storepay.world.clock.now()), connect=False
                )
                assert outcome is not DeliveryOutcome.DUPLICATE

    await asyncio.gather(*map(tell, stories.values()))


# Rows compared whole, but for their version (how often a row was saved) and their position
# among a payment's refunds or disputes (the order their reports arrived in).
TABLES = ["payments", "orders", "refunds", "disputes"]
NOT_COMPARED = {"version", "position"}
REVERSES = {
    "refund_reversal": "refund",
    "fee_refund_reversal": "fee_refund",
    "dispute_reversal": "dispute",
}


async def state(engine: AsyncEngine) -> dict[str, Any]:
    """What the events made: payments, orders, refunds, disputes, the ledger and the inbox.

    The ledger is compared by what it adds up to for each movement of each payment: it is
    append-only, so a report arriving early and corrected later leaves a correcting entry where
    the ordered pass has none, and both add up to the same."""
    snapshot: dict[str, Any] = {}
    async with engine.connect() as connection:
        for table in TABLES:
            result = await connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            names = list(result.keys())
            snapshot[table] = [
                {n: v for n, v in zip(names, row, strict=True) if n not in NOT_COMPARED}
                for row in result
            ]
    net: Counter[tuple[str, str, str]] = Counter()
    for payment_id, kind, reference, amount in await rows(
        engine, "SELECT payment_id, kind, reference, amount FROM ledger_entries"
    ):
        sign = -1 if kind in REVERSES else 1
        net[(payment_id, REVERSES.get(kind, kind), reference)] += sign * int(amount)
    snapshot["ledger"] = sorted(item for item in net.items() if item[1] != 0)
    snapshot["inbox"] = sorted(await rows(engine, "SELECT event_id, status FROM inbox_events"))
    return snapshot


async def ordered_pass(copy_url: str, world: StripeWorld, happenings: list[Happening]) -> Any:
    """The same events applied one by one, in the order they happened, on the copy."""
    engine = create_engine(copy_url)
    try:
        await in_order(storepay_on(SqlUnitOfWorkFactory(engine), world), happenings)
        return await state(engine)
    finally:
        await engine.dispose()


async def test_four_workers_take_a_shuffled_storm_of_deliveries_as_one_ordered_pass(
    anyio_backend: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    world = StripeWorld()
    async with migrated_postgres() as seeded:
        happenings, story_of = await seed(storepay_on(seeded, world))
        url = seeded.engine.url.render_as_string(hide_password=False)
        await seeded.engine.dispose()  # copying a database needs it to have no connections
        async with postgres_database(template=seeded.engine.url.database) as copy_url:
            seeding = time.monotonic() - started
            payloads = deliveries(happenings)
            assert len(payloads) == DELIVERIES
            assert len(set(payloads)) == len(happenings)

            with (
                closed_stripe() as stripe_url,
                serving(url, stripe_url, tmp_path, workers=WORKERS) as served,
            ):
                storm_started = time.monotonic()
                # The ordered pass runs meanwhile, in this process, on the copy.
                async with asyncio.TaskGroup() as both:  # one failing stops the other
                    storm_task = both.create_task(deliver_concurrently(served.base, payloads))
                    ordered_task = both.create_task(ordered_pass(copy_url, world, happenings))
                answered, expected = storm_task.result(), ordered_task.result()
                storm = time.monotonic() - storm_started
                assert served.stop() == 0, served.output()

            engine = create_engine(url)
            try:
                stormed = await state(engine)
                doubled = await doubled_ledger_entries(engine)
                unbalanced = await unbalanced_payments(engine)
            finally:
                await engine.dispose()

    print(  # noqa: T201  (shown with -s: how long each part took)
        f"\nseeding {seeding:.1f} s, {DELIVERIES} deliveries by {WORKERS} workers {storm:.1f} s "
        f"(answers {dict(answered)}; {len(happenings)} events in order meanwhile)"
    )
    assert not [status for status in answered if status >= 500], answered
    assert doubled == []
    assert unbalanced == []
    assert [status for _, status in stormed["inbox"]].count("failed") == 0
    assert len([e for e, _ in stormed["inbox"] if e.startswith("evt_storm")]) == len(happenings)
    for table in [*TABLES, "ledger", "inbox"]:
        differing = [
            (got, want)
            for got, want in zip(stormed[table], expected[table], strict=False)
            if got != want
        ]
        assert stormed[table] == expected[table], (table, differing[:3])
    statuses = {row["id"]: row["status"] for row in stormed["payments"]}
    assert {payment_id: statuses[payment_id] for payment_id in story_of} == {
        payment_id: STORIES[story].status for payment_id, story in story_of.items()
    }
