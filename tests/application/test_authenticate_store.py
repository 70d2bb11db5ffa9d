from __future__ import annotations

import pytest

from domain.errors import DomainError

from .system import System

pytestmark = pytest.mark.anyio


async def test_an_api_key_identifies_its_store(system: System) -> None:
    kiosk = await system.open_store("Kiosk")
    bakery = await system.open_store("Bakery")

    assert (await system.use_cases.authenticate_store(kiosk.api_key)).id == kiosk.store.id
    assert (await system.use_cases.authenticate_store(bakery.api_key)).id == bakery.store.id


@pytest.mark.parametrize("api_key", ["", "spk_unknown", " "])
async def test_an_unknown_or_empty_key_is_unauthorized(system: System, api_key: str) -> None:
    created = await system.open_store()

    with pytest.raises(DomainError) as refused:
        await system.use_cases.authenticate_store(api_key)

    assert refused.value.code == "unauthorized"
    assert api_key != created.api_key


async def test_a_key_with_anything_added_or_removed_is_unauthorized(system: System) -> None:
    created = await system.open_store()

    for near_miss in (created.api_key + "x", created.api_key[:-1], created.api_key.upper()):
        with pytest.raises(DomainError) as refused:
            await system.use_cases.authenticate_store(near_miss)
        assert refused.value.code == "unauthorized"


async def test_a_rotated_key_stops_working_and_the_new_one_works(system: System) -> None:
    created = await system.open_store()

    new_key = await system.use_cases.rotate_api_key(created.store.id)

    with pytest.raises(DomainError) as refused:
        await system.use_cases.authenticate_store(created.api_key)
    assert refused.value.code == "unauthorized"
    assert (await system.use_cases.authenticate_store(new_key)).id == created.store.id
