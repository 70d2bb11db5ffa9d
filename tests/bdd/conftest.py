"""Steps shared by the features: fee policies, the payment story, refusals and the ledger."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial

import pytest
from pytest_bdd import given, then, when

from domain.dispute import DisputeStatus
from domain.ledger import LedgerEntry, platform_fees
from domain.money import Money
from domain.payment import IntentState
from domain.refund import RefundStatus

from .marketplace import Marketplace, Report
from .outcome import Outcome
from .wording import (
    MONEY_PATTERN,
    clock,
    clock_list,
    code,
    fee_policy,
    fields,
    money,
    money_list,
    phrase,
    records,
    words,
)

TAGS = {
    "rounding": "where an amount is rounded to the currency's smallest unit",
    "gateway_reports": "the same gateway report twice, or reports out of order",
}


def pytest_configure(config: pytest.Config) -> None:
    for tag, meaning in TAGS.items():
        config.addinivalue_line("markers", f"{tag}: {meaning}")


# -- refusals ---------------------------------------------------------------------------------


@pytest.fixture
def outcome() -> Iterator[Outcome]:
    outcome = Outcome()
    yield outcome
    outcome.check_examined()


@then(phrase("it is refused: {reason}"))
def _(outcome: Outcome, reason: str) -> None:
    error = outcome.refusal()
    assert error.code == code(reason), f"refused as {words(error.code)}: {error.message}"


@then("it is accepted")
def _(outcome: Outcome) -> None:
    outcome.check_accepted()


# -- the marketplace and its fee policy -------------------------------------------------------


@pytest.fixture
def market() -> Marketplace:
    return Marketplace()


def attempt(market: Marketplace, outcome: Outcome, action: Callable[[], object]) -> None:
    """Try an action on the marketplace, keeping what it looked like before."""
    market.remember()
    outcome.attempt(action)


@given(phrase("the platform fee is {rate}"))
def _(market: Marketplace, rate: str) -> None:
    market.fee_policy = fee_policy({"percentage": rate})


@given("the fee policy:")
def _(market: Marketplace, datatable: list[list[str]]) -> None:
    market.fee_policy = fee_policy(fields(datatable))


# -- payments ---------------------------------------------------------------------------------


@given(phrase("a payment of {total:Money}"))
def _(market: Marketplace, total: Money) -> None:
    market.start_payment(total)


@given(phrase("a succeeded payment of {total:Money}"))
def _(market: Marketplace, total: Money) -> None:
    market.start_payment(total)
    market.deliver(market.payment_report(IntentState.SUCCEEDED))


@when(phrase("a shopper starts a payment of {total}"))
def _(market: Marketplace, outcome: Outcome, total: str) -> None:
    attempt(market, outcome, lambda: market.start_payment(money(total)))


@when("the shopper cancels the payment")
def _(market: Marketplace, outcome: Outcome) -> None:
    attempt(market, outcome, market.cancel)


# -- gateway reports --------------------------------------------------------------------------

_PAYMENT_REPORTS: dict[str, tuple[IntentState, str | None]] = {
    "a payment method is required": (IntentState.PENDING, None),
    "3-D Secure is required": (IntentState.REQUIRES_ACTION, None),
    "the payment is processing": (IntentState.PROCESSING, None),
    "the card was declined": (IntentState.FAILED, "card_declined"),
    "the payment succeeded": (IntentState.SUCCEEDED, None),
    "the payment was canceled": (IntentState.CANCELED, None),
}
_REFUND_REPORTS = {
    "the refund succeeded": RefundStatus.SUCCEEDED,
    "the refund failed": RefundStatus.FAILED,
    "the refund was canceled": RefundStatus.CANCELED,
}
_DISPUTE_REPORTS = {
    "the store won the dispute": DisputeStatus.WON,
    "the store lost the dispute": DisputeStatus.LOST,
}
_DISPUTE_OPENED = re.compile(rf"the shopper's bank disputed (?P<amount>{MONEY_PATTERN})")
_REFUNDED_AT_GATEWAY = re.compile(
    rf"(?P<amount>{MONEY_PATTERN}) was refunded from the gateway's dashboard"
)


def gateway_report(market: Marketplace, report: str, at: datetime | None = None) -> Report:
    """The gateway's report, as the scenario words it."""
    if report in _PAYMENT_REPORTS:
        state, failure_reason = _PAYMENT_REPORTS[report]
        return market.payment_report(state, at, failure_reason)
    if report in _REFUND_REPORTS:
        return market.refund_report(_REFUND_REPORTS[report], at)
    if report in _DISPUTE_REPORTS:
        return market.dispute_report(_DISPUTE_REPORTS[report], at)
    if opened := _DISPUTE_OPENED.fullmatch(report):
        return market.dispute_opened(money(opened["amount"]), at)
    if refunded := _REFUNDED_AT_GATEWAY.fullmatch(report):
        return market.refund_made_at_gateway(money(refunded["amount"]), at)
    raise ValueError(f"the gateway makes no report worded {report!r}")


@given(phrase("the gateway reported that {report}"))
def _(market: Marketplace, report: str) -> None:
    market.deliver(gateway_report(market, report))


@given(phrase("the gateway reported at {at:Time} that {report}"))
def _(market: Marketplace, at: datetime, report: str) -> None:
    market.deliver(gateway_report(market, report, at))


