"""A store on the platform: who it is, how it is paid and what the platform takes from it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from domain.account import AccountStatus, ConnectedAccount, store_account_status
from domain.currency import Currency
from domain.email import normalise_email
from domain.errors import IllegalTransition, InvalidStore, StoreCurrencyMismatch
from domain.fees import FeeBreakdown, FeePolicy, Percentage
from domain.money import Money
from domain.payout import PayoutReport, PayoutSchedule, PayoutSettings

_COUNTRY = re.compile(r"[A-Za-z]{2}")
_PHONE = re.compile(r"\+?[0-9 ().-]{4,30}")


def hash_api_key(api_key: str) -> str:
    """What storepay keeps of an API key. Keys are long random secrets, so one SHA-256 suffices."""
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PostalAddress:
    line1: str | None = None
    city: str | None = None
    postal_code: str | None = None

    def __post_init__(self) -> None:
        for part in (self.line1, self.city, self.postal_code):
            if part is not None and not 1 <= len(part.strip()) <= 200:
                raise InvalidStore("an address part is 1 to 200 characters")


@dataclass(eq=False)
class Store:
    id: str
    name: str
    business_email: str
    country: str
    currency: Currency
    created_at: datetime
    api_key_hash: str
    fee_policy: FeePolicy
    payout_settings: PayoutSettings
    business_phone: str | None = None
    account: ConnectedAccount | None = None
    address: PostalAddress | None = None
    last_payout: PayoutReport | None = None

    @classmethod
    def open(
        cls,
        *,
        store_id: str,
        name: str,
        business_email: str,
        country: str,
        currency: Currency,
        api_key_hash: str,
        fee_percentage: Percentage,
        created_at: datetime,
        business_phone: str | None = None,
    ) -> Store:
        name = name.strip() if isinstance(name, str) else ""
        if not 1 <= len(name) <= 200:
            raise InvalidStore("a store name is 1 to 200 characters")
        if not isinstance(country, str) or not _COUNTRY.fullmatch(country):
            raise InvalidStore(f"{country!r} is not a two-letter country code")
        if business_phone is not None and not _PHONE.fullmatch(business_phone):
            raise InvalidStore(f"{business_phone!r} is not a phone number")
        return cls(
            id=store_id,
            name=name,
            business_email=normalise_email(business_email),
            country=country.upper(),
            currency=currency,
            created_at=created_at,
            api_key_hash=api_key_hash,
            fee_policy=FeePolicy(
                percentage=fee_percentage,
                fixed_amount=Money.zero(currency),
                minimum_fee=Money.zero(currency),
            ),
            payout_settings=PayoutSettings.default(currency),
            business_phone=business_phone,
        )

    @property
    def account_status(self) -> AccountStatus:
        return store_account_status(self.account)

    @property
    def accepts_payments(self) -> bool:
        return self.account_status.accepts_payments

    @property
    def needs_onboarding(self) -> bool:
        return self.account is None or self.account.needs_onboarding

    def move_to(self, address: PostalAddress) -> None:
        """Keep the store's postal address on its record; each part given replaces the old."""
        old = self.address or PostalAddress()
        self.address = PostalAddress(
            line1=address.line1 if address.line1 is not None else old.line1,
            city=address.city if address.city is not None else old.city,
            postal_code=address.postal_code if address.postal_code is not None else old.postal_code,
        )

    def record_payout(self, report: PayoutReport) -> None:
        """Keep the latest payout report, so the store can see its money arrive (or not)."""
        if self.last_payout is None or report.outranks(self.last_payout):
            self.last_payout = report

    def takes(self, currency: Currency) -> None:
        """Refuse money in another currency: a store is paid in its own currency only, so its
        fee policy (whose fixed parts are in that currency) applies to every order it has."""
        if currency != self.currency:
            raise StoreCurrencyMismatch(
                f"{self.name} takes payments in {self.currency.code}, not {currency.code}"
            )

    def quote(self, total: Money) -> FeeBreakdown:
        """How a payment of ``total`` divides between the store and the platform."""
        self.takes(total.currency)
        return self.fee_policy.breakdown(total)

    def rotate_api_key(self, api_key_hash: str) -> None:
        self.api_key_hash = api_key_hash

    def set_fee_policy(self, policy: FeePolicy) -> None:
        if policy.currency != self.currency:
            raise InvalidStore(
                f"the store's fees are in {self.currency.code}, not {policy.currency.code}"
            )
        self.fee_policy = policy

    def connect(self, account_id: str, at: datetime) -> ConnectedAccount:
        """Attach the store's connected account; a store has one, ever."""
        if self.account is not None:
            raise IllegalTransition(f"store {self.id} already has a connected account")
        self.account = ConnectedAccount(account_id=account_id, store_id=self.id, created_at=at)
        return self.account

    def change_payouts(
        self, *, schedule: PayoutSchedule | None = None, minimum_payout: Money | None = None
    ) -> PayoutSettings:
        self.payout_settings = self.payout_settings.changed(
            schedule=schedule, minimum_payout=minimum_payout
        )
        return self.payout_settings
