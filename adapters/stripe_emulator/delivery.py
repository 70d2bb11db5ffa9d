"""Delivering events the way Stripe's webhooks do: signed, at least once, in no promised order.

Events go to one callback, ``(payload, signature_header, connect)``. In ``immediate`` mode each is
delivered as it happens, in order, and awaited by the call that caused it: one delivery runs at a
time, and a call whose event another call is sending waits until it has been sent, so a call that
returns has had its events delivered, however many calls run at once (unless the call is
``DETACHED``: then its events follow it, in order, from a task of their own). In ``held`` mode
they wait until ``release`` sends them, shuffled and duplicated if asked: a hostile network on
demand. In ``hostile`` mode nobody needs to ask: held events go out in the background, each batch
after a random delay, shuffled and partly duplicated as a :class:`HostileNetwork` says, so a call
returns before its events arrive, and they arrive late, out of order and some twice.

Only the event types in ``enabled_events`` are delivered, when it is given, as a Stripe endpoint
receives only the types it listens to.

A delivery whose callback raises is kept and sent again by the next ``release``, as Stripe retries
an endpoint that did not answer 2xx. With a ``redelivery`` schedule (seconds between attempts), an
immediate outbox also sends it again by itself, in the background, after each delay in turn; once
the schedule is spent it waits for ``release`` (storepay's reconciler retries what its inbox kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import json
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import stripe

from adapters.stripe_emulator.records import JSON

DeliveryCallback = Callable[[bytes, str, bool], Awaitable[None]]

# True while the emulator answers a call whose caller does not wait for the events it causes:
# an immediate outbox then sends them from a task of its own, in order, and the call answers at
# once. Over HTTP, Stripe's API answers without waiting for its webhooks, and a service whose
# webhook handling calls the API (another request, another task) must not wait for a delivery
# that waits for it.
DETACHED: contextvars.ContextVar[bool] = contextvars.ContextVar("detached", default=False)

# Seconds between attempts at a failed delivery, as Stripe backs off (compressed from its three
# days to about half an hour): soon at first, then once a minute.
REDELIVERY_SCHEDULE: tuple[float, ...] = (0.1, 0.5, 2.0, 10.0, 30.0, *(60.0,) * 30)


class DeliveryMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    HELD = "held"
    HOSTILE = "hostile"


@dataclass(frozen=True, slots=True)
class HostileNetwork:
    """How a hostile network treats deliveries: each batch waits up to ``max_delay`` seconds
    (drawn at random), is shuffled when ``shuffle``, and each of its deliveries is sent twice
    with the probability ``duplicates``. ``rng`` draws all of it (seed one to replay a run)."""

    max_delay: float = 1.0
    duplicates: float = 0.25
    shuffle: bool = True
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_delay < 0 or not 0 <= self.duplicates <= 1:
            raise ValueError("a hostile network delays 0 s or more and duplicates 0 to 1")


@dataclass(frozen=True, slots=True)
class Delivery:
    event_id: str
    type: str
    payload: bytes
    connect: bool


@dataclass(frozen=True, slots=True)
class FailedDelivery:
    event_id: str
    type: str
    error: str


class Outbox:
    def __init__(
        self,
        *,
        webhook_secret: str,
        connect_webhook_secret: str,
        clock: Callable[[], datetime],
        callback: DeliveryCallback | None,
        mode: DeliveryMode,
        redelivery: Sequence[float] = (),
        enabled_events: Collection[str] | None = None,
        history: int | None = None,
        hostile: HostileNetwork | None = None,
    ) -> None:
        self._secrets = {False: webhook_secret, True: connect_webhook_secret}
        self._clock = clock
        self._callback = callback
        self.mode = mode
        self._enabled = None if enabled_events is None else frozenset(enabled_events)
        # What was sent, delivered and failed: all of it, or the latest ``history`` of each.
        self.sent_events: deque[JSON] = deque(maxlen=history)
        self.delivered: deque[Delivery] = deque(maxlen=history)
        self.failed: deque[FailedDelivery] = deque(maxlen=history)
        self._queue: deque[Delivery] = deque()
        self._retries: list[Delivery] = []
        self._redelivery = tuple(redelivery)
        self._redelivering: asyncio.Task[None] | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._sender: asyncio.Task[object] | None = None
        self._hostile = hostile or HostileNetwork()
        self._mistreating: asyncio.Task[None] | None = None
        self._draining: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> list[Delivery]:
        """Deliveries not yet made: held ones, then those to retry."""
        return [*self._queue, *self._retries]

    def connect(self, callback: DeliveryCallback, mode: DeliveryMode | None = None) -> None:
        self._callback = callback
        if mode is not None:
            self.mode = mode

    async def emit(self, event: JSON, *, connect: bool) -> None:
        self.sent_events.append(event)
        if self._enabled is not None and event["type"] not in self._enabled:
            return  # the endpoint does not listen to this type: Stripe sends it nothing
        payload = json.dumps(event, indent=2).encode("utf-8")
        self._queue.append(Delivery(event["id"], event["type"], payload, connect))
        if self.mode is DeliveryMode.IMMEDIATE and DETACHED.get():
            self._drain_soon()
        elif self.mode is DeliveryMode.IMMEDIATE:
            await self._drain()
        elif self.mode is DeliveryMode.HOSTILE:
            self._mistreat_later()

    async def release(
        self, *, shuffle: random.Random | None = None, duplicate: bool | float = False
    ) -> int:
        """Send everything waiting; ``duplicate`` is a probability (``True`` means every one)."""
        draw = shuffle if shuffle is not None else random.Random()
        return await self._release(shuffle is not None, float(duplicate), draw)

    async def _release(self, shuffle: bool, duplicate: float, draw: random.Random) -> int:
        if self._callback is None:
            raise RuntimeError("no delivery callback is connected")
        async with self._turn():
            batch = self.waiting
            self._queue.clear()
            self._retries.clear()
            if duplicate > 0:
                batch = [copy for delivery in batch for copy in _copies(delivery, duplicate, draw)]
            if shuffle:
                draw.shuffle(batch)
            for delivery in batch:
                await self._send(delivery)
        if self.mode is DeliveryMode.IMMEDIATE:
            await self._drain()
        return len(batch)

    async def aclose(self) -> None:
        """Stop sending in the background (what was not sent stays waiting)."""
        for task in (self._redelivering, self._mistreating, self._draining):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._redelivering = self._mistreating = self._draining = None

    async def _drain(self) -> None:
        if self._callback is None:
            return
        # A callback that calls the gateway emits new events: they join the queue and go out
        # after the current one, sent by the loop below, so delivery order stays the order of
        # emission. Any other caller waits for its turn; by then its events have been sent.
        if self._sender is not None and self._sender is asyncio.current_task():
            return
        async with self._turn():
            while self._queue:
                await self._send(self._queue.popleft())
        self._redeliver_later()

    def _drain_soon(self) -> None:
        """Send what is queued from a task of its own, in order, after any delivery under way
        (a caller that does not wait; the task, once started, sends all that is queued)."""
        if self._callback is None:
            return
        if self._draining is None or self._draining.done():
            self._draining = asyncio.get_running_loop().create_task(self._drain())

    @contextlib.asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """One sender at a time, on the running event loop."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        async with self._lock:
            self._sender = asyncio.current_task()
            try:
                yield
            finally:
                self._sender = None

    def _redeliver_later(self) -> None:
        if not self._retries or not self._redelivery or self.mode is DeliveryMode.HELD:
            return
        if self._redelivering is None or self._redelivering.done():
            self._redelivering = asyncio.get_running_loop().create_task(self._redeliver())

    async def _redeliver(self) -> None:
        for delay in self._redelivery:
            await asyncio.sleep(delay)
            async with self._turn():
                retries, self._retries = self._retries, []
                for delivery in retries:
                    await self._send(delivery)
                while self._queue and self.mode is DeliveryMode.IMMEDIATE:
                    await self._send(self._queue.popleft())
            if not self._retries:
                return

    def _mistreat_later(self) -> None:
        if self._callback is None:
            return
        if self._mistreating is None or self._mistreating.done():
            self._mistreating = asyncio.get_running_loop().create_task(self._mistreat())

    async def _mistreat(self) -> None:
        """Hostile mode: what is held goes out in batches, each late, shuffled, partly twice;
        a failed delivery joins the next batch, or the redelivery schedule once none comes."""
        network = self._hostile
        while self._queue and self.mode is DeliveryMode.HOSTILE:
            await asyncio.sleep(network.rng.uniform(0, network.max_delay))
            await self._release(network.shuffle, network.duplicates, network.rng)
        self._redeliver_later()

    async def _send(self, delivery: Delivery) -> None:
        assert self._callback is not None
        header = sign(delivery.payload, self._secrets[delivery.connect], self._clock())
        try:
            await self._callback(delivery.payload, header, delivery.connect)
        except Exception as error:
            self.failed.append(FailedDelivery(delivery.event_id, delivery.type, repr(error)))
            self._retries.append(delivery)
        else:
            self.delivered.append(delivery)


def sign(payload: bytes, secret: str, at: datetime) -> str:
    """The ``Stripe-Signature`` header Stripe sends: ``t=<unix>,v1=<hmac-sha256 hex>``."""
    return str(
        stripe.WebhookSignature.generate_signature_header(
            payload.decode("utf-8"), secret, timestamp=int(at.timestamp())
        )
    )


def _copies(delivery: Delivery, chance: float, draw: random.Random) -> list[Delivery]:
    return [delivery, delivery] if draw.random() < chance else [delivery]
