"""A NUL or another control character in any text a request carries is refused at the edge, the
same way on SQLite and on PostgreSQL, and nothing reaches the database.

PostgreSQL cannot store a NUL: an id in a path, a ``starting_after``, a store's name or an
e-mail address holding one once answered ``503 service_unavailable`` (unauthenticated, and
counted as a 5xx) where SQLite answered 404 or stored it. Now an id in a path is ``404`` as an
unknown id is, and any other text (query, header, JSON body) is ``400 validation_error`` naming
what holds it; webhooks holding one are ``400 invalid_event``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e.conftest import ADMIN, API, assert_problem, open_store
from e2e.shopping import signed

from entrypoints.http.control_characters import control_character_in

from .backends import BACKENDS, Served, served_on

WEBHOOK_SECRET = "whsec_control_characters"
NUL = "\x00"
# Each sort of control character, as a path or query carries it (percent-encoded).
ENCODED = {"NUL": "%00", "escape": "%1B", "line feed": "%0A", "DEL": "%7F", "C1 NEL": "%C2%85"}


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    directory = tmp_path_factory.mktemp(request.param)
    with served_on(request.param, directory, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET) as served:
        yield served


@pytest.fixture(scope="module")
def shop(served: Served) -> dict[str, str]:
    store = open_store(served.client)
    order = served.client.post(
        f"{API}/store/orders",
        json={
            "reference": "A-1",
            "customer_email": "ana@example.com",
            "amount": 1999,
            "currency": "EUR",
        },
        headers=store.headers,
    )
    assert order.status_code == 201, order.text
    return {"id": store.id, "key": store.api_key, "order": order.json()["id"]}


def _store_headers(shop: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {shop['key']}"}


def _request(served: Served, method: str, path: str, **kwargs: Any) -> Any:
    before = served.rows()
    response = served.client.request(method, path, **kwargs)
    assert served.rows() == before, "a refused request changed the database"
    return response


# -- ids in paths: 404, as an unknown id -------------------------------------------------------

PATHS = {
    "a store id (admin)": ("GET", "{api}/admin/stores/st_{c}", "admin"),
    "a store id to rotate its key (admin)": ("POST", "{api}/admin/stores/st_{c}/api-keys", "admin"),
    "an order id": ("GET", "{api}/store/orders/ord_{c}", "store"),
    "a payment id": ("GET", "{api}/store/payments/pay_{c}", "store"),
    "a payment id to refund": ("POST", "{api}/store/payments/pay_{c}/refunds", "store"),
    "a shopper's e-mail": (
        "GET",
        "{api}/store/customers/ana{c}%40example.com/payment-methods",
        "store",
    ),
    "a payment method id": (
        "DELETE",
        "{api}/store/customers/ana%40example.com/payment-methods/pm_{c}",
        "store",
    ),
    "an order's payment status (public)": (
        "GET",
        "{api}/platform/stores/{store}/orders/ord_{c}/payment-status",
        None,
    ),
    "a store id in create-intent (public)": (
        "POST",
        "{api}/platform/stores/st_{c}/payments/create-intent",
        None,
    ),
    "a store id in a fee preview (public)": (
        "GET",
        "{api}/platform/stores/st_{c}/payments/fee-preview?amount=1000",
        None,
    ),
}


def _headers(who: str | None, shop: dict[str, str]) -> dict[str, str]:
    return ADMIN if who == "admin" else _store_headers(shop) if who == "store" else {}


@pytest.mark.parametrize("character", sorted(ENCODED))
@pytest.mark.parametrize("route", sorted(PATHS))
def test_an_id_in_a_path_with_a_control_character_is_not_found(
    served: Served, shop: dict[str, str], route: str, character: str
) -> None:
    method, template, who = PATHS[route]
    path = template.format(api=API, store=shop["id"], c=ENCODED[character])
    body = {"order_id": shop["order"], "amount": 1999, "customer_email": "ana@example.com"}

    response = _request(
        served,
        method,
        path,
        headers=_headers(who, shop),
        json=body if path.endswith("/create-intent") else None,
    )

    assert_problem(response, 404, "not_found")


def test_a_checkout_page_with_a_control_character_in_its_path_is_not_found_in_html(
    served: Served, shop: dict[str, str]
) -> None:
    response = _request(served, "GET", f"/checkout/{shop['id']}/ord_%00")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


# -- query parameters: 400 naming the parameter ------------------------------------------------


@pytest.mark.parametrize("character", sorted(ENCODED))
@pytest.mark.parametrize(
    "path",
    [
        "{api}/store/payments?starting_after=pay_{c}",
        "{api}/store/customers/ana%40example.com/payment-methods?starting_after=pm_{c}",
    ],
    ids=["payments", "payment methods"],
)
def test_starting_after_with_a_control_character_is_refused(
    served: Served, shop: dict[str, str], path: str, character: str
) -> None:
    response = _request(
        served,
        "GET",
        path.format(api=API, c=ENCODED[character]),
        headers=_store_headers(shop),
    )

    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == "starting_after"


def test_a_query_parameter_named_with_a_control_character_is_refused(
    served: Served, shop: dict[str, str]
) -> None:
    response = _request(
        served,
        "GET",
        f"{API}/store/payments?limit=5&starting%00after=x",
        headers=_store_headers(shop),
    )

    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == "query"


def test_a_query_parameter_of_a_page_is_refused_in_html(
    served: Served, shop: dict[str, str]
) -> None:
    response = _request(served, "GET", f"/checkout/complete?store={shop['id']}&order=ord_%00")

    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


# -- headers: 400 naming the header ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("Idempotency-Key", f"key-{NUL}-1"),
        ("Idempotency-Key", "key-\x1b-1"),
        ("Idempotency-Key", "key-\x7f-1"),
        ("Authorization", f"Bearer spa_{NUL}"),
        ("Authorization", f"Bearer {NUL}"),
        ("X-Anything", f"a{NUL}b"),
    ],
    ids=[
        "idempotency key NUL",
        "idempotency key ESC",
        "idempotency key DEL",
        "bearer NUL",
        "bearer only NUL",
        "any header",
    ],
)
def test_a_header_with_a_control_character_is_refused(
    served: Served, header: str, value: str
) -> None:
    headers = {**ADMIN, header: value}

    response = _request(
        served,
        "POST",
        f"{API}/admin/stores",
        json={"name": "Kiosk", "business_email": "owner@kiosk.example"},
        headers=headers,
    )

    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == header


def test_a_tab_within_a_header_is_still_allowed(served: Served) -> None:
    response = served.client.get(
        f"{API}/admin/stores/st_unknown", headers={**ADMIN, "X-Note": "a\tb"}
    )

    assert_problem(response, 404, "not_found")


# -- JSON bodies: 400 naming the field ---------------------------------------------------------

NEW_STORE = {"name": "Kiosk", "business_email": "owner@kiosk.example"}
NEW_ORDER = {
    "reference": "B-1",
    "customer_email": "ana@example.com",
    "amount": 1999,
    "currency": "EUR",
}

BODIES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "a store's name with a NUL": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "name": f"Kiosk{NUL}"},
        "name",
    ),
    "a store's name with a line feed": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "name": "Kiosk\nNew"},
        "name",
    ),
    "a store's name with a C1 control": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "name": "Kiosk\x85"},
        "name",
    ),
    "a store's e-mail with a NUL": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "business_email": f"owner{NUL}@kiosk.example"},
        "business_email",
    ),
    "a store's e-mail with a tab": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "business_email": "owner\t@kiosk.example"},
        "business_email",
    ),
    "a store's phone with a NUL": (
        "{api}/admin/stores",
        "admin",
        {**NEW_STORE, "business_phone": f"+352{NUL}"},
        "business_phone",
    ),
    "an order's shopper e-mail with a NUL": (
        "{api}/store/orders",
        "store",
        {**NEW_ORDER, "customer_email": f"ana{NUL}@example.com"},
        "customer_email",
    ),
    "an order's reference with a NUL": (
        "{api}/store/orders",
        "store",
        {**NEW_ORDER, "reference": f"B{NUL}1"},
        "reference",
    ),
    "an address with a NUL": (
        "{api}/store/payments/setup",
        "store",
        {"city": f"Esch{NUL}"},
        "city",
    ),
    "a payout schedule with a NUL": (
        "{api}/store/payments/settings",
        "store",
        {"payout_schedule": f"weekly{NUL}"},
        "payout_schedule",
    ),
    "create-intent's order id with a NUL": (
        "{api}/platform/stores/{store}/payments/create-intent",
        "public",
        {"order_id": f"ord_{NUL}", "amount": 1999, "customer_email": "ana@example.com"},
        "order_id",
    ),
    "create-intent's e-mail with a NUL": (
        "{api}/platform/stores/{store}/payments/create-intent",
        "public",
        {"order_id": "{order}", "amount": 1999, "customer_email": f"ana{NUL}@example.com"},
        "customer_email",
    ),
    "a metadata value with a NUL": (
        "{api}/platform/stores/{store}/payments/create-intent",
        "public",
        {
            "order_id": "{order}",
            "amount": 1999,
            "customer_email": "ana@example.com",
            "metadata": {"note": f"gift{NUL}"},
        },
        "metadata.note",
    ),
    "a metadata key with a line feed": (
        "{api}/platform/stores/{store}/payments/create-intent",
        "public",
        {
            "order_id": "{order}",
            "amount": 1999,
            "customer_email": "ana@example.com",
            "metadata": {"no\nte": "gift"},
        },
        "metadata",
    ),
}


def _filled(document: Any, shop: dict[str, str]) -> Any:
    if isinstance(document, dict):
        return {key: _filled(value, shop) for key, value in document.items()}
    if isinstance(document, str):
        return document.replace("{order}", shop["order"])
    return document


@pytest.mark.parametrize("body", sorted(BODIES))
def test_a_body_with_a_control_character_is_refused_naming_the_field(
    served: Served, shop: dict[str, str], body: str
) -> None:
    template, who, document, field = BODIES[body]
    method = "PATCH" if template.endswith("/settings") else "POST"

    response = _request(
        served,
        method,
        template.format(api=API, store=shop["id"]),
        json=_filled(document, shop),
        headers=ADMIN if who == "admin" else _store_headers(shop) if who == "store" else {},
    )

    problem = assert_problem(response, 400, "validation_error")
    assert problem["field"] == field


def test_free_text_may_break_lines_and_names_may_be_any_language(
    served: Served, shop: dict[str, str]
) -> None:
    made = served.client.post(
        f"{API}/admin/stores",
        json={"name": "Atelier Élise ☕ 東京", "business_email": "élise@école.example"},
        headers={**ADMIN, "X-Note": "a\tb", "X-Utf8": "café €".encode()},
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Atelier Élise ☕ 東京"

    intent = served.client.post(
        f"{API}/platform/stores/{shop['id']}/payments/create-intent",
        json={
            "order_id": shop["order"],
            "amount": 1999,
            "customer_email": "ana@example.com",
            "metadata": {"note": "gift\r\nwrap it\tplease"},
        },
    )
    # The store takes no payments yet: refused for that, not for the note's line breaks.
    assert_problem(intent, 409, "payments_not_enabled")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"a": "plain", "b": ["x", {"c": "y\\u0000"}]}', "$.b[1].c"),
        (b'{"a": ["ok\\n", "\\u0085"]}', "$.a[1]"),
        (b'{"\\u001b": 1}', "$"),
        (b'{"a": "caf\xc3\xa9 \\\\u0000 is text"}', None),
        (b'{"a": 1, "b": null, "c": true}', None),
    ],
)
def test_the_first_string_holding_a_control_character_is_named(
    body: bytes, field: str | None
) -> None:
    assert control_character_in(body) == field


# -- webhooks: 400 invalid_event ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"id": f"evt_{NUL}"},
        {"type": f"customer.created{NUL}"},
        {"account": f"acct_{NUL}"},
        {"id": "evt_\x1b[2J"},
    ],
    ids=["id", "type", "account", "id with an escape sequence"],
)
def test_a_webhook_with_a_control_character_is_an_invalid_event(
    served: Served, changes: dict[str, str]
) -> None:
    event = {
        "id": "evt_control_1",
        "object": "event",
        "created": 1_793_000_000,
        "livemode": False,
        "type": "customer.created",
        "data": {"object": {"id": "cus_1", "object": "customer"}},
        **changes,
    }
    body, headers = signed(event, WEBHOOK_SECRET)

    response = _request(served, "POST", "/webhooks/stripe", content=body, headers=headers)

    assert_problem(response, 400, "invalid_event")
