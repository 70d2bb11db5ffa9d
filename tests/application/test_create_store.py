from __future__ import annotations

import pytest

from application.use_cases.create_store import NewStore
from domain.account import AccountStatus
from domain.currency import Currency
from domain.errors import DomainError
from domain.fees import Percentage
from domain.money import Money
from domain.payout import PayoutInterval, Weekday
from domain.store import hash_api_key

from .system import T0, System

pytestmark = pytest.mark.anyio


async def test_a_new_store_gets_an_api_key_whose_hash_alone_is_kept(system: System) -> None:
    created = await system.use_cases.create_store(
        NewStore(
            name="  Kiosk Lux ",
            business_email="Owner@Kiosk.LU",
            business_phone="+352 621 123 456",
            country="lu",
            currency="eur",
        )
    )

    store = created.store
    assert created.api_key.startswith("spk_")
    assert store.id == "store_0001"
    assert store.name == "Kiosk Lux"
    assert store.business_email == "owner@kiosk.lu"
    assert store.business_phone == "+352 621 123 456"
    assert store.country == "LU"
    assert store.currency == Currency.of("EUR")
    assert store.created_at == T0
    assert store.api_key_hash == hash_api_key(created.api_key)
    assert store.fee_policy.percentage == Percentage.parse("2.5")
    assert store.fee_policy.fixed_amount == Money.zero("EUR")
    assert store.payout_settings.schedule.interval is PayoutInterval.WEEKLY
    assert store.payout_settings.schedule.weekly_anchor is Weekday.MONDAY
    assert store.account is None
    assert store.account_status is AccountStatus.NOT_CONFIGURED
    assert not store.accepts_payments
    assert store.needs_onboarding


async def test_the_api_key_is_never_stored_nor_shown_again(system: System) -> None:
    created = await system.open_store()

    stored = await system.use_cases.get_store(created.store.id)

    assert stored.api_key_hash == hash_api_key(created.api_key)
    assert created.api_key not in repr(system.stored())
    assert not hasattr(stored, "api_key")


async def test_every_store_gets_its_own_key(system: System) -> None:
    first = await system.open_store("Kiosk")
    second = await system.open_store("Bakery")

    assert first.api_key != second.api_key
    assert first.store.id != second.store.id


async def test_defaults_are_luxembourg_and_euro(system: System) -> None:
    created = await system.use_cases.create_store(
        NewStore(name="Kiosk", business_email="owner@kiosk.lu")
    )

    assert (created.store.country, created.store.currency.code) == ("LU", "EUR")


async def test_a_store_may_keep_its_books_in_yen_or_dinars(system: System) -> None:
    yen = await system.open_store("Tokyo", currency="jpy", country="JP")
    dinar = await system.open_store("Kuwait", currency="KWD", country="KW")

    assert yen.store.currency.exponent == 0
    assert dinar.store.currency.exponent == 3
    assert dinar.store.payout_settings.minimum_payout == Money.zero("KWD")


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (NewStore(name="Kiosk", business_email="not-an-address"), "invalid_email"),
        (NewStore(name="Kiosk", business_email="owner@kiosk"), "invalid_email"),
        (NewStore(name="Kiosk", business_email=""), "invalid_email"),
        (NewStore(name="Kiosk", business_email="owner@kiosk.lu", country="LUX"), "invalid_store"),
        (NewStore(name="Kiosk", business_email="owner@kiosk.lu", country="1U"), "invalid_store"),
        (NewStore(name="Kiosk", business_email="owner@kiosk.lu", country=""), "invalid_store"),
        (
            NewStore(name="Kiosk", business_email="owner@kiosk.lu", currency="XYZ"),
            "unknown_currency",
        ),
        (
            NewStore(name="Kiosk", business_email="owner@kiosk.lu", currency="EURO"),
            "unknown_currency",
        ),
        (NewStore(name="", business_email="owner@kiosk.lu"), "invalid_store"),
        (NewStore(name="   ", business_email="owner@kiosk.lu"), "invalid_store"),
        (NewStore(name="K" * 201, business_email="owner@kiosk.lu"), "invalid_store"),
        (
            NewStore(name="Kiosk", business_email="owner@kiosk.lu", business_phone="call me"),
            "invalid_store",
        ),
    ],
)
async def test_invalid_details_are_refused_and_nothing_is_stored(
    system: System, command: NewStore, code: str
) -> None:
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.create_store(command)

    assert refused.value.code == code
    assert system.stored() == before


async def test_a_name_of_two_hundred_characters_is_accepted(system: System) -> None:
    created = await system.use_cases.create_store(
        NewStore(name="K" * 200, business_email="owner@kiosk.lu")
    )

    assert created.store.name == "K" * 200
