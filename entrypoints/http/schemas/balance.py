"""A store's takings per currency, summed from the ledger."""

from __future__ import annotations

import msgspec

from domain.ledger import StoreBalance
from entrypoints.http.schemas.common import display


class BalanceOut(msgspec.Struct):
    currency: str
    gross_volume: int
    platform_fees: int
    refunds: int
    fee_refunds: int
    disputed: int
    net: int
    net_display: str


class BalancesOut(msgspec.Struct):
    balances: list[BalanceOut]


def balances_out(balances: list[StoreBalance]) -> BalancesOut:
    return BalancesOut(
        balances=[
            BalanceOut(
                currency=balance.currency.code,
                gross_volume=balance.gross_volume.minor_units,
                platform_fees=balance.platform_fees.minor_units,
                refunds=balance.refunds.minor_units,
                fee_refunds=balance.fee_refunds.minor_units,
                disputed=balance.disputed.minor_units,
                net=balance.net.minor_units,
                net_display=display(balance.net),
            )
            for balance in balances
        ]
    )
