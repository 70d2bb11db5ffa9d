"""``/metrics`` answers only the admin token or the metrics token (``STOREPAY_METRICS_TOKEN``),
with a 401 problem to anyone else; and a scrape reads the database's counts at most once in
``STOREPAY_METRICS_CACHE_SECONDS``, so that scraping cannot load the database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.conftest import ADMIN, assert_problem, bearer, open_store, service_for
from e2e.shopping import Marketplace
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.container import Service
from entrypoints.http.app import create_app
from entrypoints.settings import SettingsError, load_settings

METRICS_TOKEN = "spm_metrics_scraper_token_0123456789"


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return service_for(tmp_path / "metrics.sqlite3", STOREPAY_METRICS_TOKEN=METRICS_TOKEN)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(service)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic c3RvcmVwYXk6c3RvcmVwYXk="},
        bearer("spm_not_the_metrics_token_0123456"),
    ],
    ids=["none", "empty", "basic", "wrong"],
)
def test_metrics_refuse_whoever_holds_neither_token(
    client: TestClient[Any], headers: dict[str, str]
) -> None:
    refused = client.get("/metrics", headers=headers)
    assert_problem(refused, 401, "unauthorized")
    assert "storepay_" not in refused.text


def test_a_store_api_key_does_not_open_the_metrics(client: TestClient[Any]) -> None:
    store = open_store(client)
    assert_problem(client.get("/metrics", headers=store.headers), 401, "unauthorized")


@pytest.mark.parametrize("headers", [ADMIN, bearer(METRICS_TOKEN)], ids=["admin", "metrics"])
def test_the_admin_token_and_the_metrics_token_read_the_metrics(
    client: TestClient[Any], headers: dict[str, str]
) -> None:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200
    assert "storepay_payments" in answer.text


def test_a_short_metrics_token_is_refused_at_start_up() -> None:
    with pytest.raises(SettingsError, match="STOREPAY_METRICS_TOKEN"):
        load_settings({"STOREPAY_METRICS_TOKEN": "short"})


def _pending(client: TestClient[Any]) -> float:
    answer = client.get("/metrics", headers=ADMIN)
    assert answer.status_code == 200
    return next(
        sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name == "storepay_payments" and sample.labels == {"status": "pending"}
    )


def test_the_counts_are_read_from_the_database_at_most_once_in_the_cache_window(
    client: TestClient[Any], service: Service
) -> None:
    market = Marketplace(client, service)
    shop = market.ready_store()
    assert _pending(client) == 0
    market.intent_for(shop, market.order(shop))  # a pending payment, after the first scrape

    assert _pending(client) == 0  # still the counts read a moment ago


def test_counts_are_read_afresh_once_the_cache_window_is_over(tmp_path: Path) -> None:
    service = service_for(tmp_path / "fresh.sqlite3", STOREPAY_METRICS_CACHE_SECONDS="0")
    with TestClient(create_app(service)) as client:
        market = Marketplace(client, service)
        shop = market.ready_store()
        assert _pending(client) == 0
        market.intent_for(shop, market.order(shop))

        assert _pending(client) == 1
