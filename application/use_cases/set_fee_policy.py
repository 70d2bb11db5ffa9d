"""The platform sets the commission it takes on a store's payments."""

from __future__ import annotations

from dataclasses import dataclass

from application.lookups import require_store
from application.ports import UnitOfWorkFactory
from domain.fees import FeePolicy


@dataclass(frozen=True, slots=True)
class NewFeePolicy:
    store_id: str
    percentage: str
    fixed_amount: int = 0
    minimum_fee: int = 0
    maximum_fee: int | None = None


class SetFeePolicy:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, command: NewFeePolicy) -> FeePolicy:
        async with self._uow_factory() as uow:
            store = await require_store(uow, command.store_id)
            policy = FeePolicy.build(
                command.percentage,
                store.currency,
                fixed_amount=command.fixed_amount,
                minimum_fee=command.minimum_fee,
                maximum_fee=command.maximum_fee,
            )
            store.set_fee_policy(policy)
            await uow.stores.save(store)
            await uow.commit()
        return policy
