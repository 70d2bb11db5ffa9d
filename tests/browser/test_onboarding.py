"""A store owner onboards in a real browser: the hosted onboarding stand-in, then the return
page, in the same templates and style as the checkout."""

from __future__ import annotations

import contextlib

from .live import Marketplace

# Without playwright the fixtures skip these tests (or fail them under CI), saying why.
with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect


def test_a_store_owner_finishes_onboarding_and_is_told_payments_are_on(
    page: Page, market: Marketplace
) -> None:
    store = market.open_store("Ana <b>&</b> Co")
    setup = market.set_up_payments(store)
    page.goto(setup["onboarding_url"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up payments for Ana <b>&</b> Co")
    expect(page.get_by_role("status")).to_contain_text("Test mode")

    page.get_by_role("link", name="Return to the store without finishing").click()
    expect(page.locator("h1")).to_have_text("Onboarding is not finished")
    page.get_by_role("link", name="Continue onboarding").click()  # a fresh link, then the stand-in
    expect(page.locator("h1")).to_have_text("Set up payments for Ana <b>&</b> Co")

    page.get_by_role("button", name="Complete onboarding").click()
    expect(page.locator("h1")).to_have_text("Your store can take payments")
    expect(page.get_by_role("link", name="Continue onboarding")).to_have_count(0)
    assert market.payment_config(store)["account_status"] == "active"
