"""A store lists the cards one of its shoppers saved, as the gateway holds them now."""

from __future__ import annotations

from application.gateway import PaymentGateway, SavedCard
from application.lookups import require_store
from application.ports import Clock, UnitOfWorkFactory
from domain.email import normalise_email
from domain.payment_method import SavedPaymentMethod


class ListPaymentMethods:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, store_id: str, customer_email: str) -> list[SavedPaymentMethod]:
        email = normalise_email(customer_email)
        async with self._uow_factory() as uow:
            await require_store(uow, store_id)
            customer_id = await uow.customers.gateway_customer(store_id, email)
        if customer_id is None:
            return []
        cards = await self._gateway.list_payment_methods(customer_id)
        async with self._uow_factory() as uow:
            known = {m.id: m for m in await uow.payment_methods.for_customer(store_id, email)}
            for card in cards:
                if card.payment_method_id not in known:
                    method = saved_method(card, store_id, email, self._clock)
                    await uow.payment_methods.add(method)
                    known[method.id] = method
            listed = {card.payment_method_id for card in cards}
            for gone in [m for m in known.values() if m.id not in listed]:
                await uow.payment_methods.remove(store_id, gone.id)
                del known[gone.id]
            await uow.commit()
        return sorted(known.values(), key=lambda m: (m.created_at, m.id), reverse=True)


def saved_method(card: SavedCard, store_id: str, email: str, clock: Clock) -> SavedPaymentMethod:
    return SavedPaymentMethod(
        id=card.payment_method_id,
        store_id=store_id,
        customer_email=email,
        type=card.type,
        created_at=clock.now(),
        card_brand=card.card_brand,
        card_last4=card.card_last4,
        card_exp_month=card.card_exp_month,
        card_exp_year=card.card_exp_year,
    )
