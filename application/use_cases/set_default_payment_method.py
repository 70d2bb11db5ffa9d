"""A store marks one of a shopper's saved cards as the one to offer first."""

from __future__ import annotations

from application.errors import NotFound
from application.ports import UnitOfWorkFactory
from domain.email import normalise_email
from domain.payment_method import SavedPaymentMethod, make_default


class SetDefaultPaymentMethod:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(
        self, store_id: str, customer_email: str, payment_method_id: str
    ) -> SavedPaymentMethod:
        email = normalise_email(customer_email)
        async with self._uow_factory() as uow:
            methods = await uow.payment_methods.for_customer(store_id, email)
            chosen = next((m for m in methods if m.id == payment_method_id), None)
            if chosen is None:
                raise NotFound("no such saved payment method")
            make_default(methods, payment_method_id)
            for method in methods:
                await uow.payment_methods.save(method)
            await uow.commit()
        return chosen
