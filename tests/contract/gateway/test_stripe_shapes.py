"""Every object the Stripe emulator answers or announces has Stripe's published shape.

The shape is the one stripe-python's typed resources declare (their class annotations, for this
SDK's API version): every field the emulator sends is a declared field holding a value of the
declared type (null only where Stripe's may be null, a listed value where Stripe lists them),
down into nested objects; and every declared top-level field is sent, with Stripe's null where
the emulator has no value, unless it is listed below with the reason Stripe leaves it out.

Where Stripe's own fixtures are at hand (``openapi/fixtures3.json`` of github.com/stripe/openapi,
named by ``STRIPE_OPENAPI_FIXTURES``), each kind of object also has the very fields of Stripe's.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import json
import os
import sys
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import pytest
import stripe
from stripe import RequestOptions
from stripe._object_classes import OBJECT_CLASSES

from adapters.stripe_emulator import API_BASE, SECRET_KEY, EmulatedStripe, cards
from domain.payout import PayoutInterval, PayoutSchedule, Weekday

from . import builders
from .conftest import FakeClock, on_the_emulator

JSON = dict[str, Any]
FIXTURES = "STRIPE_OPENAPI_FIXTURES"
PUBLISHED_FIELDS = Path(__file__).with_name("stripe_published_fields.json")

KINDS = (
    "account",
    "account_link",
    "application",
    "application_fee",
    "balance",
    "balance_transaction",
    "charge",
    "customer",
    "dispute",
    "event",
    "fee_refund",
    "list",
    "payment_intent",
    "payment_method",
    "payout",
    "refund",
    "transfer",
    "transfer_reversal",
)

_ONLY_EXPANDED = "included only when asked for with expand[]"


# Declared fields the emulator never sends, as Stripe leaves them out of these objects.
OMITTED: dict[str, dict[str, str]] = {
    "account": {
        "company": "collected by the platform for Custom accounts only; Express has none",
        "individual": "collected by the platform for Custom accounts only; Express has none",
        "groups": "only for accounts a platform put in account groups",
        "deleted": "only on a deleted account",
    },
    "application": {"deleted": "only on a deleted application"},
    "balance": {
        "instant_available": "only on accounts paid out instantly",
        "issuing": "only on accounts that use Stripe Issuing",
        "refund_and_dispute_prefunding": "only on accounts that prefund refunds and disputes",
    },
    "charge": {
        "authorization_code": "only where the card network gave one to the platform",
        "level3": "only on charges made with Level III data",
        "presentment_details": "only on charges presented in another currency",
        "radar_options": "only on charges made with Radar session options",
        "refunds": f"{_ONLY_EXPANDED}=refunds since API version 2022-11-15",
    },
    "customer": {
        "business_name": "only on customers given one",
        "individual_name": "only on customers given one",
        "customer_account": "only on customers that are an Account of Stripe's v2 API",
        "cash_balance": f"{_ONLY_EXPANDED}=cash_balance",
        "invoice_credit_balance": f"{_ONLY_EXPANDED}=invoice_credit_balance",
        "sources": f"{_ONLY_EXPANDED}=sources",
        "subscriptions": f"{_ONLY_EXPANDED}=subscriptions",
        "tax": f"{_ONLY_EXPANDED}=tax",
        "tax_ids": f"{_ONLY_EXPANDED}=tax_ids",
        "deleted": "only on a deleted customer",
    },
    "dispute": {
        "intended_submission_method": "only once the platform says how it will submit evidence",
        "network_reason_code": "sent in payment_method_details.card",
    },
    "event": {"context": "only on events of an account context of Stripe's v2 API"},
    "payment_intent": {
        "allowed_payment_method_types": "only on intents restricted to some payment methods",
        "hooks": "only on intents with hooks (Stripe Tax and the like)",
        "payment_details": "only on intents given order details (car rentals, lodging…)",
        "payment_record": "only on intents recorded as payment records",
        "presentment_details": "only on intents presented in another currency",
    },
    "payment_method": {
        "radar_options": "only on payment methods made with Radar session options",
    },
    "refund": {
        "description": "only on refunds given one",
        "instructions_email": "only on refunds of payment methods that email the customer",
        "next_action": "only on refunds that wait for the customer (some payment methods)",
        "presentment_details": "only on refunds of charges presented in another currency",
    },
}

# Declared fields the emulator sends only when they apply, as Stripe does.
CONDITIONAL: dict[str, dict[str, str]] = {
    "charge": {"transfer": "only on a destination charge: its transfer to the destination"},
    "event": {"account": "only on a connected account's events (Connect webhooks)"},
    "refund": {
        "failure_balance_transaction": "only on a failed refund",
        "failure_reason": "only on a failed refund",
        "pending_reason": "only on a pending refund",
    },
}


# -- what stripe-python declares ----------------------------------------------------------------


@functools.cache
def _module_names(module_name: str) -> Mapping[str, Any]:
    """A module's names, with those it imports only for type checkers (its annotations name
    them as strings)."""
    module = sys.modules[module_name]
    names = dict(vars(module))
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not (isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"):
            continue
        for imported in node.body:
            if isinstance(imported, ast.ImportFrom) and imported.module is not None:
                source = importlib.import_module(imported.module)
                for alias in imported.names:
                    names[alias.asname or alias.name] = getattr(source, alias.name)
    return names


@functools.cache
def declared(cls: type) -> Mapping[str, Any]:
    """The fields a stripe-python class declares, with their types."""
    names: dict[str, Any] = {}
    for base in reversed(cls.__mro__[:-1]):
        names.update(_module_names(base.__module__))
    fields = {
        name: hint
        for name, hint in typing.get_type_hints(cls, globalns=names).items()
        if not name.startswith("_") and typing.get_origin(hint) is not typing.ClassVar
    }
    if issubclass(cls, stripe.ListObject):
        fields["object"] = typing.Literal["list"]  # a class constant there, not an annotation
    return fields


def stripe_class(kind: str) -> type:
    if kind == "list":
        return stripe.ListObject
    found = OBJECT_CLASSES[kind]
    if isinstance(found, tuple):  # named lazily: (module, class)
        found = getattr(importlib.import_module(found[0]), found[1])
    assert isinstance(found, type)
    return found


def mismatches(value: object, hint: Any, where: str) -> list[str]:
    """How ``value`` is not of the declared type ``hint`` (nothing when it is)."""
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, typing.TypeVar):
        return []
    if origin in (typing.Union, types.UnionType):
        failures = [mismatches(value, arm, where) for arm in arguments]
        if any(not failed for failed in failures):
            return []
        objects = [f for arm, f in zip(arguments, failures, strict=True) if _is_object(arm)]
        return objects[0] if isinstance(value, dict) and objects else [f"{where}={value!r}"]
    if hint is type(None) or value is None:
        return [] if hint is type(None) and value is None else [f"{where} is {value!r}: {hint}"]
    if origin is typing.Literal:
        return [] if value in arguments else [f"{where}={value!r} is none of {arguments}"]
    if hint in (str, bool, int, float):
        numeric = hint is float and type(value) is int
        return [] if type(value) is hint or numeric else [f"{where}={value!r} is not {hint}"]
    if origin in (list, typing.List):  # noqa: UP006  (stripe-python annotates with typing.List)
        if not isinstance(value, list):
            return [f"{where} is not a list"]
        return [
            m
            for n, item in enumerate(value)
            for m in mismatches(item, arguments[0], f"{where}[{n}]")
        ]
    if origin in (dict, typing.Dict):  # noqa: UP006
        return [] if isinstance(value, dict) else [f"{where} is not an object"]
    cls = origin or hint
    if _is_object(cls) and issubclass(cls, stripe._stripe_object.UntypedStripeObject):
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        member = arguments[0] if arguments else Any
        return [
            m for key, item in value.items() for m in mismatches(item, member, f"{where}.{key}")
        ]
    if _is_object(cls):
        found = object_mismatches(value, cls, where)
        if issubclass(cls, stripe.ListObject) and isinstance(value, dict) and arguments:
            for n, item in enumerate(value.get("data", [])):
                found += mismatches(item, arguments[0], f"{where}.data[{n}]")
        return found
    return [f"{where}: no check for {hint!r}"]


def object_mismatches(value: object, cls: type, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where} is not an object"]
    fields = declared(cls)
    found = [
        f"{where}.{name} is not a field of {cls.__qualname__}"
        for name in value
        if name not in fields
    ]
    for name, item in value.items():
        if name in fields:
            found += mismatches(item, fields[name], f"{where}.{name}")
    return found


def _is_object(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, stripe.StripeObject)


# -- what the emulator sends ------------------------------------------------------------------


async def _a_day_at_stripe() -> dict[str, list[JSON]]:
    """Every kind of object, in each state the emulator gives it, from its answers and events."""
    stripe_ = on_the_emulator(FakeClock())
    gateway, driver, emulator = stripe_.gateway, stripe_.driver, stripe_.emulator
    account_id = await builders.onboarded_account(gateway, driver)
    pending = (await gateway.create_account(builders.new_account("store_2"))).account_id
    await gateway.retrieve_account(pending)
    await gateway.create_onboarding_link(
        pending, refresh_url="https://s.example/refresh", return_url="https://s.example/return"
    )
    await gateway.set_payout_schedule(
        account_id, PayoutSchedule(PayoutInterval.WEEKLY, weekly_anchor=Weekday.FRIDAY)
    )
    customer_id = await gateway.ensure_customer(email=builders.EMAIL, store_id="store_1")
    saving = await gateway.create_payment_intent(
        builders.intent_request(
            account_id, key="saving", customer_id=customer_id, save_payment_method=True
        )
    )
    await driver.pay(saving, cards.DECLINED)
    await gateway.retrieve_payment_intent(saving.id)
    await driver.pay(saving, cards.SUCCEEDS)
    await gateway.retrieve_payment_intent(saving.id)
    await gateway.create_refund(builders.refund_request(saving.id, "10.00", "0.25", refund_id="r1"))
    emulator.fail_next_refund()
    failing = await gateway.create_refund(
        builders.refund_request(saving.id, "10.00", "0.25", refund_id="r2")
    )
    await gateway.retrieve_refund(failing.gateway_refund_id)
    await emulator.settle_refunds()
    await gateway.retrieve_refund(failing.gateway_refund_id)
    asking = await gateway.create_payment_intent(builders.intent_request(account_id, key="asking"))
    await driver.pay(asking, cards.REQUIRES_AUTHENTICATION)
    await gateway.retrieve_payment_intent(asking.id)
    await gateway.cancel_payment_intent(asking.id)
    disputed = await builders.paid_intent(
        gateway, driver, account_id, cards.DISPUTED, key="disputed"
    )
    dispute_id = emulator.dispute_of(disputed.id)
    await emulator.submit_dispute_evidence(dispute_id)
    await emulator.close_dispute(dispute_id, won=False)
    inquired = await builders.paid_intent(gateway, driver, account_id, key="inquired")
    inquiry = await emulator.open_dispute(inquired.id, amount=100, inquiry=True)
    await emulator.close_dispute(inquiry, won=True)
    [card] = await gateway.list_payment_methods(customer_id)
    await gateway.detach_payment_method(card.payment_method_id)
    await gateway.list_payment_methods(customer_id)
    await emulator.pay_out(account_id, 9750, "eur")
    await emulator.pay_out(account_id, 9750, "eur", failure_code="account_closed")
    reader = stripe.StripeClient(
        SECRET_KEY,
        base_addresses={"api": API_BASE},
        http_client=EmulatedStripe(stripe_.checked_wire.api),
    )
    charge = emulator.retrieve_object(inquired.observation.charge_id or "")
    money = await _the_money_it_moved(reader, account_id, charge, dispute_id)
    await emulator.require(account_id, ["individual.dob.day"], "requirements.past_due")
    await emulator.deauthorize(pending)
    seen: dict[str, list[JSON]] = {}
    answers = [sent.answer for sent in stripe_.checked_wire.sent] + money
    for document in answers + emulator.sent_events:
        _gather(document, seen)
    return seen


async def _the_money_it_moved(
    client: stripe.StripeClient, account_id: str, charge: JSON, dispute_id: str
) -> list[JSON]:
    """What storepay's adapter never asks for, as the emulator answers stripe-python: balances,
    their transactions, the application fee and the transfer of a destination charge, and their
    refunds and reversals."""
    store: RequestOptions = {"stripe_account": account_id}
    v1 = client.v1
    platform = await v1.balance_transactions.list_async({"limit": 100})
    fee, transfer = charge["application_fee"], charge["transfer"]
    answers = [
        platform,
        await v1.balance.retrieve_async(),
        await v1.balance.retrieve_async(options=store),
        await v1.balance_transactions.list_async({"limit": 100}, store),
        await v1.balance_transactions.retrieve_async(platform.data[0].id),
        await v1.charges.retrieve_async(charge["id"], {"expand": ["balance_transaction"]}),
        await v1.application_fees.list_async({"charge": charge["id"]}),
        await v1.application_fees.refunds.create_async(fee, {"amount": 1}),
        await v1.application_fees.refunds.list_async(fee),
        await v1.application_fees.retrieve_async(fee),
        await v1.transfers.reversals.create_async(transfer, {"amount": 100}),
        await v1.transfers.reversals.list_async(transfer),
        await v1.transfers.list_async({"destination": account_id}),
        await v1.transfers.create_async(
            {"amount": 100, "currency": "eur", "destination": account_id}
        ),
        await v1.disputes.retrieve_async(dispute_id),
        await v1.payouts.list_async(options=store),
    ]
    return [answer.last_response.data for answer in answers]


def _gather(document: object, seen: dict[str, list[JSON]]) -> None:
    """Every Stripe object in ``document``, nested ones included (not the partial objects of
    an event's ``previous_attributes``)."""
    if isinstance(document, dict):
        kind = document.get("object")
        if isinstance(kind, str) and (kind in OBJECT_CLASSES or kind == "list"):
            seen.setdefault(kind, []).append(document)
        for name, member in document.items():
            if name != "previous_attributes":
                _gather(member, seen)
    elif isinstance(document, list):
        for member in document:
            _gather(member, seen)


@pytest.fixture(scope="module")
def seen() -> dict[str, list[JSON]]:
    return anyio.run(_a_day_at_stripe)


# -- the checks ----------------------------------------------------------------------------------


def test_the_day_shows_every_kind_of_object_the_emulator_makes(
    seen: dict[str, list[JSON]],
) -> None:
    assert sorted(seen) == sorted(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_sent_is_one_stripe_declares_with_a_value_of_its_type(
    seen: dict[str, list[JSON]], kind: str
) -> None:
    cls = stripe_class(kind)

    found = [
        m for n, obj in enumerate(seen[kind]) for m in object_mismatches(obj, cls, f"{kind}[{n}]")
    ]

    assert found == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_stripe_declares_is_sent_unless_stripe_leaves_it_out(
    seen: dict[str, list[JSON]], kind: str
) -> None:
    fields = set(declared(stripe_class(kind)))
    omitted, conditional = _left_out(kind)
    assert omitted | conditional <= fields, "the tables name fields Stripe does not declare"

    for obj in seen[kind]:
        assert fields - omitted - conditional - set(obj) == set(), obj.get("id", obj)
        assert set(obj) & omitted == set()


@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "list"])
def test_every_kind_has_the_fields_of_stripes_published_fixture(
    seen: dict[str, list[JSON]], kind: str
) -> None:
    published = _fixtures()[kind]
    omitted, conditional = _left_out(kind)

    for obj in seen[kind]:
        assert set(published) - set(obj) <= omitted | conditional
        assert set(obj) - set(published) <= conditional


def _left_out(kind: str) -> tuple[set[str], set[str]]:
    omitted = set(OMITTED.get(kind, {}))
    if kind == "payment_method":
        omitted |= set(_other_types_of_payment_method())
    return omitted, set(CONDITIONAL.get(kind, {}))


def _other_types_of_payment_method() -> dict[str, str]:
    """The members named for the types of payment method but the card."""
    arms = typing.get_args(declared(stripe.PaymentMethod)["type"])
    [listed] = [arm for arm in arms if typing.get_origin(arm) is typing.Literal]
    reason = "a payment method carries its own type's member only (card)"
    return {name: reason for name in typing.get_args(listed) if name != "card"}


@functools.cache
def _fixtures() -> Mapping[str, JSON]:
    """The field names of each object Stripe publishes as its example: those kept beside this
    test (from stripe/openapi's fixtures3.json), or that whole file where FIXTURES names it."""
    named = os.environ.get(FIXTURES)
    if named:
        resources: Mapping[str, JSON] = json.loads(Path(named).read_text())["resources"]
        return resources
    kept = json.loads(PUBLISHED_FIELDS.read_text())["fields"]
    return {kind: dict.fromkeys(names) for kind, names in kept.items()}
