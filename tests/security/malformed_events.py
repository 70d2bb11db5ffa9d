"""Signed webhook bodies that are not events storepay can read, by what is wrong with them.

Each is JSON (or close to it) that a Stripe signature can cover; every gateway's reader must
refuse each with ``InvalidEvent``, and the HTTP endpoints with ``400 invalid_event``.
"""

from __future__ import annotations

import json
from typing import Any


def _event(event_type: str = "customer.created", **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "id": "evt_malformed_1",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": 1_793_000_000,
        "livemode": False,
        "type": event_type,
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    event.update(changes)
    return event


def _payout(**changes: Any) -> dict[str, Any]:
    payout: dict[str, Any] = {
        "id": "po_1",
        "object": "payout",
        "amount": 1000,
        "currency": "eur",
        "status": "paid",
        "failure_code": None,
    }
    payout.update(changes)
    return _event("payout.paid", account="acct_1", data={"object": payout})


def _refund(**changes: Any) -> dict[str, Any]:
    refund: dict[str, Any] = {
        "id": "re_1",
        "object": "refund",
        "amount": 500,
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": "pi_1",
        "metadata": {},
    }
    refund.update(changes)
    return _event("refund.updated", data={"object": refund})


def _attached_card(**card: Any) -> dict[str, Any]:
    method = {
        "id": "pm_1",
        "object": "payment_method",
        "type": "card",
        "customer": "cus_1",
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030, **card},
    }
    return _event("payment_method.attached", data={"object": method})


def _json(document: Any) -> bytes:
    return json.dumps(document).encode()


def _nested(depth: int) -> bytes:
    return b'{"id":"evt_deep","object":"event","data":' + b"[" * depth + b"]" * depth + b"}"


MALFORMED: dict[str, bytes] = {
    "nesting 100000 deep": _nested(100_000),
    "nesting 100000 deep in an object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "a lone surrogate in the id": _json(_event(id="evt_\ud800")),
    "a lone surrogate in the type": _json(_event(event_type="customer.\udfff")),
    "a lone surrogate in an object read": _json(_payout(id="po_\ud83d")),
    "a surrogate escaped in a member name": b'{"\\ud800": 1, "object": "event"}',
    "a NUL in the id": _json(_event(id="evt_\x00")),
    "a NUL in the type": _json(_event(event_type="customer.created\x00")),
    "a control character in the account": _json(_event(account="acct_\x1b[31m")),
    "created 10**12": _json(_event(created=10**12)),
    "created 10**30": _json(_event(created=10**30)),
    "created -10**12": _json(_event(created=-(10**12))),
    "created negative": _json(_event(created=-1)),
    "created as a float": _json(_event(created=1_793_000_000.5)),
    "created as a boolean": _json(_event(created=True)),
    "created as a string": _json(_event(created="1793000000")),
    "created as NaN": _json(_event()).replace(b"1793000000", b"NaN"),
    "created as Infinity": _json(_event()).replace(b"1793000000", b"Infinity"),
    "an amount of 10**30": _json(_payout(amount=10**30)),
    "a negative amount": _json(_payout(amount=-1)),
    "an amount as a float": _json(_payout(amount=1000.0)),
    "an amount as a boolean": _json(_payout(amount=True)),
    "an amount of 10**30 refunded": _json(_refund(amount=10**30)),
    "a refunded amount as a float": _json(_refund(amount=1.5)),
    "an expiry month of 10**30": _json(_attached_card(exp_month=10**30)),
    "an expiry month as a boolean": _json(_attached_card(exp_month=True)),
    "an expiry year as a float": _json(_attached_card(exp_year=2030.0)),
    "an expiry month of 13": _json(_attached_card(exp_month=13)),
    "an integer of 5000 digits": _json(_event()).replace(b"1793000000", b"9" * 5000),
    # Longer than what storepay keeps of them (PostgreSQL refuses a value past its column).
    "an id of 256 characters": _json(_event(id="evt_" + "x" * 252)),
    "a type of 256 characters": _json(_event(event_type="customer." + "x" * 247)),
    "a payout id of 256 characters": _json(_payout(id="po_" + "x" * 253)),
    "a payout status of 33 characters": _json(_payout(status="p" * 33)),
    "a card brand of 33 characters": _json(_attached_card(brand="v" * 33)),
    "last four digits of 5": _json(_attached_card(last4="42424")),
}
