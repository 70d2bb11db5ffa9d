"""storepay served for real: uvicorn on a free port, a fresh SQLite file, the simulated gateway.

The browser talks to it over HTTP like any shopper's browser would; the tests set up stores and
orders over the same HTTP API (``Marketplace``), and reach the Stripe emulator the simulated
gateway talks to on the server's own event loop when they need to hold or release its webhooks.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn

from adapters.sqlalchemy.migrations import upgrade
from adapters.stripe_emulator import StripeEmulator
from entrypoints.container import Service, build_service
from entrypoints.http.app import create_app
from entrypoints.settings import load_settings

T = TypeVar("T")
ADMIN_TOKEN = "spa_browser_admin_token_0123456789"
API = "/api/v1"
SHOPPER = "lea@example.com"
_references = itertools.count(1001)


@dataclass
class LiveServer:
    url: str
    service: Service
    loop: asyncio.AbstractEventLoop

    def run(self, function: Callable[..., Awaitable[T]], *args: Any) -> T:
        """Run a coroutine function on the server's event loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(function(*args), self.loop).result(timeout=15)

    @property
    def stripe(self) -> StripeEmulator:
        """The Stripe emulator the service's gateway talks to (its test mode)."""
        emulator = self.service.adapters.stripe_emulator()
        assert isinstance(emulator, StripeEmulator)
        return emulator


@contextmanager
def serving(database: Path, **environment: str) -> Iterator[LiveServer]:
    """storepay on 127.0.0.1 and a free port, until the block ends."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        database_url = f"sqlite+aiosqlite:///{database}"
        service = build_service(
            load_settings(
                {
                    "STOREPAY_DATABASE_URL": database_url,
                    "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
                    "STOREPAY_GATEWAY": "simulated",
                    "STOREPAY_PUBLIC_URL": url,
                    "STOREPAY_RECONCILE_INTERVAL_SECONDS": "0",
                    # One address (this machine) runs every test: room for all of them.
                    "STOREPAY_RATE_LIMIT_PER_MINUTE": "2000",
                    **environment,
                }
            )
        )
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(service),
                lifespan="on",
                ws="none",
                log_config=None,
                log_level="warning",
                access_log=False,
            )
        )
        # The server's own loop, in its own thread: Playwright's sync API keeps a loop running
        # in the test's thread.
        loop = asyncio.new_event_loop()

        def serve() -> None:
            loop.run_until_complete(upgrade(database_url))
            loop.run_until_complete(server.serve(sockets=[listening]))

        thread = threading.Thread(target=serve, name="storepay-live-server", daemon=True)
        thread.start()
        try:
            deadline = time.monotonic() + 15
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("storepay did not start")
                time.sleep(0.02)
            yield LiveServer(url=url, service=service, loop=loop)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            loop.close()


@dataclass
class Store:
    id: str
    api_key: str
    name: str


class Marketplace:
    """Stores and orders, set up over storepay's HTTP API as a store's back office would."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=15)

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code < 300, response.text
        body: dict[str, Any] = response.json()
        return body

    def open_store(self, name: str = "Atelier Ana", currency: str = "EUR") -> Store:
        created = self._ok(
            self.http.post(
                f"{API}/admin/stores",
                json={"name": name, "business_email": "ana@atelier.example", "currency": currency},
                headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            )
        )
        return Store(id=created["id"], api_key=created["api_key"], name=name)

    def set_up_payments(self, store: Store) -> dict[str, Any]:
        """The store's connected account id and onboarding link."""
        return self._ok(self.http.post(f"{API}/store/payments/setup", headers=self.key(store)))

    def ready_store(self, name: str = "Atelier Ana", currency: str = "EUR") -> Store:
        """A store that accepts payments: opened, set up and onboarded."""
        store = self.open_store(name, currency)
        account_id = self.set_up_payments(store)["stripe_account_id"]
        self._ok(self.http.post(f"/simulator/accounts/{account_id}/complete-onboarding"))
        return store

    def payment_config(self, store: Store) -> dict[str, Any]:
        return self._ok(self.http.get(f"{API}/store/payments/config", headers=self.key(store)))

    def key(self, store: Store) -> dict[str, str]:
        return {"Authorization": f"Bearer {store.api_key}"}

    def order(
        self,
        store: Store,
        amount: int = 4990,
        currency: str = "EUR",
        customer_email: str = SHOPPER,
        reference: str | None = None,
    ) -> str:
        order = self._ok(
            self.http.post(
                f"{API}/store/orders",
                json={
                    "reference": reference or f"A-{next(_references)}",
                    "customer_email": customer_email,
                    "amount": amount,
                    "currency": currency,
                },
                headers=self.key(store),
            )
        )
        order_id: str = order["id"]
        return order_id

    def order_state(self, store: Store, order_id: str) -> dict[str, Any]:
        """The order as the store's back office sees it."""
        return self._ok(self.http.get(f"{API}/store/orders/{order_id}", headers=self.key(store)))

    def checkout_url(self, store: Store, order_id: str) -> str:
        return f"{self.server.url}/checkout/{store.id}/{order_id}"

    def signed_in_checkout_url(self, store: Store, order_id: str) -> str:
        """Where the store's backend sends its signed-in shopper: the checkout with a customer
        session (as ``checkout_url`` of the answer gives it, on this server's address)."""
        issued = self._ok(
            self.http.post(
                f"{API}/store/orders/{order_id}/customer-session", headers=self.key(store)
            )
        )
        token: str = issued["customer_session"]
        return f"{self.checkout_url(store, order_id)}?customer_session={token}"
