"""A store's connected account at the gateway, and whether it may take payments."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from domain.events import AccountStatusChanged, DomainEvent


class AccountStatus(enum.StrEnum):
    NOT_CONFIGURED = "not_configured"  # the store has no connected account yet
    PENDING = "pending"  # onboarding is not finished, or the gateway is verifying it
    RESTRICTED = "restricted"  # onboarded, but charges or payouts are disabled
    ACTIVE = "active"  # charges and payouts enabled, nothing overdue
    INACTIVE = "inactive"  # rejected by the gateway, or disconnected by the store

    @property
    def accepts_payments(self) -> bool:
        return self is AccountStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class AccountSnapshot:
    """What the gateway reports of an account at ``observed_at`` (``account.updated``)."""

    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    observed_at: datetime
    currently_due: tuple[str, ...] = ()
    past_due: tuple[str, ...] = ()
    disabled_reason: str | None = None

    def status(self) -> AccountStatus:
        reason = self.disabled_reason or ""
        if reason.startswith("rejected") or reason == "platform_paused":
            return AccountStatus.INACTIVE
        if self.charges_enabled and self.payouts_enabled and not self.past_due:
            return AccountStatus.ACTIVE
        if reason == "requirements.pending_verification":
            return AccountStatus.PENDING
        if not self.details_submitted and not self.charges_enabled:
            return AccountStatus.PENDING
        return AccountStatus.RESTRICTED

    def _precedence(
        self,
    ) -> tuple[datetime, bool, bool, bool, tuple[str, ...], tuple[str, ...], str]:
        return (
            self.observed_at,
            self.details_submitted,
            self.charges_enabled,
            self.payouts_enabled,
            tuple(sorted(self.currently_due)),
            tuple(sorted(self.past_due)),
            self.disabled_reason or "",
        )

    def outranks(self, other: AccountSnapshot) -> bool:
        """The more recent report wins; the rest only makes the order total."""
        return self._precedence() > other._precedence()


@dataclass(eq=False)
class ConnectedAccount:
    """One store's account at the gateway; a store has at most one, ever."""

    account_id: str
    store_id: str
    created_at: datetime
    snapshot: AccountSnapshot | None = None
    deauthorized_at: datetime | None = None
    _events: list[DomainEvent] = field(default_factory=list, repr=False)

    @property
    def status(self) -> AccountStatus:
        if self.deauthorized_at is not None:
            return AccountStatus.INACTIVE
        if self.snapshot is None:
            return AccountStatus.PENDING
        return self.snapshot.status()

    @property
    def accepts_payments(self) -> bool:
        return self.status.accepts_payments

    @property
    def needs_onboarding(self) -> bool:
        return self.status in (AccountStatus.PENDING, AccountStatus.RESTRICTED)

    def observe(self, snapshot: AccountSnapshot) -> None:
        """Apply an ``account.updated`` report; an older report than the one held is ignored."""
        if self.snapshot is not None and not snapshot.outranks(self.snapshot):
            return
        previous = self.status
        self.snapshot = snapshot
        self._note_change(previous, snapshot.observed_at)

    def deauthorize(self, at: datetime) -> None:
        """The store disconnected the platform: final."""
        if self.deauthorized_at is not None and self.deauthorized_at <= at:
            return
        previous = self.status
        self.deauthorized_at = at
        self._note_change(previous, at)

    def pull_events(self) -> list[DomainEvent]:
        events, self._events = self._events, []
        return events

    def _note_change(self, previous: AccountStatus, at: datetime) -> None:
        if self.status is not previous:
            self._events.append(
                AccountStatusChanged(
                    occurred_at=at,
                    store_id=self.store_id,
                    account_id=self.account_id,
                    previous=previous,
                    current=self.status,
                )
            )


def store_account_status(account: ConnectedAccount | None) -> AccountStatus:
    return AccountStatus.NOT_CONFIGURED if account is None else account.status
