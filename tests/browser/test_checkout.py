"""A shopper pays in a real browser: the checkout, the 3-D Secure step and the return page.

Each test drives headless Chromium against storepay served on a free port with the simulated
gateway, then checks the order's state through the store's own API.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .live import LiveServer, Marketplace, Store

# Without playwright the fixtures skip these tests (or fail them under CI), saying why.
with contextlib.suppress(ImportError):
    from playwright.sync_api import Page, expect

SUCCEEDS = "4242 4242 4242 4242"
DECLINED = "4000 0000 0000 0002"
REQUIRES_3DS = "4000 0025 0000 3155"


def enter_card(page: Page, number: str, expiry: str = "12/34", cvc: str = "123") -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry date (MM/YY)").fill(expiry)
    page.get_by_label("Security code (CVC)").fill(cvc)


def assert_paid(page: Page, market: Marketplace, store: Store, order_id: str) -> None:
    page.wait_for_url("**/checkout/complete?**")
    expect(page.locator("h1")).to_have_text("Payment received")
    expect(page.locator("#status-message")).to_contain_text("this order is paid")
    expect(page.get_by_role("link", name="Try again")).to_be_hidden()
    order = market.order_state(store, order_id)
    assert (order["payment_status"], order["status"]) == ("paid", "processing")


def test_a_shopper_pays_with_a_card_and_sees_the_order_paid(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop, amount=4990, reference="A-1001")
    page.goto(market.checkout_url(shop, order_id))
    expect(page.get_by_role("heading", name="Pay for your order")).to_be_visible()
    expect(page.locator("#total")).to_have_text("€49.90")
    expect(page.get_by_role("row", name="Marketplace fee")).to_contain_text("€1.25")
    expect(page.get_by_role("row", name="Goes to Atelier Ana")).to_contain_text("€48.65")
    expect(page.get_by_text("A-1001")).to_be_visible()
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input')].filter(i => !i.labels.length).map(i => i.id)"
    )
    assert unlabelled == []

    enter_card(page, SUCCEEDS)
    page.get_by_role("button", name="Pay €49.90").click()
    assert_paid(page, market, shop, order_id)


def test_a_declined_card_is_said_in_words_and_the_shopper_tries_again(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))
    enter_card(page, DECLINED)
    page.get_by_role("button", name="Pay €49.90").click()

    error = page.get_by_role("alert")
    expect(error).to_have_text("Your card was declined. Try again, or use another card.")
    expect(error).to_be_focused()
    expect(page.locator("#pay-progress")).to_have_text("Nothing was charged. You can try again.")
    expect(page.get_by_role("button", name="Pay €49.90")).to_be_enabled()
    assert market.order_state(shop, order_id)["payment_status"] == "failed"

    enter_card(page, SUCCEEDS)
    page.get_by_role("button", name="Pay €49.90").click()
    assert_paid(page, market, shop, order_id)


def test_a_card_asking_for_3d_secure_is_authenticated_then_paid(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop, amount=12000)
    page.goto(market.checkout_url(shop, order_id))
    enter_card(page, REQUIRES_3DS)
    page.get_by_role("button", name="Pay €120.00").click()

    challenge = page.get_by_role("region", name="Confirm it's you")
    expect(challenge).to_be_visible()
    expect(challenge).to_contain_text("€120.00")
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_focused()
    challenge.get_by_role("button", name="Authenticate").click()
    assert_paid(page, market, shop, order_id)


def test_a_failed_authentication_lets_the_shopper_try_again(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))
    enter_card(page, REQUIRES_3DS)
    page.get_by_role("button", name="Pay €49.90").click()
    page.get_by_role("button", name="Fail authentication").click()
    expect(page.get_by_role("alert")).to_contain_text("Your bank could not confirm it was you")
    expect(page.get_by_role("region", name="Confirm it's you")).to_be_hidden()

    enter_card(page, SUCCEEDS)
    page.get_by_role("button", name="Pay €49.90").click()
    assert_paid(page, market, shop, order_id)


def test_the_form_says_what_is_missing_before_sending_anything(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.get_by_label("Card number").fill("4242")
    page.get_by_role("button", name="Pay €49.90").click()
    number = page.get_by_label("Card number")
    expect(number).to_be_focused()
    expect(number).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#card-number-error")).to_have_text(
        "Enter the card number: 12 to 19 digits, as printed on the card."
    )
    expect(page.locator("#card-expiry-error")).to_be_visible()
    assert requests == []


def test_on_a_phone_the_form_fits_and_pays(phone: Page, market: Marketplace, shop: Store) -> None:
    order_id = market.order(shop, amount=4990)
    phone.goto(market.checkout_url(shop, order_id))
    overflowing = phone.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getClientRects().length)
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    assert overflowing == []
    width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == 375
    pay = phone.get_by_role("button", name="Pay €49.90")
    box = pay.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 375
    assert box["height"] >= 44  # a comfortable target for a thumb

    enter_card(phone, SUCCEEDS)
    pay.tap()
    phone.wait_for_url("**/checkout/complete?**")
    expect(phone.locator("h1")).to_have_text("Payment received")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert market.order_state(shop, order_id)["payment_status"] == "paid"


def test_a_shopper_pays_with_the_keyboard_alone(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))

    def tab_to(element_id: str, limit: int = 15) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == element_id:
                return
        raise AssertionError(f"Tab never reached #{element_id}")

    tab_to("card-number")
    page.keyboard.type(REQUIRES_3DS)
    page.keyboard.press("Tab")
    page.keyboard.type("12/34")
    page.keyboard.press("Tab")
    page.keyboard.type("123")
    tab_to("pay-button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "authenticate"
    page.keyboard.press("Space")
    assert_paid(page, market, shop, order_id)


def test_a_returning_shopper_signed_in_at_the_store_pays_with_a_saved_card(
    page: Page, market: Marketplace, shop: Store
) -> None:
    first = market.order(shop)
    page.goto(market.signed_in_checkout_url(shop, first))
    enter_card(page, SUCCEEDS, expiry="08/31")
    page.get_by_label("Save this card for my next purchases at Atelier Ana").check()
    page.get_by_role("button", name="Pay €49.90").click()
    assert_paid(page, market, shop, first)

    second = market.order(shop, amount=2500)
    page.goto(market.checkout_url(shop, second))  # the order's link alone: no saved card
    expect(page.get_by_label("Card number")).to_be_visible()
    expect(page.get_by_label("A new card")).to_have_count(0)
    page.goto(market.signed_in_checkout_url(shop, second))
    saved = page.get_by_label("Visa ending in 4242, expires 08/2031")
    expect(saved).to_be_checked()
    expect(page.get_by_label("Card number")).to_be_hidden()
    page.get_by_label("A new card").check()
    expect(page.get_by_label("Card number")).to_be_visible()
    saved.check()
    page.get_by_role("button", name="Pay €25.00").click()
    assert_paid(page, market, shop, second)


def test_a_signed_in_shopper_tries_again_after_a_decline_with_the_same_checkout(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.signed_in_checkout_url(shop, order_id))
    enter_card(page, DECLINED)
    page.get_by_role("button", name="Pay €49.90").click()
    expect(page.get_by_role("alert")).to_contain_text("declined")
    page.get_by_label("Card number").fill(SUCCEEDS)
    page.get_by_role("button", name="Pay €49.90").click()
    assert_paid(page, market, shop, order_id)


def test_the_return_page_keeps_checking_until_the_payment_is_final(
    page: Page, live: LiveServer, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    live.stripe.delivery_mode = "held"  # the webhooks wait: storepay does not know yet
    try:
        page.goto(market.checkout_url(shop, order_id))
        enter_card(page, SUCCEEDS)
        page.get_by_role("button", name="Pay €49.90").click()
        page.wait_for_url("**/checkout/complete?**")
        expect(page.locator("h1")).to_have_text("Waiting for the payment")
        expect(page.locator("#status")).to_have_attribute("aria-live", "polite")
    finally:
        live.stripe.delivery_mode = "immediate"
        live.run(live.stripe.release)
    expect(page.locator("h1")).to_have_text("Payment received", timeout=10_000)
    expect(page.locator("#status-progress")).to_be_hidden()


def test_an_unknown_order_and_a_paid_one_are_said_in_words(
    page: Page, live: LiveServer, market: Marketplace, shop: Store
) -> None:
    response = page.goto(f"{live.url}/checkout/{shop.id}/ord_missing")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("We could not find this order")

    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))
    enter_card(page, SUCCEEDS)
    page.get_by_role("button", name="Pay €49.90").click()
    page.wait_for_url("**/checkout/complete?**")
    page.goto(market.checkout_url(shop, order_id))
    expect(page.locator("h1")).to_have_text("This order is already paid")


def test_the_checkout_screenshot_for_the_readme(
    page: Page, market: Marketplace, tmp_path: Path
) -> None:
    """``scripts/screenshot-checkout`` runs this with STOREPAY_CHECKOUT_SCREENSHOT set."""
    store = market.ready_store("Atelier Ana")
    order_id = market.order(store, amount=4990, reference="A-1001")
    page.set_viewport_size({"width": 720, "height": 1100})
    page.goto(market.checkout_url(store, order_id))
    enter_card(page, SUCCEEDS)
    page.locator("details.test-cards summary").click()
    expect(page.locator("details.test-cards")).to_have_attribute("open", "")
    target = Path(os.environ.get("STOREPAY_CHECKOUT_SCREENSHOT") or tmp_path / "checkout.png")
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000


def test_the_return_page_of_a_failed_payment_offers_to_try_again(
    page: Page, market: Marketplace, shop: Store
) -> None:
    order_id = market.order(shop)
    page.goto(market.checkout_url(shop, order_id))
    enter_card(page, DECLINED)
    page.get_by_role("button", name="Pay €49.90").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(f"{market.server.url}/checkout/complete?store={shop.id}&order={order_id}")
    expect(page.locator("h1")).to_have_text("Payment failed")
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", name="Pay for your order")).to_be_visible()
