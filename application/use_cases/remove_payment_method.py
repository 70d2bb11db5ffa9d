"""A store removes a shopper's saved card, here and at the gateway."""

from __future__ import annotations

from application.errors import NotFound
from application.gateway import PaymentGateway
from application.ports import UnitOfWorkFactory
from domain.email import normalise_email


class RemovePaymentMethod:
    def __init__(self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway

    async def __call__(self, store_id: str, customer_email: str, payment_method_id: str) -> None:
        email = normalise_email(customer_email)
        async with self._uow_factory() as uow:
            method = await uow.payment_methods.get(store_id, payment_method_id)
        if method is None or method.customer_email != email:
            raise NotFound("no such saved payment method")
        await self._gateway.detach_payment_method(payment_method_id)
        async with self._uow_factory() as uow:
            await uow.payment_methods.remove(store_id, payment_method_id)
            await uow.commit()
