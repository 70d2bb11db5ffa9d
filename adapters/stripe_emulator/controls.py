"""The emulator's test mode, driven through its API as a client of Stripe's test helpers drives
Stripe's: the same calls whether the emulator answers in process (through :class:`EmulatedStripe`)
or from a process of its own (over HTTP, wherever ``api_base`` says).

Each call answers the object it changed, as Stripe's API shows it; a refusal is the emulator's
own :class:`EmulatorError` (its status, ``code`` and ``param``), and an emulator that cannot be
reached raises what ``unreachable`` makes of the reason (:class:`EmulatorUnreachable` unless the
caller names its own error).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import stripe

from adapters.stripe_emulator.records import JSON
from adapters.stripe_emulator.requests import EmulatorError


class EmulatorUnreachable(ConnectionError):
    """No answer from the emulator: it is not running where it was said to be, or did not
    answer in time."""


class EmulatorControls:
    def __init__(
        self,
        http_client: stripe.HTTPClient,
        *,
        api_base: str,
        secret_key: str,
        unreachable: Callable[[str], Exception] = EmulatorUnreachable,
    ) -> None:
        self._http_client = http_client
        self._unreachable = unreachable
        # No retries: a test-mode step (a payment, a dispute) must not happen twice.
        self._client = stripe.StripeClient(
            secret_key,
            http_client=http_client,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=0,
        )

    async def aclose(self) -> None:
        await self._http_client.close_async()  # type: ignore[no-untyped-call]  # untyped in stripe

    # -- what the API shows ----------------------------------------------------------------

    async def payment_intent(self, payment_intent_id: str) -> JSON:
        return await self._call("get", "/v1/payment_intents/{}", payment_intent_id)

    async def account(self, account_id: str) -> JSON:
        return await self._call("get", "/v1/accounts/{}", account_id)

    async def charge(self, charge_id: str) -> JSON:
        return await self._call("get", "/v1/charges/{}", charge_id)

    async def balance_transaction(self, transaction_id: str) -> JSON:
        return await self._call("get", "/v1/balance_transactions/{}", transaction_id)

    async def application_fee(self, fee_id: str) -> JSON:
        return await self._call("get", "/v1/application_fees/{}", fee_id)

    async def refund(self, refund_id: str) -> JSON:
        return await self._call("get", "/v1/refunds/{}", refund_id)

    async def transfer(self, transfer_id: str) -> JSON:
        return await self._call("get", "/v1/transfers/{}", transfer_id)

    async def dispute(self, dispute_id: str) -> JSON:
        return await self._call("get", "/v1/disputes/{}", dispute_id)

    async def onboarding_link(self, account_id: str) -> JSON:
        """The account's latest onboarding link, with its ``return_url``."""
        return await self._call("get", "/v1/test_helpers/accounts/{}/onboarding_link", account_id)

    # -- what a shopper does ---------------------------------------------------------------

    async def confirm(
        self,
        payment_intent_id: str,
        client_secret: str,
        *,
        card_number: str | None = None,
        exp_month: int = 12,
        exp_year: int | None = None,
        payment_method: str | None = None,
    ) -> JSON:
        """Pay with a test card's number, or with ``payment_method`` (a card the intent's
        customer saved, or one of Stripe's test payment methods such as ``pm_card_visa``)."""
        params: dict[str, Any] = {"client_secret": client_secret}
        if payment_method is not None:
            params["payment_method"] = payment_method
        else:
            card: dict[str, Any] = {"number": card_number or "", "exp_month": exp_month}
            if exp_year is not None:
                card["exp_year"] = exp_year
            params["payment_method_data"] = {"type": "card", "card": card}
        return await self._call("post", "/v1/payment_intents/{}/confirm", payment_intent_id, params)

    async def authenticate(self, payment_intent_id: str, client_secret: str, success: bool) -> JSON:
        return await self._call(
            "post",
            "/v1/test_helpers/payment_intents/{}/authenticate",
            payment_intent_id,
            {"client_secret": client_secret, "success": success},
        )

    # -- what a store and Stripe's onboarding do -------------------------------------------

    async def complete_onboarding(self, account_id: str) -> JSON:
        return await self._call(
            "post", "/v1/test_helpers/accounts/{}/complete_onboarding", account_id
        )

    async def require(
        self, account_id: str, currently_due: Sequence[str], disabled_reason: str | None = None
    ) -> JSON:
        params: dict[str, Any] = {"currently_due": list(currently_due)}
        if disabled_reason is not None:
            params["disabled_reason"] = disabled_reason
        return await self._call(
            "post", "/v1/test_helpers/accounts/{}/requirements", account_id, params
        )

    # -- what banks do ---------------------------------------------------------------------

    async def dispute_charge(
        self,
        charge_id: str,
        *,
        amount: int | None = None,
        reason: str | None = None,
        inquiry: bool = False,
    ) -> JSON:
        params: dict[str, Any] = {"inquiry": inquiry}
        if amount is not None:
            params["amount"] = amount
        if reason is not None:
            params["reason"] = reason
        return await self._call("post", "/v1/test_helpers/charges/{}/dispute", charge_id, params)

    async def close_dispute(self, dispute_id: str, *, won: bool) -> JSON:
        return await self._call(
            "post",
            "/v1/test_helpers/disputes/{}/close",
            dispute_id,
            {"outcome": "won" if won else "lost"},
        )

    async def pay_out(
        self, account_id: str, amount: int, *, failure_code: str | None = None
    ) -> JSON:
        """A payout in the account's own currency, paid or (with ``failure_code``) failed."""
        params: dict[str, Any] = {"amount": amount}
        if failure_code is not None:
            params["failure_code"] = failure_code
        return await self._call("post", "/v1/test_helpers/accounts/{}/payouts", account_id, params)

    async def fail_refund(self, refund_id: str, failure_reason: str = "declined") -> JSON:
        return await self._call(
            "post",
            "/v1/test_helpers/refunds/{}/fail",
            refund_id,
            {"failure_reason": failure_reason},
        )

    # -- inside -----------------------------------------------------------------------------

    async def _call(
        self, method: str, path: str, object_id: str, params: dict[str, Any] | None = None
    ) -> JSON:
        # Ids come from URLs people type: quoted, one never reaches another path or a query.
        url = path.format(quote(object_id, safe=""))
        try:
            answer = await self._client.raw_request_async(method, url, **(params or {}))
        except stripe.APIConnectionError as error:
            raise self._unreachable(
                f"the Stripe emulator could not be reached: {error.user_message}"
            ) from None
        except stripe.StripeError as error:
            raise _refusal(error) from None
        document: JSON = json.loads(answer.body)
        return document


def _refusal(error: stripe.StripeError) -> EmulatorError:
    body = error.json_body if isinstance(error.json_body, dict) else {}
    found = body.get("error")
    stated: dict[str, Any] = found if isinstance(found, dict) else {}
    return EmulatorError(
        str(stated.get("message") or error.user_message or "refused"),
        status=error.http_status or 500,
        type=str(stated.get("type") or "api_error"),
        code=stated.get("code"),
        param=stated.get("param"),
        decline_code=stated.get("decline_code"),
    )
