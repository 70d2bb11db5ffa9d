"""STOREPAY_GATEWAY=stripe: the composition root builds the Stripe gateway from the STRIPE_*
settings, sends it to STRIPE_API_BASE when set, and stops on a setting it cannot use."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import stripe

from adapters.stripe import StripeGateway
from entrypoints.container import build_service, close_service, stripe_gateway
from entrypoints.settings import Settings, SettingsError, load_settings

from .scripted import PUBLISHABLE_KEY, SECRET_KEY, ScriptedStripe

ENVIRONMENT = {
    "STOREPAY_GATEWAY": "stripe",
    "STRIPE_SECRET_KEY": SECRET_KEY,
    "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
    "STRIPE_WEBHOOK_SECRET": "whsec_composition",
}


class Transports:
    """Stands in for ``stripe.HTTPXClient``: records how it is built, answers from a script."""

    def __init__(self) -> None:
        self.built: list[dict[str, Any]] = []
        self.transport = ScriptedStripe(
            (
                200,
                {
                    "id": "re_1",
                    "object": "refund",
                    "amount": 100,
                    "currency": "eur",
                    "status": "succeeded",
                    "metadata": {},
                },
            )
        )

    def __call__(self, **options: Any) -> ScriptedStripe:
        self.built.append(options)
        return self.transport


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> Transports:
    made = Transports()
    monkeypatch.setattr(stripe, "HTTPXClient", made)
    return made


def test_the_stripe_gateway_is_chosen_and_built_from_the_settings(transports: Transports) -> None:
    gateway = build_service(load_settings(ENVIRONMENT)).adapters.gateway()

    assert isinstance(gateway, StripeGateway)
    assert gateway.name == "stripe"
    assert gateway.publishable_key == PUBLISHABLE_KEY
    assert [set(options) for options in transports.built] == [{"timeout"}]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_stripe_api_base_points_the_sdk_elsewhere(transports: Transports) -> None:
    settings = load_settings({**ENVIRONMENT, "STRIPE_API_BASE": "http://127.0.0.1:12111/"})

    await stripe_gateway(settings).retrieve_refund("re_1")

    [asked] = transports.transport.asked
    assert asked.url == "http://127.0.0.1:12111/v1/refunds/re_1"


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"stripe_publishable_key": None}, "STRIPE_PUBLISHABLE_KEY is required"),
        ({"stripe_secret_key": None}, "STRIPE_SECRET_KEY is required"),
        ({"stripe_publishable_key": "pk_live_51abc"}, "STRIPE_PUBLISHABLE_KEY must be a test"),
        ({"stripe_secret_key": "sk_prod_51abc"}, "STRIPE_SECRET_KEY must be"),
    ],
    ids=["no-publishable-key", "no-secret-key", "modes-differ", "not-a-key"],
)
def test_a_setting_the_gateway_cannot_use_stops_it_in_one_line(
    changes: dict[str, Any], complaint: str
) -> None:
    settings = load_settings(ENVIRONMENT)
    fields = {name: getattr(settings, name) for name in Settings.__dataclass_fields__}

    with pytest.raises(SettingsError, match=complaint) as raised:
        stripe_gateway(Settings(**(fields | changes)))

    assert SECRET_KEY not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_closing_the_service_closes_the_connections_to_stripe(transports: Transports) -> None:
    service = build_service(load_settings(ENVIRONMENT))
    service.adapters.gateway()

    asyncio.run(close_service(service))

    assert transports.transport.closed
