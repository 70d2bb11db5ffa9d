"""The CustomerRepository contract: one gateway customer per shopper and store."""

from __future__ import annotations

import pytest

from application.ports import DuplicateRecord, UnitOfWorkFactory

from .builders import EMAIL, a_store, given

pytestmark = pytest.mark.anyio


async def add_customer(
    uow_factory: UnitOfWorkFactory, customer_id: str, *, store_id: str = "store_a"
) -> None:
    async with uow_factory() as uow:
        await uow.customers.add_gateway_customer(store_id, EMAIL, customer_id)
        await uow.commit()


async def test_a_shopper_s_gateway_customer_is_remembered_per_store(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))

    async with uow_factory() as uow:
        await uow.customers.add_gateway_customer("store_a", EMAIL, "cus_a")
        await uow.customers.add_gateway_customer("store_b", EMAIL, "cus_b")
        await uow.customers.add_gateway_customer("store_a", "other@example.com", "cus_other")
        await uow.commit()

    async with uow_factory() as uow:
        of_a = await uow.customers.gateway_customer("store_a", EMAIL)
        of_b = await uow.customers.gateway_customer("store_b", EMAIL)
        other = await uow.customers.gateway_customer("store_a", "other@example.com")
        unknown = await uow.customers.gateway_customer("store_b", "other@example.com")

    assert (of_a, of_b, other, unknown) == ("cus_a", "cus_b", "cus_other", None)


async def test_a_shopper_has_one_gateway_customer_per_store(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await given(uow_factory, a_store())
    await add_customer(uow_factory, "cus_first")

    with pytest.raises(DuplicateRecord):
        await add_customer(uow_factory, "cus_second")

    async with uow_factory() as uow:
        assert await uow.customers.gateway_customer("store_a", EMAIL) == "cus_first"


async def test_a_gateway_customer_tells_whose_it_is(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))
    async with uow_factory() as uow:
        await uow.customers.add_gateway_customer("store_a", EMAIL, "cus_a")
        await uow.customers.add_gateway_customer("store_b", EMAIL, "cus_b")
        await uow.commit()

    async with uow_factory() as uow:
        of_b = await uow.customers.by_gateway_customer("cus_b")
        unknown = await uow.customers.by_gateway_customer("cus_nobody")

    assert of_b == ("store_b", EMAIL)
    assert unknown is None


async def test_a_gateway_customer_stands_for_one_shopper(uow_factory: UnitOfWorkFactory) -> None:
    await given(uow_factory, a_store("store_a"), a_store("store_b"))
    await add_customer(uow_factory, "cus_1")

    with pytest.raises(DuplicateRecord):
        await add_customer(uow_factory, "cus_1", store_id="store_b")

    async with uow_factory() as uow:
        assert await uow.customers.gateway_customer("store_b", EMAIL) is None
        assert await uow.customers.by_gateway_customer("cus_1") == ("store_a", EMAIL)
