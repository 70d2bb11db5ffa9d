from __future__ import annotations

import pytest

from domain.errors import DomainError
from domain.store import hash_api_key

from .system import System

pytestmark = pytest.mark.anyio


async def test_rotating_replaces_the_stored_hash(system: System) -> None:
    created = await system.open_store()

    new_key = await system.use_cases.rotate_api_key(created.store.id)

    store = await system.use_cases.get_store(created.store.id)
    assert new_key.startswith("spk_")
    assert new_key != created.api_key
    assert store.api_key_hash == hash_api_key(new_key)
    assert store.api_key_hash != hash_api_key(created.api_key)


async def test_rotating_twice_leaves_only_the_latest_key(system: System) -> None:
    created = await system.open_store()

    second = await system.use_cases.rotate_api_key(created.store.id)
    third = await system.use_cases.rotate_api_key(created.store.id)

    for stale in (created.api_key, second):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.authenticate_store(stale)
        assert refused.value.code == "unauthorized"
    assert (await system.use_cases.authenticate_store(third)).id == created.store.id


async def test_rotating_leaves_other_stores_alone(system: System) -> None:
    kiosk = await system.open_store("Kiosk")
    bakery = await system.open_store("Bakery")

    await system.use_cases.rotate_api_key(kiosk.store.id)

    assert (await system.use_cases.authenticate_store(bakery.api_key)).id == bakery.store.id


async def test_an_unknown_store_is_not_found(system: System) -> None:
    await system.open_store()
    before = system.stored()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.rotate_api_key("store_nobody")

    assert refused.value.code == "not_found"
    assert system.stored() == before
