from __future__ import annotations

import pytest

from application.use_cases.set_up_payments import PaymentSetup
from domain.account import AccountStatus
from domain.errors import DomainError

from .system import System

pytestmark = pytest.mark.anyio


async def test_a_store_is_read_with_its_payment_configuration(system: System) -> None:
    created = await system.open_store()
    setup = await system.use_cases.set_up_payments(PaymentSetup(store_id=created.store.id))
    await system.stripe.complete_onboarding(setup.account_id)

    store = await system.use_cases.get_store(created.store.id)

    assert store.id == created.store.id
    assert store.account is not None
    assert store.account.account_id == setup.account_id
    assert store.account_status is AccountStatus.ACTIVE
    assert store.accepts_payments
    assert not store.needs_onboarding


async def test_an_unknown_store_is_not_found(system: System) -> None:
    with pytest.raises(DomainError) as refused:
        await system.use_cases.get_store("store_nobody")

    assert refused.value.code == "not_found"
