from __future__ import annotations

import pytest

from domain.store import Store

from .system import System, build_system


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def system() -> System:
    return build_system()


@pytest.fixture
def held() -> System:
    """A system whose gateway holds its webhooks until released, as a slow network would."""
    return build_system(delivery_mode="held")


@pytest.fixture
def networked() -> System:
    """A system whose gateway calls let concurrent use cases interleave."""
    return build_system(network=True)


@pytest.fixture
def overlapping() -> System:
    """A system whose gateway calls and database commits both let concurrent use cases
    interleave, so that their transactions overlap."""
    return build_system(network=True, slow_database=True)


@pytest.fixture
async def store(system: System, anyio_backend: str) -> Store:
    return await system.onboarded_store("Kiosk")


@pytest.fixture
async def other_store(system: System, anyio_backend: str) -> Store:
    return await system.onboarded_store("Bakery")
