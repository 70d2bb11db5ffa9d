"""The platform reads the commission it collected and gave back, in total and per store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from application.ports import UnitOfWorkFactory
from domain.currency import Currency
from domain.ledger import LedgerEntry, PlatformFees, platform_fees


@dataclass(frozen=True, slots=True)
class StorePlatformFees:
    store_id: str
    fees: PlatformFees


@dataclass(frozen=True, slots=True)
class PlatformFeeReport:
    totals: list[PlatformFees]
    by_store: list[StorePlatformFees]


class ReportPlatformFees:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, currency: str | None = None) -> PlatformFeeReport:
        wanted = None if currency is None else Currency.for_payments(currency)
        async with self._uow_factory() as uow:
            entries = await uow.ledger.all(wanted)
        per_store: dict[str, list[LedgerEntry]] = defaultdict(list)
        for entry in entries:
            per_store[entry.store_id].append(entry)
        return PlatformFeeReport(
            totals=platform_fees(entries),
            by_store=[
                StorePlatformFees(store_id=store_id, fees=fees)
                for store_id, store_entries in sorted(per_store.items())
                for fees in platform_fees(store_entries)
            ],
        )
