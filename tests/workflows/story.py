"""What a scenario has done so far: the stores, orders and checkouts it speaks of by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from domain.money import Money

from .driver import (
    Breakdown,
    Checkout,
    Marketplace,
    Onboarding,
    OrderView,
    RefundView,
    Refused,
    StoreRef,
)

T = TypeVar("T")


@dataclass
class Attempt:
    """What the last attempted action came to: accepted, or refused by a business rule."""

    refusal: Refused | None = None
    examined: bool = True

    def run(self, action: Callable[[], T]) -> T | None:
        self.check_examined()
        self.refusal = None
        try:
            return action()
        except Refused as refused:
            self.refusal, self.examined = refused, False
            return None

    def refused(self) -> Refused:
        assert self.refusal is not None, "the action was accepted, not refused"
        self.examined = True
        return self.refusal

    def check_examined(self) -> None:
        if not self.examined and self.refusal is not None:
            pytest.fail(f"refused unexpectedly: {self.refusal}")


@dataclass
class Story:
    market: Marketplace
    attempt: Attempt
    stores: dict[str, StoreRef] = field(default_factory=dict)
    store_name: str = ""
    orders: dict[tuple[str, str], OrderView] = field(default_factory=dict)
    order_key: tuple[str, str] | None = None
    checkouts: list[tuple[str, Checkout]] = field(default_factory=list)
    onboardings: list[Onboarding] = field(default_factory=list)
    breakdown: Breakdown | None = None
    refunds: list[RefundView] = field(default_factory=list)
    registered: OrderView | None = None
    customer_session: str | None = None  # the shopper signed in at the store, for this checkout

    # -- stores ---------------------------------------------------------------------------

    def open_store(self, name: str, currency: str) -> StoreRef:
        self.stores[name] = self.market.open_store(name, currency)
        self.store_name = name
        return self.stores[name]

    def store(self, name: str | None = None) -> StoreRef:
        wanted = self.store_name if name is None else name
        assert wanted in self.stores, f"no store {wanted!r} in this story"
        return self.stores[wanted]

    def use_store(self, name: str) -> StoreRef:
        store = self.store(name)
        self.store_name = name
        return store

    # -- orders ---------------------------------------------------------------------------

    def keep_order(self, order: OrderView) -> None:
        self.order_key = (self.store_name, order.reference)
        self.orders[self.order_key] = order

    def order(self, reference: str | None = None) -> tuple[StoreRef, OrderView]:
        """The order as the store sees it now: the one named, or the one spoken of last."""
        key = self._order_key(reference)
        store = self.store(key[0])
        return store, self.market.order(store, self.orders[key].id)

    def use_order(self, reference: str) -> None:
        self.order_key = self._order_key(reference)

    def _order_key(self, reference: str | None) -> tuple[str, str]:
        if reference is None:
            assert self.order_key is not None, "no order in this story yet"
            return self.order_key
        keys = [key for key in self.orders if key[1] == reference]
        assert len(keys) == 1, f"{len(keys)} orders {reference!r} in this story"
        return keys[0]

    def order_of(self, store_name: str, reference: str) -> OrderView:
        return self.market.order(self.store(store_name), self.orders[store_name, reference].id)

    # -- checkouts and payments -----------------------------------------------------------

    def check_out(
        self,
        *,
        email: str | None = None,
        amount: Money | None = None,
        save_card: bool = False,
    ) -> Checkout:
        store, order = self.order()
        checkout = self.market.check_out(
            store,
            order.id,
            order.amount if amount is None else amount,
            order.customer_email if email is None else email,
            save_card=save_card,
            customer_session=self.customer_session,
        )
        return self.keep_checkout(checkout)

    def sign_in(self) -> str:
        """The order's shopper signs in at the store, whose backend asks for a customer session."""
        store, order = self.order()
        self.customer_session = self.market.customer_session(store, order.id)
        return self.customer_session

    def sign_out(self) -> None:
        self.customer_session = None

    def keep_checkout(self, checkout: Checkout) -> Checkout:
        assert self.order_key is not None
        self.checkouts.append((self.order_key[0], checkout))
        self.breakdown = checkout.breakdown
        return checkout

    @property
    def checkout(self) -> Checkout:
        assert self.checkouts, "no shopper has checked out yet"
        return self.checkouts[-1][1]

    def latest_checkout_of(self, store_name: str) -> Checkout:
        found = [checkout for name, checkout in self.checkouts if name == store_name]
        assert found, f"no shopper has checked out at {store_name!r} yet"
        return found[-1]

    def payment_store(self) -> StoreRef:
        assert self.checkouts, "no shopper has checked out yet"
        return self.store(self.checkouts[-1][0])
