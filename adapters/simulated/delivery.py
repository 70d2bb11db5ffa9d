"""Delivering events the way Stripe's webhooks do: signed, at least once, in no promised order.

Events go to one callback, ``(payload, signature_header, connect)``. In ``immediate`` mode each is
delivered as it happens, in order, and awaited by the call that caused it. In ``held`` mode they
wait until ``release`` sends them, shuffled and duplicated if asked: a hostile network on demand.
A delivery whose callback raises is kept and sent again by the next ``release``, as Stripe retries
an endpoint that did not answer 2xx.
"""

from __future__ import annotations

import enum
import json
import random
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from adapters.simulated.objects import JSON
from adapters.simulated.signatures import sign

DeliveryCallback = Callable[[bytes, str, bool], Awaitable[None]]


class DeliveryMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    HELD = "held"


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
    ) -> None:
        self._secrets = {False: webhook_secret, True: connect_webhook_secret}
        self._clock = clock
        self._callback = callback
        self.mode = mode
        self.sent_events: list[JSON] = []
        self.delivered: list[Delivery] = []
        self.failed: list[FailedDelivery] = []
        self._queue: deque[Delivery] = deque()
        self._retries: list[Delivery] = []
        self._sending = False

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
        payload = json.dumps(event, indent=2).encode("utf-8")
        self._queue.append(Delivery(event["id"], event["type"], payload, connect))
        if self.mode is DeliveryMode.IMMEDIATE:
            await self._drain()

    async def release(
        self, *, shuffle: random.Random | None = None, duplicate: bool | float = False
    ) -> int:
        """Send everything waiting; ``duplicate`` is a probability (``True`` means every one)."""
        if self._callback is None:
            raise RuntimeError("no delivery callback is connected")
        batch = self.waiting
        self._queue.clear()
        self._retries.clear()
        chance = float(duplicate)
        if chance > 0:
            draw = shuffle if shuffle is not None else random.Random()
            batch = [copy for delivery in batch for copy in _copies(delivery, chance, draw)]
        if shuffle is not None:
            shuffle.shuffle(batch)
        self._sending = True
        try:
            for delivery in batch:
                await self._send(delivery)
        finally:
            self._sending = False
        if self.mode is DeliveryMode.IMMEDIATE:
            await self._drain()
        return len(batch)

    async def _drain(self) -> None:
        # A callback that calls the gateway emits new events; they join the queue and go out
        # after the current one, so delivery order stays the order of emission.
        if self._sending or self._callback is None:
            return
        self._sending = True
        try:
            while self._queue:
                await self._send(self._queue.popleft())
        finally:
            self._sending = False

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


def _copies(delivery: Delivery, chance: float, draw: random.Random) -> list[Delivery]:
    return [delivery, delivery] if draw.random() < chance else [delivery]
