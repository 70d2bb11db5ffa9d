"""The demo's figures as tables people read, and the verdict of the cross-checks."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from domain.money import Money
from domain.payment import Payment

from .checks import Check, Facts
from .story import Story


def table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, text_columns: int = 1
) -> list[str]:
    """Columns as wide as their widest cell: the first ``text_columns`` left-aligned, the
    figures after them right-aligned."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.ljust(width) if column < text_columns else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return ("   " + "  ".join(parts)).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def payments(story: Story, facts: Facts) -> list[str]:
    rows = []
    for purchase in story.purchases:
        payment = facts.payments[purchase.reference]
        rows.append(
            [
                purchase.reference,
                purchase.store.name,
                payment.status.value,
                str(payment.amount_total),
                str(payment.amount_platform_fee),
                str(payment.amount_store),
                str(payment.amount_refunded),
                str(payment.amount_disputed),
                str(_fee_given_back(payment)),
            ]
        )
    headers = [
        "order",
        "store",
        "status",
        "total",
        "platform fee",
        "store part",
        "refunded",
        "disputed",
        "fee given back",
    ]
    return ["5. Payments and their fee splits", *table(headers, rows, text_columns=3)]


def _fee_given_back(payment: Payment) -> Money:
    """The platform fee returned to the store with refunds and disputes."""
    given_back = payment.platform_fee_refunded
    for dispute in payment.disputes:
        given_back += dispute.platform_fee_returned
    return given_back


def balances(story: Story, facts: Facts) -> list[str]:
    rows = [
        [
            store.name,
            *(
                str(figure)
                for figure in (
                    balance.gross_volume,
                    balance.platform_fees,
                    balance.refunds,
                    balance.fee_refunds,
                    balance.disputed,
                    balance.net,
                )
            ),
        ]
        for store in story.stores
        for balance in facts.balances[store.id]
    ]
    headers = ["store", "gross", "platform fees", "refunds", "fee refunds", "disputed", "net"]
    return [
        "6. Store balances (net = gross - platform fees - refunds + fee refunds - disputed)",
        *table(headers, rows),
    ]


def platform_fees(story: Story, facts: Facts) -> list[str]:
    names = {store.id: store.name for store in story.stores}
    rows = [
        [
            names.get(line.store_id, line.store_id),
            str(line.fees.fees_collected),
            str(line.fees.fees_refunded),
            str(line.fees.net),
        ]
        for line in facts.fees.by_store
    ]
    rows += [
        [
            f"all stores ({fees.currency.code})",
            str(fees.fees_collected),
            str(fees.fees_refunded),
            str(fees.net),
        ]
        for fees in facts.fees.totals
    ]
    return [
        "7. The platform's commission",
        *table(["store", "collected", "given back", "net"], rows),
    ]


def _shown(value: object) -> str:
    return str(value) if isinstance(value, Money | str | int | bool) else repr(value)


def verdict(checks: Sequence[Check]) -> tuple[list[str], bool]:
    lines = ["8. Reconciliation: every figure from storepay, its ledger and the gateway"]
    for group, in_group in groupby(checks, key=lambda check: check.group):
        figures = list(in_group)
        failed = [check for check in figures if not check.ok]
        mark = "ok      " if not failed else "MISMATCH"
        lines.append(f"   {mark}  {group}: {len(figures) - len(failed)} of {len(figures)} agree")
        lines += [
            f"             {check.label}: expected {_shown(check.expected)}, "
            f"found {_shown(check.actual)}"
            for check in failed
        ]
    mismatches = sum(not check.ok for check in checks)
    if mismatches:
        lines.append(f"   {mismatches} of {len(checks)} figures do NOT reconcile.")
    else:
        lines.append(f"   All {len(checks)} figures reconcile.")
    return lines, not mismatches
