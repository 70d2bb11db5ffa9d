from __future__ import annotations

import pytest
from bdd.wording import phrase
from pytest_bdd import given, scenarios, then, when

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/api_keys.feature")


@pytest.fixture
def keys() -> dict[str, str]:
    """The API keys a scenario has seen, by what they were."""
    return {}


@pytest.fixture
def recognised() -> list[str]:
    return []


def _call(story: Story, api_key: str, recognised: list[str]) -> None:
    store = story.attempt.run(lambda: story.market.identify(api_key))
    if store is not None:
        recognised.append(store)


@given("the platform issued the store a new API key")
def _(story: Story, keys: dict[str, str]) -> None:
    keys["old"] = story.store().api_key
    story.market.rotate_api_key(story.store())


@when("someone calls with the store's API key")
def _(story: Story, recognised: list[str]) -> None:
    _call(story, story.store().api_key, recognised)


@when("someone calls with the store's old API key")
def _(story: Story, keys: dict[str, str], recognised: list[str]) -> None:
    _call(story, keys["old"], recognised)


@when("someone calls with an API key the platform never issued")
def _(story: Story, recognised: list[str]) -> None:
    _call(story, "spk_never_issued", recognised)


@when(phrase('someone calls with the API key of the store "{name}"'))
def _(story: Story, name: str, recognised: list[str]) -> None:
    _call(story, story.store(name).api_key, recognised)


@then(phrase('they are recognised as the store "{name}"'))
def _(story: Story, name: str, recognised: list[str]) -> None:
    assert recognised == [story.store(name).id]
