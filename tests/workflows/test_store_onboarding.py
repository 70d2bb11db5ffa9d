from __future__ import annotations

import pytest
from bdd.wording import phrase, words
from pytest_bdd import given, scenarios, then, when

from .story import Story

pytestmark = pytest.mark.usefixtures("backend")
scenarios("workflows/store_onboarding.feature")


@given("the store set up payments")
def _(story: Story) -> None:
    story.onboardings.append(story.market.set_up_payments(story.store()))


@when("the store sets up payments")
def _(story: Story) -> None:
    onboarding = story.attempt.run(lambda: story.market.set_up_payments(story.store()))
    if onboarding is not None:
        story.onboardings.append(onboarding)


@when("the store asks for a fresh onboarding link")
def _(story: Story) -> None:
    onboarding = story.attempt.run(lambda: story.market.fresh_onboarding_link(story.store()))
    if onboarding is not None:
        story.onboardings.append(onboarding)


@given("the store completed its onboarding at the gateway")
@when("the store completes its onboarding at the gateway")
def _(story: Story) -> None:
    story.market.finish_onboarding(story.store())


@when("the store comes back from the gateway's onboarding pages")
def _(story: Story) -> None:
    story.attempt.run(lambda: story.market.return_from_onboarding(story.store()))


@when("the store disconnects its account from the platform")
def _(story: Story) -> None:
    story.market.disconnect(story.store())


@then("the store is given a link to the gateway's onboarding")
def _(story: Story) -> None:
    (onboarding,) = story.onboardings
    assert onboarding.link.startswith("http")
    assert onboarding.account


@then("the store keeps the account it was given first")
def _(story: Story) -> None:
    first, *_, latest = story.onboardings
    assert latest.account == first.account


@then("the new link expires later than the first")
def _(story: Story) -> None:
    first, *_, latest = story.onboardings
    assert latest.expires_at > first.expires_at


@then(phrase("the store's account status is {status}"))
def _(story: Story, status: str) -> None:
    assert words(story.market.store(story.store()).account_status) == status


@then("the store can take payments")
def _(story: Story) -> None:
    assert story.market.store(story.store()).accepts_payments


@then("the store cannot take payments")
def _(story: Story) -> None:
    assert not story.market.store(story.store()).accepts_payments


@then("the store still has onboarding to finish")
def _(story: Story) -> None:
    assert story.market.store(story.store()).needs_onboarding


@then("the store has no onboarding left to finish")
def _(story: Story) -> None:
    assert not story.market.store(story.store()).needs_onboarding
