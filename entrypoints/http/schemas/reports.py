"""Money reports: the platform's commission and a store's balance."""

from __future__ import annotations

import msgspec

from application.use_cases.report_platform_fees import PlatformFeeReport
from domain.ledger import PlatformFees


class PlatformFeesOut(msgspec.Struct):
    currency: str
    fees_collected: int
    fees_refunded: int
    net: int


class StorePlatformFeesOut(msgspec.Struct):
    store_id: str
    currency: str
    fees_collected: int
    fees_refunded: int
    net: int


class PlatformFeeReportOut(msgspec.Struct):
    totals: list[PlatformFeesOut]
    by_store: list[StorePlatformFeesOut]


def _fees(fees: PlatformFees) -> PlatformFeesOut:
    return PlatformFeesOut(
        currency=fees.currency.code,
        fees_collected=fees.fees_collected.minor_units,
        fees_refunded=fees.fees_refunded.minor_units,
        net=fees.net.minor_units,
    )


def platform_fee_report_out(report: PlatformFeeReport) -> PlatformFeeReportOut:
    return PlatformFeeReportOut(
        totals=[_fees(fees) for fees in report.totals],
        by_store=[
            StorePlatformFeesOut(store_id=item.store_id, **msgspec.structs.asdict(_fees(item.fees)))
            for item in report.by_store
        ],
    )
