from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from pytest_bdd import given, scenarios, then, when

from domain.account import (
    AccountSnapshot,
    AccountStatus,
    ConnectedAccount,
    store_account_status,
)
from domain.events import AccountStatusChanged

from .wording import NOTHING, STORY_START, fields, phrase, words, yes

scenarios("connected_accounts.feature")

_DISABLED_REASONS = {
    NOTHING: None,
    "requirements past due": "requirements.past_due",
    "pending verification": "requirements.pending_verification",
    "rejected for fraud": "rejected.fraud",
    "rejected for terms": "rejected.terms_of_service",
    "paused by the platform": "platform_paused",
}


@dataclass
class Onboarding:
    """A store's connected account, if it has one, and the changes of status announced."""

    account: ConnectedAccount | None = None
    changes: list[AccountStatusChanged] = field(default_factory=list)
    now: datetime = STORY_START

    @property
    def status(self) -> AccountStatus:
        return store_account_status(self.account)

    def connect(self) -> None:
        self.account = ConnectedAccount(account_id="account", store_id="store", created_at=self.now)

    def report(self, facts: dict[str, str], at: datetime | None) -> None:
        self.connected().observe(_snapshot(facts, self._tick(at)))
        self._collect()

    def disconnect(self) -> None:
        self.connected().deauthorize(self._tick(None))
        self._collect()

    def connected(self) -> ConnectedAccount:
        assert self.account is not None, "the store has no connected account"
        return self.account

    def _tick(self, at: datetime | None) -> datetime:
        self.now = at if at is not None else self.now + timedelta(minutes=1)
        return self.now

    def _collect(self) -> None:
        for event in self.connected().pull_events():
            assert isinstance(event, AccountStatusChanged)
            self.changes.append(event)


def _snapshot(facts: dict[str, str], at: datetime) -> AccountSnapshot:
    past_due = facts.get("requirements past due", NOTHING)
    return AccountSnapshot(
        charges_enabled=yes(facts["charges enabled"]),
        payouts_enabled=yes(facts["payouts enabled"]),
        details_submitted=yes(facts["details submitted"]),
        observed_at=at,
        past_due=() if past_due == NOTHING else (past_due,),
        disabled_reason=_DISABLED_REASONS[facts.get("disabled reason", NOTHING)],
    )


@pytest.fixture
def onboarding() -> Onboarding:
    return Onboarding()


@given("a store without a connected account")
def _(onboarding: Onboarding) -> None:
    onboarding.account = None


@given("a store with a connected account")
def _(onboarding: Onboarding) -> None:
    onboarding.connect()


@given("the gateway reported on the account:")
@when("the gateway reports on the account:")
def _(onboarding: Onboarding, datatable: list[list[str]]) -> None:
    onboarding.report(fields(datatable), None)


@given(phrase("the gateway reported on the account at {at:Time}:"))
@when(phrase("the gateway reports on the account at {at:Time}:"))
def _(onboarding: Onboarding, at: datetime, datatable: list[list[str]]) -> None:
    onboarding.report(fields(datatable), at)


@given("the store disconnected its account from the platform")
@when("the store disconnects its account from the platform")
def _(onboarding: Onboarding) -> None:
    onboarding.disconnect()


@then(phrase("the account status is {status}"))
def _(onboarding: Onboarding, status: str) -> None:
    assert words(onboarding.status) == status


@then(phrase("the store {can} take payments"))
def _(onboarding: Onboarding, can: str) -> None:
    assert can in ("can", "cannot")
    assert onboarding.status.accepts_payments is (can == "can")


@then("the store still has onboarding to finish")
def _(onboarding: Onboarding) -> None:
    assert onboarding.connected().needs_onboarding


@then(phrase("the account's status changed from {previous} to {current}"))
def _(onboarding: Onboarding, previous: str, current: str) -> None:
    assert onboarding.changes, "no change of status was announced"
    change = onboarding.changes[-1]
    assert (words(change.previous), words(change.current)) == (previous, current)
