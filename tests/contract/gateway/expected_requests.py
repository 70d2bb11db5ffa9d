"""Every request the Stripe adapter may send, written out: method, path, form (or query) fields,
idempotency key and ``Stripe-Account`` header. A request that matches no line, lacks a required
field, sends one not listed, or carries the wrong key fails the test that made it.

Patterns are regular expressions matched whole. In a key pattern, ``<name>`` stands for the value
of the path's group or field ``name``, so a derived key is checked against the object it names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

ANY = r".+"
ACCOUNT = r"acct_[0-9A-Za-z]+"
INTENT = r"pi_[0-9A-Za-z]+"
REFUND = r"re_[0-9A-Za-z]+"
CUSTOMER = r"cus_[0-9A-Za-z]+"
PAYMENT_METHOD = r"pm_[0-9A-Za-z]+"
MINOR_UNITS = r"0|[1-9][0-9]*"
URL = r"https?://[^\s]+"
NONCE = r"[0-9a-f]{32}"
DIGEST = r"[0-9a-f]{32}"
PORT_KEY = r"[^\s]{1,255}"  # a key the port's request carries: checked to be that one elsewhere
METADATA = r"metadata\[[^\[\]]{1,40}\]"
METADATA_VALUE = r".{0,500}"
WEEKDAY = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"


@dataclass(frozen=True, slots=True)
class Expectation:
    name: str
    method: str
    path: str
    required: Mapping[str, str] = field(default_factory=dict)
    optional: Mapping[str, str] = field(default_factory=dict)  # names may be patterns
    key: str | None = None  # None: a GET, which carries no key
    check: Callable[[Mapping[str, str]], None] | None = None

    def match_path(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = re.fullmatch(self.path, path)
        return None if found is None else found.groupdict()

    def verify(
        self,
        groups: Mapping[str, str],
        fields: Mapping[str, str],
        idempotency_key: str | None,
        stripe_account: str | None,
    ) -> None:
        where = f"{self.name} ({self.method} {self.path})"
        assert stripe_account is None, f"{where}: sent Stripe-Account {stripe_account!r}"
        missing = set(self.required) - set(fields)
        assert not missing, f"{where}: missing {sorted(missing)}"
        for name, value in fields.items():
            pattern = self.required.get(name) or self._optional(name)
            assert pattern is not None, f"{where}: unexpected field {name}={value!r}"
            assert re.fullmatch(pattern, value), f"{where}: {name}={value!r} is not {pattern!r}"
        if self.key is None:
            assert idempotency_key is None, f"{where}: a GET carries no idempotency key"
        else:
            assert idempotency_key is not None, f"{where}: no idempotency key"
            assert len(idempotency_key) <= 255, f"{where}: key longer than 255 characters"
            expected = _key_pattern(self.key, {**fields, **groups})
            assert re.fullmatch(expected, idempotency_key), (
                f"{where}: key {idempotency_key!r} is not {expected!r}"
            )
        if self.check is not None:
            self.check(fields)

    def _optional(self, name: str) -> str | None:
        for pattern, value in self.optional.items():
            if re.fullmatch(pattern, name):
                return value
        return None


def _key_pattern(pattern: str, values: Mapping[str, str]) -> str:
    return re.sub(r"<([^<>]+)>", lambda named: re.escape(values[named[1]]), pattern)


def _schedule_is_whole(fields: Mapping[str, str]) -> None:
    interval = fields["settings[payouts][schedule][interval]"]
    weekly = "settings[payouts][schedule][weekly_anchor]" in fields
    monthly = "settings[payouts][schedule][monthly_anchor]" in fields
    assert weekly is (interval == "weekly"), f"{interval} with a weekly_anchor: {weekly}"
    assert monthly is (interval == "monthly"), f"{interval} with a monthly_anchor: {monthly}"


EXPECTATIONS: tuple[Expectation, ...] = (
    Expectation(
        "create an Express account",
        "POST",
        r"/v1/accounts",
        required={
            "controller[stripe_dashboard][type]": "express",
            "controller[requirement_collection]": "stripe",
            "controller[fees][payer]": "application",
            "controller[losses][payments]": "application",
            "country": r"[A-Z]{2}",
            "email": r"[^@\s]+@[^@\s]+",
            "business_profile[name]": ANY,
            "capabilities[card_payments][requested]": "true",
            "capabilities[transfers][requested]": "true",
            "metadata[storepay_store_id]": ANY,
        },
        key=PORT_KEY,
    ),
    Expectation("retrieve an account", "GET", rf"/v1/accounts/(?P<account>{ACCOUNT})"),
    Expectation(
        "set an account's payout schedule",
        "POST",
        rf"/v1/accounts/(?P<account>{ACCOUNT})",
        required={"settings[payouts][schedule][interval]": r"daily|weekly|monthly|manual"},
        optional={
            r"settings\[payouts\]\[schedule\]\[weekly_anchor\]": WEEKDAY,
            r"settings\[payouts\]\[schedule\]\[monthly_anchor\]": r"[1-9]|[12][0-9]|3[01]",
        },
        key=rf"storepay:account:<account>:payout-schedule:{NONCE}",
        check=_schedule_is_whole,
    ),
    Expectation(
        "create an onboarding link",
        "POST",
        r"/v1/account_links",
        required={
            "account": ACCOUNT,
            "refresh_url": URL,
            "return_url": URL,
            "type": "account_onboarding",
        },
        key=rf"storepay:account:<account>:onboarding-link:{NONCE}",
    ),
    Expectation(
        "create a destination charge",
        "POST",
        r"/v1/payment_intents",
        required={
            "amount": MINOR_UNITS,
            "currency": r"[a-z]{3}",
            "application_fee_amount": MINOR_UNITS,
            "transfer_data[destination]": ACCOUNT,
            "automatic_payment_methods[enabled]": "true",
            "receipt_email": r"[^@\s]+@[^@\s]+",
        },
        optional={
            "customer": CUSTOMER,
            "setup_future_usage": "off_session",
            "description": ANY,
            METADATA: METADATA_VALUE,
        },
        key=PORT_KEY,
    ),
    Expectation(
        "retrieve a payment intent with its charge",
        "GET",
        rf"/v1/payment_intents/(?P<intent>{INTENT})",
        required={"expand[0]": "latest_charge"},
    ),
    Expectation(
        "cancel a payment intent",
        "POST",
        rf"/v1/payment_intents/(?P<intent>{INTENT})/cancel",
        key=r"storepay:payment-intent:<intent>:cancel",
    ),
    Expectation(
        "refund a destination charge",
        "POST",
        r"/v1/refunds",
        required={
            "payment_intent": INTENT,
            "amount": MINOR_UNITS,
            "refund_application_fee": "true",
            "reverse_transfer": "true",
        },
        optional={
            "reason": r"duplicate|fraudulent|requested_by_customer",
            METADATA: METADATA_VALUE,
        },
        key=PORT_KEY,
    ),
    Expectation("retrieve a refund", "GET", rf"/v1/refunds/(?P<refund>{REFUND})"),
    Expectation(
        "find a shopper's customers",
        "GET",
        r"/v1/customers",
        required={"email": r"[^@\s]+@[^@\s]+", "limit": "100"},
    ),
    Expectation(
        "create a store's customer",
        "POST",
        r"/v1/customers",
        required={"email": r"[^@\s]+@[^@\s]+", "metadata[storepay_store_id]": ANY},
        key=rf"storepay:store:<metadata[storepay_store_id]>:customer:{DIGEST}",
    ),
    Expectation(
        "list a customer's cards",
        "GET",
        rf"/v1/customers/(?P<customer>{CUSTOMER})/payment_methods",
        required={"type": "card", "limit": "100"},
    ),
    Expectation(
        "detach a card",
        "POST",
        rf"/v1/payment_methods/(?P<method>{PAYMENT_METHOD})/detach",
        key=rf"storepay:payment-method:<method>:detach:{NONCE}",
    ),
)


def expectation_for(method: str, path: str) -> tuple[Expectation, dict[str, str]]:
    for expectation in EXPECTATIONS:
        groups = expectation.match_path(method, path)
        if groups is not None:
            return expectation, groups
    raise AssertionError(f"the Stripe adapter sent an unexpected request: {method} {path}")
