from __future__ import annotations

import pytest

from application.use_cases.change_payout_settings import PayoutChange
from application.use_cases.set_up_payments import PaymentSetup
from domain.errors import DomainError
from domain.money import Money
from domain.payout import PayoutInterval

from .system import System

pytestmark = pytest.mark.anyio


def schedule_at_gateway(system: System, account_id: str) -> dict[str, object]:
    account = system.stripe.retrieve_object(account_id)
    schedule: dict[str, object] = account["settings"]["payouts"]["schedule"]
    return schedule


async def set_up_store(system: System, currency: str = "EUR") -> tuple[str, str]:
    store = (await system.open_store(currency=currency)).store
    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))
    return store.id, setup.account_id


@pytest.mark.parametrize("interval", ["daily", "weekly", "monthly", "manual"])
async def test_the_schedule_is_pushed_to_the_gateway_and_kept(
    system: System, interval: str
) -> None:
    store_id, account_id = await set_up_store(system)

    store = await system.use_cases.change_payout_settings(PayoutChange(store_id, interval))

    assert store.payout_settings.schedule.interval is PayoutInterval(interval)
    assert schedule_at_gateway(system, account_id)["interval"] == interval
    stored = await system.use_cases.get_store(store_id)
    assert stored.payout_settings.schedule.interval is PayoutInterval(interval)
    assert stored.payout_settings.minimum_payout == Money.zero("EUR")


async def test_the_minimum_payout_alone_changes_nothing_at_the_gateway(system: System) -> None:
    store_id, account_id = await set_up_store(system)
    before = schedule_at_gateway(system, account_id)
    events = len(system.stripe.sent_events)

    store = await system.use_cases.change_payout_settings(
        PayoutChange(store_id, minimum_payout=5000)
    )

    assert store.payout_settings.minimum_payout == Money.of(5000, "EUR")
    assert store.payout_settings.schedule.interval is PayoutInterval.WEEKLY
    assert schedule_at_gateway(system, account_id) == before
    assert len(system.stripe.sent_events) == events


async def test_both_change_together(system: System) -> None:
    store_id, account_id = await set_up_store(system)

    store = await system.use_cases.change_payout_settings(
        PayoutChange(store_id, "monthly", minimum_payout=0)
    )

    assert store.payout_settings.schedule.interval is PayoutInterval.MONTHLY
    assert store.payout_settings.schedule.monthly_anchor == 1
    assert store.payout_settings.minimum_payout == Money.zero("EUR")
    assert schedule_at_gateway(system, account_id) == {
        "delay_days": 7,
        "interval": "monthly",
        "monthly_anchor": 1,
    }


async def test_the_gateway_webhook_about_the_schedule_is_handled(system: System) -> None:
    store_id, _ = await set_up_store(system)
    events = len(system.stripe.sent_events)

    await system.use_cases.change_payout_settings(PayoutChange(store_id, "daily"))

    assert [event["type"] for event in system.stripe.sent_events[events:]] == ["account.updated"]
    assert system.stripe.failed_deliveries == []


async def test_setting_up_payments_tells_the_account_the_stores_schedule(
    system: System,
) -> None:
    store = (await system.open_store()).store
    await system.use_cases.change_payout_settings(PayoutChange(store.id, minimum_payout=100))

    setup = await system.use_cases.set_up_payments(PaymentSetup(store.id))

    assert schedule_at_gateway(system, setup.account_id) == {
        "delay_days": 7,
        "interval": "weekly",
        "weekly_anchor": "monday",
    }


@pytest.mark.parametrize(
    "change",
    [
        PayoutChange("", "hourly"),
        PayoutChange("", "Daily"),
        PayoutChange("", ""),
        PayoutChange("", minimum_payout=-1),
        PayoutChange("", "daily", minimum_payout=-100),
    ],
)
async def test_invalid_settings_are_refused_and_nothing_changes(
    system: System, change: PayoutChange
) -> None:
    store_id, account_id = await set_up_store(system)
    before = system.stored()
    at_gateway = schedule_at_gateway(system, account_id)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.change_payout_settings(
            PayoutChange(store_id, change.payout_schedule, change.minimum_payout)
        )

    assert refused.value.code == "invalid_payout_settings"
    assert system.stored() == before
    assert schedule_at_gateway(system, account_id) == at_gateway


async def test_a_huf_minimum_payout_is_in_whole_forints(system: System) -> None:
    store_id, _ = await set_up_store(system, currency="HUF")

    with pytest.raises(DomainError) as refused:
        await system.use_cases.change_payout_settings(PayoutChange(store_id, minimum_payout=150))
    store = await system.use_cases.change_payout_settings(
        PayoutChange(store_id, minimum_payout=1500)
    )

    assert refused.value.code == "invalid_payout_settings"
    assert store.payout_settings.minimum_payout == Money.of(1500, "HUF")


async def test_a_schedule_before_setting_up_payments_is_refused(system: System) -> None:
    store = (await system.open_store()).store
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.change_payout_settings(PayoutChange(store.id, "daily"))

    assert refused.value.code == "payments_not_set_up"
    assert system.stored() == before
    assert system.stripe.sent_events == []


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.change_payout_settings(PayoutChange("store_nobody", "daily"))

    assert refused.value.code == "not_found"
