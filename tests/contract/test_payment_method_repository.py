"""The PaymentMethodRepository contract."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory
from domain.payment_method import SavedPaymentMethod, make_default

from .builders import EMAIL, a_card, a_store, at, given, state

pytestmark = pytest.mark.anyio


def ids(methods: list[SavedPaymentMethod]) -> list[str]:
    return [method.id for method in methods]


async def test_a_saved_card_comes_back_as_it_was_added(uow_factory: UnitOfWorkFactory) -> None:
    card = a_card(is_default=True)
    await given(uow_factory, a_store(), card)

    async with uow_factory() as uow:
        loaded = await uow.payment_methods.get("store_a", "pm_1")
        by_gateway_id = await uow.payment_methods.by_gateway_id("pm_1")

    assert loaded is not None
    assert state(loaded) == state(card)
    assert (loaded.type, loaded.card_brand, loaded.card_last4) == ("card", "visa", "4242")
    assert (loaded.card_exp_month, loaded.card_exp_year) == (12, 2034)
    assert loaded.customer_email == EMAIL
    assert loaded.created_at == at(0)
    assert loaded.is_default is True
    assert by_gateway_id is not None
    assert state(by_gateway_id) == state(card)


async def test_a_method_without_card_details_keeps_its_blanks(
    uow_factory: UnitOfWorkFactory,
) -> None:
    method = SavedPaymentMethod(
        id="pm_sepa", store_id="store_a", customer_email=EMAIL, type="sepa_debit", created_at=at(0)
    )
    await given(uow_factory, a_store(), method)

    async with uow_factory() as uow:
        loaded = await uow.payment_methods.get("store_a", "pm_sepa")

    assert loaded is not None
    assert state(loaded) == state(method)
    assert loaded.card_brand is None
    assert loaded.card_exp_year is None
    assert loaded.is_default is False


async def test_a_shopper_s_methods_are_listed_oldest_first(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(
        uow_factory,
        a_store("store_a"),
        a_store("store_b"),
        a_card("pm_new", minute=3),
        a_card("pm_old", minute=1),
        a_card("pm_twin_b", minute=2),
        a_card("pm_twin_a", minute=2),
        a_card("pm_someone_else", email="other@example.com"),
        a_card("pm_other_store", "store_b"),
    )

    async with uow_factory() as uow:
        mine = await uow.payment_methods.for_customer("store_a", EMAIL)
        at_b = await uow.payment_methods.for_customer("store_b", EMAIL)
        nobody = await uow.payment_methods.for_customer("store_a", "nobody@example.com")

    assert ids(mine) == ["pm_old", "pm_twin_a", "pm_twin_b", "pm_new"]
    assert ids(at_b) == ["pm_other_store"]
    assert nobody == []


async def test_changing_the_default_is_saved(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), a_card("pm_1", is_default=True), a_card("pm_2", minute=1))

    async with uow_factory() as uow:
        methods = await uow.payment_methods.for_customer("store_a", EMAIL)
        make_default(methods, "pm_2")
        for method in methods:
            await uow.payment_methods.save(method)
        await uow.commit()

    async with uow_factory() as uow:
        after = await uow.payment_methods.for_customer("store_a", EMAIL)

    assert [(method.id, method.is_default) for method in after] == [
        ("pm_1", False),
        ("pm_2", True),
    ]


async def test_a_removed_method_is_gone(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), a_card("pm_1"), a_card("pm_2", minute=1))

    async with uow_factory() as uow:
        await uow.payment_methods.remove("store_a", "pm_1")
        await uow.payment_methods.remove("store_a", "pm_nobody")
        await uow.commit()

    async with uow_factory() as uow:
        by_id = await uow.payment_methods.get("store_a", "pm_1")
        by_gateway_id = await uow.payment_methods.by_gateway_id("pm_1")
        left = await uow.payment_methods.for_customer("store_a", EMAIL)

    assert (by_id, by_gateway_id) == (None, None)
    assert ids(left) == ["pm_2"]


async def test_another_store_can_neither_see_nor_remove_a_method(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"), a_card("pm_1", "store_a"))

    async with uow_factory() as uow:
        seen = await uow.payment_methods.get("store_b", "pm_1")
        await uow.payment_methods.remove("store_b", "pm_1")
        await uow.commit()

    async with uow_factory() as uow:
        kept = await uow.payment_methods.get("store_a", "pm_1")

    assert seen is None
    assert kept is not None
    assert kept.store_id == "store_a"


async def test_a_payment_method_id_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store(), a_card("pm_1", email=EMAIL))

    with pytest.raises(DuplicateRecord):
        await given(uow_factory, a_card("pm_1", email="other@example.com"))

    async with uow_factory() as uow:
        kept = await uow.payment_methods.by_gateway_id("pm_1")
    assert kept is not None
    assert kept.customer_email == EMAIL