@when(phrase("the gateway reports that {report}"))
def _(market: Marketplace, outcome: Outcome, report: str) -> None:
    attempt(market, outcome, lambda: market.deliver(gateway_report(market, report)))


@when(phrase("the gateway reports at {at:Time} that {report}"))
def _(market: Marketplace, outcome: Outcome, at: datetime, report: str) -> None:
    attempt(market, outcome, lambda: market.deliver(gateway_report(market, report, at)))


@when("the same report arrives again")
def _(market: Marketplace, outcome: Outcome) -> None:
    assert market.last_report is not None, "no report has arrived yet"
    report = market.last_report
    attempt(market, outcome, lambda: market.deliver(report))


@given("the gateway made these reports:", target_fixture="reports_made")
def _(market: Marketplace, datatable: list[list[str]]) -> dict[datetime, Report]:
    made = {clock(row["at"]): row["report"] for row in records(datatable)}
    return {at: gateway_report(market, report, at) for at, report in made.items()}


@when(phrase("they arrive in the order {order}"))
def _(
    market: Marketplace, outcome: Outcome, reports_made: dict[datetime, Report], order: str
) -> None:
    for at in clock_list(order):
        attempt(market, outcome, partial(market.deliver, reports_made[at]))


# -- refunds ----------------------------------------------------------------------------------


@given(phrase("the store refunded {amount:Money}"))
def _(market: Marketplace, amount: Money) -> None:
    market.refund(amount)


@given("the store refunded the payment in full")
def _(market: Marketplace) -> None:
    market.refund(None)


@given(phrase("the store asked to refund {amount:Money}"))
def _(market: Marketplace, amount: Money) -> None:
    market.request_refund(amount)


@when(phrase("the store refunds {amount:Money}"))
def _(market: Marketplace, outcome: Outcome, amount: Money) -> None:
    attempt(market, outcome, lambda: market.refund(amount))


@when("the store refunds the payment in full")
def _(market: Marketplace, outcome: Outcome) -> None:
    attempt(market, outcome, lambda: market.refund(None))


@when(phrase("the store asks to refund {amount}"))
def _(market: Marketplace, outcome: Outcome, amount: str) -> None:
    attempt(market, outcome, lambda: market.request_refund(money(amount)))


# -- what can be seen afterwards --------------------------------------------------------------


@then(phrase("the payment status is {status}"))
def _(market: Marketplace, status: str) -> None:
    assert words(market.payment.status) == status


@then("nothing has changed")
def _(market: Marketplace) -> None:
    assert market.before is not None, "nothing was attempted"
    assert market.snapshot() == market.before


@then(phrase("{amount:Money} is left to refund"))
def _(market: Marketplace, amount: Money) -> None:
    assert market.payment.refundable_amount == amount


@then("nothing is left to refund")
def _(market: Marketplace) -> None:
    assert market.payment.refundable_amount.is_zero


@then(phrase("the refund is {status}"))
def _(market: Marketplace, status: str) -> None:
    assert words(market.latest_refund.status) == status


@then(phrase("the refunds give back fee shares of {shares}"))
def _(market: Marketplace, shares: str) -> None:
    given_back = [refund.platform_fee_refunded for refund in market.payment.refunds]
    assert given_back == money_list(shares), [str(share) for share in given_back]


@then(phrase("the dispute gives back {share:Money} of the platform fee"))
def _(market: Marketplace, share: Money) -> None:
    assert market.payment.disputes[-1].platform_fee_returned == share


@then(phrase("the platform fee given back adds up to {total:Money}, the whole fee"))
def _(market: Marketplace, total: Money) -> None:
    payment = market.payment
    assert total == payment.amount_platform_fee
    (fees,) = platform_fees(market.entries_of(payment))
    assert fees.fees_refunded == total


@then("the ledger records nothing")
def _(market: Marketplace) -> None:
    assert market.entries_of(market.payment) == []


@then("the ledger records:")
def _(market: Marketplace, datatable: list[list[str]]) -> None:
    recorded = [_ledger_row(entry) for entry in market.entries_of(market.payment)]
    assert recorded == records(datatable)


@then(phrase("the store's balance in {currency} is:"))
def _(market: Marketplace, currency: str, datatable: list[list[str]]) -> None:
    balance = market.store_balance(currency)
    shown = {
        "gross volume": balance.gross_volume,
        "platform fees": balance.platform_fees,
        "refunds": balance.refunds,
        "fee refunds": balance.fee_refunds,
        "disputed": balance.disputed,
        "net": balance.net,
    }
    expected = fields(datatable)
    assert {name: shown[name].format() for name in expected} == expected


@then(phrase("the platform's fees in {currency} are:"))
def _(market: Marketplace, currency: str, datatable: list[list[str]]) -> None:
    fees = market.platform_fees(currency)
    shown = {"collected": fees.fees_collected, "given back": fees.fees_refunded, "net": fees.net}
    expected = fields(datatable)
    assert {name: shown[name].format() for name in expected} == expected


def _ledger_row(entry: LedgerEntry) -> dict[str, str]:
    return {
        "movement": words(entry.kind),
        "from": entry.kind.payer.value,
        "to": entry.kind.payee.value,
        "amount": entry.amount.format(),
    }
