from __future__ import annotations

import pytest

from domain.account import (
    AccountSnapshot,
    AccountStatus,
    ConnectedAccount,
    store_account_status,
)
from domain.events import AccountStatusChanged

from .conftest import STORE_ID, T0, at


def snapshot(
    minute: int,
    *,
    charges: bool = True,
    payouts: bool = True,
    details: bool = True,
    currently_due: tuple[str, ...] = (),
    past_due: tuple[str, ...] = (),
    disabled_reason: str | None = None,
) -> AccountSnapshot:
    return AccountSnapshot(
        charges_enabled=charges,
        payouts_enabled=payouts,
        details_submitted=details,
        observed_at=at(minute),
        currently_due=currently_due,
        past_due=past_due,
        disabled_reason=disabled_reason,
    )


def changed(minute: int, previous: AccountStatus, current: AccountStatus) -> AccountStatusChanged:
    return AccountStatusChanged(
        occurred_at=at(minute),
        store_id=STORE_ID,
        account_id="acct_1",
        previous=previous,
        current=current,
    )


def new_account() -> ConnectedAccount:
    return ConnectedAccount(account_id="acct_1", store_id=STORE_ID, created_at=T0)


ACTIVE = snapshot(1)
RESTRICTED = snapshot(1, payouts=False, currently_due=("external_account",))


@pytest.mark.parametrize(
    ("report", "status"),
    [
        (snapshot(1), AccountStatus.ACTIVE),
        (snapshot(1, currently_due=("individual.id_number",)), AccountStatus.ACTIVE),
        (snapshot(1, past_due=("individual.verification.document",)), AccountStatus.RESTRICTED),
        (snapshot(1, payouts=False), AccountStatus.RESTRICTED),
        (
            snapshot(1, charges=False, disabled_reason="requirements.past_due"),
            AccountStatus.RESTRICTED,
        ),
        (snapshot(1, details=False, charges=True, payouts=False), AccountStatus.RESTRICTED),
        (snapshot(1, details=False, charges=False, payouts=False), AccountStatus.PENDING),
        (
            snapshot(
                1, charges=False, payouts=False, disabled_reason="requirements.pending_verification"
            ),
            AccountStatus.PENDING,
        ),
        (snapshot(1, disabled_reason="rejected.fraud"), AccountStatus.INACTIVE),
        (
            snapshot(1, charges=False, disabled_reason="rejected.terms_of_service"),
            AccountStatus.INACTIVE,
        ),
        (
            snapshot(1, charges=False, payouts=False, disabled_reason="platform_paused"),
            AccountStatus.INACTIVE,
        ),
    ],
)
def test_snapshot_status(report: AccountSnapshot, status: AccountStatus) -> None:
    assert report.status() is status


@pytest.mark.parametrize("status", list(AccountStatus))
def test_only_an_active_account_accepts_payments(status: AccountStatus) -> None:
    assert status.accepts_payments is (status is AccountStatus.ACTIVE)


def test_a_store_without_an_account_is_not_configured() -> None:
    assert store_account_status(None) is AccountStatus.NOT_CONFIGURED
    assert store_account_status(new_account()) is AccountStatus.PENDING


def test_a_new_account_is_pending_onboarding() -> None:
    account = new_account()

    assert account.status is AccountStatus.PENDING
    assert account.needs_onboarding
    assert not account.accepts_payments
    assert account.pull_events() == []


def test_an_account_becomes_active() -> None:
    account = new_account()

    account.observe(ACTIVE)

    assert account.status is AccountStatus.ACTIVE
    assert account.accepts_payments
    assert not account.needs_onboarding
    assert account.snapshot == ACTIVE
    assert account.pull_events() == [changed(1, AccountStatus.PENDING, AccountStatus.ACTIVE)]
    assert account.pull_events() == []


def test_a_restricted_account_needs_onboarding() -> None:
    account = new_account()

    account.observe(RESTRICTED)

    assert account.status is AccountStatus.RESTRICTED
    assert account.needs_onboarding
    assert account.pull_events() == [changed(1, AccountStatus.PENDING, AccountStatus.RESTRICTED)]


def test_an_older_snapshot_is_ignored() -> None:
    account = new_account()
    account.observe(snapshot(5))
    account.pull_events()

    account.observe(snapshot(3, payouts=False))

    assert account.snapshot == snapshot(5)
    assert account.status is AccountStatus.ACTIVE
    assert account.pull_events() == []


def test_a_newer_snapshot_with_the_same_status_records_no_event() -> None:
    account = new_account()
    account.observe(snapshot(1))
    account.pull_events()

    account.observe(snapshot(2, currently_due=("external_account",)))

    assert account.snapshot == snapshot(2, currently_due=("external_account",))
    assert account.pull_events() == []


def test_status_changes_follow_the_snapshots() -> None:
    account = new_account()

    account.observe(snapshot(1, details=False, charges=False, payouts=False))
    account.observe(snapshot(2, payouts=False))
    account.observe(snapshot(3))
    account.observe(snapshot(4, past_due=("company.tax_id",)))

    assert account.pull_events() == [
        changed(2, AccountStatus.PENDING, AccountStatus.RESTRICTED),
        changed(3, AccountStatus.RESTRICTED, AccountStatus.ACTIVE),
        changed(4, AccountStatus.ACTIVE, AccountStatus.RESTRICTED),
    ]


def test_snapshots_of_one_instant_settle_the_same_in_any_order() -> None:
    first, second = snapshot(2), snapshot(2, payouts=False)
    one, other = new_account(), new_account()

    one.observe(first)
    one.observe(second)
    other.observe(second)
    other.observe(first)

    assert one.snapshot == other.snapshot
    assert one.status is other.status


def test_deauthorize_is_final() -> None:
    account = new_account()
    account.observe(ACTIVE)
    account.pull_events()

    account.deauthorize(at(5))

    assert account.status is AccountStatus.INACTIVE
    assert account.deauthorized_at == at(5)
    assert not account.accepts_payments
    assert not account.needs_onboarding
    assert account.pull_events() == [changed(5, AccountStatus.ACTIVE, AccountStatus.INACTIVE)]

    account.observe(snapshot(6))

    assert account.status is AccountStatus.INACTIVE
    assert account.pull_events() == []


def test_deauthorize_twice_keeps_the_earliest_time_and_records_one_event() -> None:
    account = new_account()
    account.deauthorize(at(5))

    account.deauthorize(at(7))
    assert account.deauthorized_at == at(5)
    account.deauthorize(at(4))
    assert account.deauthorized_at == at(4)

    assert account.pull_events() == [changed(5, AccountStatus.PENDING, AccountStatus.INACTIVE)]
