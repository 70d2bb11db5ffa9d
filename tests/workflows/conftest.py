"""The marketplace every workflow scenario runs against, once per backend, and the shared steps."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from bdd.wording import code, phrase, words
from pytest_bdd import then

from .backends import BACKENDS
from .driver import Marketplace
from .steps.balances import *  # noqa: F403
from .steps.cards import *  # noqa: F403
from .steps.checkout import *  # noqa: F403
from .steps.orders import *  # noqa: F403
from .steps.refunds import *  # noqa: F403
from .steps.reports import *  # noqa: F403
from .steps.stores import *  # noqa: F403
from .story import Attempt, Story


@pytest.fixture(params=list(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


@pytest.fixture
def market(backend: str, runner: asyncio.Runner, tmp_path: Path) -> Iterator[Marketplace]:
    with BACKENDS[backend](runner, tmp_path) as market:
        yield market


@pytest.fixture
def attempt() -> Iterator[Attempt]:
    attempt = Attempt()
    yield attempt
    attempt.check_examined()


@pytest.fixture
def story(market: Marketplace, attempt: Attempt) -> Story:
    return Story(market, attempt)


@then(phrase("it is refused: {reason}"))
def _(attempt: Attempt, reason: str) -> None:
    refused = attempt.refused()
    assert refused.code == code(reason), f"refused as {words(refused.code)}: {refused.message}"
