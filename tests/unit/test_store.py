from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.account import AccountStatus
from domain.currency import Currency
from domain.email import normalise_email
from domain.errors import IllegalTransition, InvalidEmail, InvalidStore, StoreCurrencyMismatch
from domain.fees import FeePolicy, Percentage
from domain.money import Money
from domain.payout import PayoutInterval, PayoutReport
from domain.store import PostalAddress, Store, hash_api_key

OPENED = datetime(2026, 11, 27, 9, tzinfo=UTC)


def a_store(**changes: str | None) -> Store:
    details: dict[str, str | None] = {
        "name": "  Kiosk  ",
        "business_email": " Owner@Kiosk.LU ",
        "country": "lu",
        "business_phone": "+352 621 000 000",
    }
    details.update(changes)
    return Store.open(
        store_id="store_1",
        name=str(details["name"]),
        business_email=str(details["business_email"]),
        country=str(details["country"]),
        currency=Currency.of("EUR"),
        api_key_hash=hash_api_key("spk_secret"),
        fee_percentage=Percentage.parse("2.5"),
        created_at=OPENED,
        business_phone=details["business_phone"],
    )


def test_a_new_store_is_tidy_and_not_yet_paid() -> None:
    store = a_store()

    assert (store.name, store.business_email, store.country) == ("Kiosk", "owner@kiosk.lu", "LU")
    assert store.fee_policy == FeePolicy.build("2.5", "EUR")
    assert store.payout_settings.schedule.interval is PayoutInterval.WEEKLY
    assert store.payout_settings.minimum_payout == Money.zero("EUR")
    assert store.account_status is AccountStatus.NOT_CONFIGURED
    assert not store.accepts_payments
    assert store.needs_onboarding
    assert store.api_key_hash == hash_api_key("spk_secret") != "spk_secret"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "   "}, InvalidStore),
        ({"name": "x" * 201}, InvalidStore),
        ({"country": "LUX"}, InvalidStore),
        ({"country": "1U"}, InvalidStore),
        ({"business_phone": "call me"}, InvalidStore),
        ({"business_email": "owner@kiosk"}, InvalidEmail),
        ({"business_email": "owner kiosk.lu"}, InvalidEmail),
    ],
)
def test_a_store_with_bad_details_is_refused(
    changes: dict[str, str | None], error: type[Exception]
) -> None:
    with pytest.raises(error):
        a_store(**changes)


def test_an_address_is_kept_part_by_part() -> None:
    store = a_store()

    store.move_to(PostalAddress(line1="1 Rue du Marché", city="Luxembourg"))
    store.move_to(PostalAddress(postal_code="L-1111"))

    assert store.address == PostalAddress("1 Rue du Marché", "Luxembourg", "L-1111")
    with pytest.raises(InvalidStore):
        PostalAddress(city="  ")


def test_a_store_connects_one_account_ever() -> None:
    store = a_store()

    account = store.connect("acct_1", OPENED)

    assert store.account is account
    assert store.account_status is AccountStatus.PENDING
    with pytest.raises(IllegalTransition):
        store.connect("acct_2", OPENED)
    assert store.account is account


def test_fees_are_set_in_the_stores_currency_only() -> None:
    store = a_store()

    store.set_fee_policy(FeePolicy.build("1.4", "EUR", fixed_amount=25))
    with pytest.raises(InvalidStore):
        store.set_fee_policy(FeePolicy.build("1.4", "USD", fixed_amount=25))

    assert store.fee_policy == FeePolicy.build("1.4", "EUR", fixed_amount=25)


@pytest.mark.parametrize("email", [None, 42, "a" * 250 + "@x.lu", "@kiosk.lu", "a@b@c.lu"])
def test_only_e_mail_addresses_are_e_mail_addresses(email: object) -> None:
    with pytest.raises(InvalidEmail):
        normalise_email(email)  # type: ignore[arg-type]


def test_the_latest_payout_report_is_kept_whatever_order_reports_arrive_in() -> None:
    earlier = PayoutReport("po_1", Money.of(5000, "EUR"), "paid", OPENED)
    later = PayoutReport(
        "po_2", Money.of(700, "EUR"), "failed", OPENED.replace(hour=10), "account_closed"
    )
    in_order, reversed_order = a_store(), a_store()

    for report in (earlier, later, earlier):
        in_order.record_payout(report)
    for report in (later, earlier):
        reversed_order.record_payout(report)

    assert in_order.last_payout == reversed_order.last_payout == later


def test_a_store_quotes_its_own_currency_only() -> None:
    store = a_store()
    store.set_fee_policy(FeePolicy.build("2.5", "EUR", fixed_amount=30))

    quote = store.quote(Money.of(1000, "EUR"))

    assert (quote.platform_fee, quote.store_amount) == (Money.of(55, "EUR"), Money.of(945, "EUR"))
    for currency in ("USD", "JPY"):
        with pytest.raises(StoreCurrencyMismatch) as refused:
            store.quote(Money.of(1000, currency))
        assert refused.value.field == "currency"
        assert f"takes payments in EUR, not {currency}" in refused.value.message
