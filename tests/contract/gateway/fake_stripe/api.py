"""Stripe's API answered from a simulated gateway's state: each request is translated into the
simulator's terms, and the answer is the simulator's Stripe-shaped object.

What the simulator keeps in its own terms (the metadata of accounts and customers, which it does
not keep as sent) is kept here and shown as Stripe shows it: as it was sent.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from adapters.simulated import SimulatedGateway
from application.gateway import IntentRequest, NewAccount, RefundRequest
from domain.money import Money
from domain.payout import PayoutInterval, PayoutSchedule, Weekday
from domain.refund import RefundReason

JSON = dict[str, Any]
Fields = Mapping[str, str]


class StripeApi:
    def __init__(self, simulator: SimulatedGateway, clock: Callable[[], datetime]) -> None:
        self._simulator = simulator
        self._clock = clock
        self._metadata: dict[str, dict[str, str]] = {}
        self._customers: list[str] = []
        self._handlers: dict[str, Callable[[Fields, Fields, str | None], Awaitable[JSON]]] = {
            "create an Express account": self._create_account,
            "retrieve an account": self._retrieve_account,
            "set an account's payout schedule": self._set_payout_schedule,
            "create an onboarding link": self._create_account_link,
            "create a destination charge": self._create_intent,
            "retrieve a payment intent with its charge": self._retrieve_intent,
            "cancel a payment intent": self._cancel_intent,
            "refund a destination charge": self._create_refund,
            "retrieve a refund": self._retrieve_refund,
            "find a shopper's customers": self._list_customers,
            "create a store's customer": self._create_customer,
            "list a customer's cards": self._list_cards,
            "detach a card": self._detach_card,
        }

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._handlers)

    async def answer(
        self, operation: str, groups: Fields, fields: Fields, idempotency_key: str | None
    ) -> JSON:
        """The object Stripe answers with; a refusal raises the simulator's ``GatewayError``."""
        return await self._handlers[operation](groups, fields, idempotency_key)

    # -- accounts ---------------------------------------------------------------------------

    async def _create_account(self, _: Fields, fields: Fields, key: str | None) -> JSON:
        created = await self._simulator.create_account(
            NewAccount(
                store_id=fields["metadata[storepay_store_id]"],
                business_name=fields["business_profile[name]"],
                email=fields["email"],
                country=fields["country"],
                idempotency_key=key or "",
            )
        )
        self._metadata[created.account_id] = _metadata(fields)
        return self._shown(created.account_id)

    async def _retrieve_account(self, groups: Fields, _: Fields, __: str | None) -> JSON:
        await self._simulator.retrieve_account(groups["account"])  # refuses unknown accounts
        return self._shown(groups["account"])

    async def _set_payout_schedule(self, groups: Fields, fields: Fields, _: str | None) -> JSON:
        prefix = "settings[payouts][schedule]"
        weekly = fields.get(f"{prefix}[weekly_anchor]")
        monthly = fields.get(f"{prefix}[monthly_anchor]")
        schedule = PayoutSchedule(
            PayoutInterval(fields[f"{prefix}[interval]"]),
            weekly_anchor=None if weekly is None else Weekday(weekly),
            monthly_anchor=None if monthly is None else int(monthly),
        )
        await self._simulator.set_payout_schedule(groups["account"], schedule)
        return self._shown(groups["account"])

    async def _create_account_link(self, _: Fields, fields: Fields, __: str | None) -> JSON:
        link = await self._simulator.create_onboarding_link(
            fields["account"], refresh_url=fields["refresh_url"], return_url=fields["return_url"]
        )
        return {
            "object": "account_link",
            "created": int(self._clock().timestamp()),
            "expires_at": int(link.expires_at.timestamp()),
            "url": link.url,
        }

    # -- payment intents and refunds --------------------------------------------------------

    async def _create_intent(self, _: Fields, fields: Fields, key: str | None) -> JSON:
        currency = fields["currency"]
        intent = await self._simulator.create_payment_intent(
            IntentRequest(
                amount=Money.of(int(fields["amount"]), currency),
                application_fee=Money.of(int(fields["application_fee_amount"]), currency),
                destination_account=fields["transfer_data[destination]"],
                idempotency_key=key or "",
                receipt_email=fields["receipt_email"],
                customer_id=fields.get("customer"),
                save_payment_method=fields.get("setup_future_usage") == "off_session",
                metadata=_metadata(fields),
            )
        )
        shown = self._shown(intent.id)
        shown["description"] = fields.get("description")
        return shown

    async def _retrieve_intent(self, groups: Fields, fields: Fields, _: str | None) -> JSON:
        intent = self._simulator.retrieve_object(groups["intent"])
        if fields.get("expand[0]") == "latest_charge" and intent["latest_charge"] is not None:
            intent["latest_charge"] = self._simulator.retrieve_object(intent["latest_charge"])
        return intent

    async def _cancel_intent(self, groups: Fields, _: Fields, __: str | None) -> JSON:
        await self._simulator.cancel_payment_intent(groups["intent"])
        return self._shown(groups["intent"])

    async def _create_refund(self, _: Fields, fields: Fields, key: str | None) -> JSON:
        intent = self._simulator.retrieve_object(fields["payment_intent"])
        amount = Money.of(int(fields["amount"]), intent["currency"])
        reason = fields.get("reason")
        observation = await self._simulator.create_refund(
            RefundRequest(
                payment_intent_id=intent["id"],
                amount=amount,
                application_fee_refund=self._fee_share(intent, amount),
                idempotency_key=key or "",
                reason=None if reason is None else RefundReason(reason),
                metadata=_metadata(fields),
            )
        )
        return self._shown(observation.gateway_refund_id)

    def _fee_share(self, intent: JSON, amount: Money) -> Money:
        """``refund_application_fee=true``: the fee refunded in proportion to the amount,
        cumulatively, so that refunds of the whole charge give back exactly the whole fee."""
        if intent["latest_charge"] is None or intent["status"] != "succeeded":
            return Money.zero(amount.currency)  # the simulator refuses the refund anyway
        charge = self._simulator.retrieve_object(intent["latest_charge"])
        fee, total, before = (
            intent["application_fee_amount"],
            charge["amount"],
            charge["amount_refunded"],
        )
        after = min(before + amount.minor_units, total)
        return Money(fee * after // total - fee * before // total, amount.currency)

    async def _retrieve_refund(self, groups: Fields, _: Fields, __: str | None) -> JSON:
        return self._simulator.retrieve_object(groups["refund"])

    # -- customers and their cards ----------------------------------------------------------

    async def _list_customers(self, _: Fields, fields: Fields, __: str | None) -> JSON:
        shown = [self._shown(customer_id) for customer_id in reversed(self._customers)]
        # Stripe's email filter is exact (case-sensitive).
        return _list("/v1/customers", [c for c in shown if c["email"] == fields["email"]])

    async def _create_customer(self, _: Fields, fields: Fields, __: str | None) -> JSON:
        customer_id = await self._simulator.ensure_customer(
            email=fields["email"], store_id=fields["metadata[storepay_store_id]"]
        )
        if customer_id not in self._customers:
            self._customers.append(customer_id)
        self._metadata[customer_id] = _metadata(fields)
        return self._shown(customer_id)

    async def _list_cards(self, groups: Fields, _: Fields, __: str | None) -> JSON:
        customer_id = groups["customer"]
        cards = await self._simulator.list_payment_methods(customer_id)
        return _list(
            f"/v1/customers/{customer_id}/payment_methods",
            [self._shown(card.payment_method_id) for card in cards],
        )

    async def _detach_card(self, groups: Fields, _: Fields, __: str | None) -> JSON:
        await self._simulator.detach_payment_method(groups["method"])
        return self._shown(groups["method"])

    # -- inside -----------------------------------------------------------------------------

    def _shown(self, object_id: str) -> JSON:
        shown = self._simulator.retrieve_object(object_id)
        if object_id in self._metadata:
            shown["metadata"] = dict(self._metadata[object_id])
        return shown


def _metadata(fields: Fields) -> dict[str, str]:
    found = (re.fullmatch(r"metadata\[(.+)\]", name) for name in fields)
    return {named[1]: fields[named[0]] for named in found if named is not None}


def _list(url: str, data: list[JSON]) -> JSON:
    return {"object": "list", "data": data, "has_more": False, "url": url}
