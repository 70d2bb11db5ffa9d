"""The service's settings, read from the environment (the table in API.md).

A missing or contradictory setting stops start-up with one line naming the variable: a payments
service must not guess its database, its gateway or its secrets.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.errors import DomainError
from domain.fees import Percentage

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./storepay.db"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
# SQLite has one writer at a time, and aiosqlite gives each connection a thread of its own: past
# a few, more connections only add threads taking turns at the interpreter (webhooks on one
# worker: 10 connections 170-195/s at 5.5-6 ms of CPU each, 3 connections 205-223/s at 4.8-5.2 ms,
# 2 connections 218-269/s at 3.8-4.5 ms, 1 connection 160-173/s).
SQLITE_POOL_SIZE = 2
# A unit of work holds a PostgreSQL connection for a few statements; requests past the pool wait
# in its FIFO queue (adapters/sqlalchemy/fair_pool.py) rather than as more busy backends taking
# turns at the CPU. 4 workers on 2 cores, webhooks at 32 connections: 10 a worker, p99 108 ms
# at 969/s; 4 a worker, p99 70 ms at 983/s (create-intent p99 393 -> 237 ms).
POSTGRESQL_POOL_SIZE = 4
_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_NAMESPACE = re.compile(r"[A-Za-z0-9._-]{1,64}")


class SettingsError(Exception):
    """One line naming the variable at fault and what it needs."""


class GatewayKind(StrEnum):
    SIMULATED = "simulated"
    STRIPE = "stripe"


class DeliveryKind(StrEnum):
    IMMEDIATE = "immediate"
    HOSTILE = "hostile"


@dataclass(frozen=True, slots=True)
class SimulatedDelivery:
    """How the simulated gateway's emulator delivers its webhook events: ``immediate`` (each
    before the call that caused it answers), or ``hostile``: late (each batch up to
    ``max_delay_ms``), shuffled, and ``duplicates_percent`` of them twice."""

    kind: DeliveryKind = DeliveryKind.IMMEDIATE
    max_delay_ms: int = 1000
    duplicates_percent: int = 25
    shuffle: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    gateway: GatewayKind = GatewayKind.SIMULATED
    admin_token: str = field(default_factory=lambda: _new_secret("spa_"), repr=False)
    admin_token_generated: bool = False
    public_url: str = DEFAULT_PUBLIC_URL
    default_fee_percentage: Percentage = field(default_factory=lambda: Percentage.parse("2.5"))
    stripe_secret_key: str | None = field(default=None, repr=False)
    stripe_publishable_key: str | None = None
    webhook_secret: str = field(default_factory=lambda: _new_secret("whsec_"), repr=False)
    connect_webhook_secret: str | None = field(default=None, repr=False)
    stripe_api_base: str | None = None
    cors_origins: tuple[str, ...] = ()
    rate_limit_per_minute: int = 120
    reconcile_interval_seconds: int = 300
    request_body_timeout_seconds: int = 10
    database_pool_size: int = SQLITE_POOL_SIZE  # the default database's
    metrics_token: str | None = field(default=None, repr=False)
    metrics_cache_seconds: int = 15
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    redis_namespace: str = "storepay"
    simulated_delivery: SimulatedDelivery = field(default_factory=SimulatedDelivery)

    @property
    def platform_webhook_secret(self) -> str:
        return self.webhook_secret

    @property
    def connect_secret(self) -> str:
        return self.connect_webhook_secret or self.webhook_secret

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.database_url).get_backend_name() == "sqlite"


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Settings from ``environ``; raises :class:`SettingsError` on the first bad variable."""

    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    secret_key = get("STRIPE_SECRET_KEY")
    gateway = _gateway(get("STOREPAY_GATEWAY"), secret_key)
    webhook_secret = get("STRIPE_WEBHOOK_SECRET")
    if gateway is GatewayKind.STRIPE:
        if secret_key is None:
            raise SettingsError("STRIPE_SECRET_KEY is required when STOREPAY_GATEWAY=stripe")
        if webhook_secret is None:
            raise SettingsError(
                "STRIPE_WEBHOOK_SECRET is required when STOREPAY_GATEWAY=stripe "
                "(the signing secret of the webhook endpoint, whsec_...)"
            )
    admin_token = get("STOREPAY_ADMIN_TOKEN")
    if admin_token is not None and len(admin_token) < 16:
        raise SettingsError("STOREPAY_ADMIN_TOKEN must be at least 16 characters long")
    delivery = _simulated_delivery(get)
    if gateway is GatewayKind.STRIPE and delivery.kind is DeliveryKind.HOSTILE:
        raise SettingsError(
            "STOREPAY_SIMULATED_DELIVERY=hostile needs STOREPAY_GATEWAY=simulated: Stripe "
            "delivers its own events"
        )
    metrics_token = get("STOREPAY_METRICS_TOKEN")
    if metrics_token is not None and len(metrics_token) < 16:
        raise SettingsError("STOREPAY_METRICS_TOKEN must be at least 16 characters long")
    settings = Settings(
        database_url=_database_url(get("STOREPAY_DATABASE_URL") or DEFAULT_DATABASE_URL),
        gateway=gateway,
        admin_token=admin_token or _new_secret("spa_"),
        admin_token_generated=admin_token is None,
        public_url=_url("STOREPAY_PUBLIC_URL", get("STOREPAY_PUBLIC_URL") or DEFAULT_PUBLIC_URL),
        default_fee_percentage=_percentage(get("STOREPAY_DEFAULT_FEE_PERCENTAGE") or "2.5"),
        stripe_secret_key=secret_key,
        stripe_publishable_key=get("STRIPE_PUBLISHABLE_KEY"),
        webhook_secret=webhook_secret or _new_secret("whsec_"),
        connect_webhook_secret=get("STRIPE_CONNECT_WEBHOOK_SECRET"),
        stripe_api_base=_optional_url("STRIPE_API_BASE", get("STRIPE_API_BASE")),
        cors_origins=_origins(get("STOREPAY_CORS_ORIGINS")),
        rate_limit_per_minute=_count(
            "STOREPAY_RATE_LIMIT_PER_MINUTE", get("STOREPAY_RATE_LIMIT_PER_MINUTE"), 120
        ),
        reconcile_interval_seconds=_count(
            "STOREPAY_RECONCILE_INTERVAL_SECONDS", get("STOREPAY_RECONCILE_INTERVAL_SECONDS"), 300
        ),
        metrics_token=metrics_token,
        metrics_cache_seconds=_count(
            "STOREPAY_METRICS_CACHE_SECONDS", get("STOREPAY_METRICS_CACHE_SECONDS"), 15
        ),
        redis_url=_redis_url(get("STOREPAY_REDIS_URL")),
        redis_namespace=_redis_namespace(get("STOREPAY_REDIS_NAMESPACE") or "storepay"),
        request_body_timeout_seconds=_count(
            "STOREPAY_REQUEST_BODY_TIMEOUT_SECONDS",
            get("STOREPAY_REQUEST_BODY_TIMEOUT_SECONDS"),
            10,
        ),
        simulated_delivery=delivery,
    )
    default_pool = SQLITE_POOL_SIZE if settings.is_sqlite else POSTGRESQL_POOL_SIZE
    return replace(
        settings,
        database_pool_size=_pool_size(get("STOREPAY_DATABASE_POOL_SIZE"), default_pool),
    )


def _simulated_delivery(get: Callable[[str], str | None]) -> SimulatedDelivery:
    name = "STOREPAY_SIMULATED_DELIVERY"
    value = (get(name) or "immediate").lower()
    try:
        kind = DeliveryKind(value)
    except ValueError:
        raise SettingsError(f"{name} must be 'immediate' or 'hostile', not {value!r}") from None
    duplicates = _count(f"{name}_DUPLICATES", get(f"{name}_DUPLICATES"), 25)
    if duplicates > 100:
        raise SettingsError(f"{name}_DUPLICATES is a percentage, 0 to 100, not {duplicates}")
    return SimulatedDelivery(
        kind=kind,
        max_delay_ms=_count(f"{name}_DELAY_MS", get(f"{name}_DELAY_MS"), 1000),
        duplicates_percent=duplicates,
        shuffle=_flag(f"{name}_SHUFFLE", get(f"{name}_SHUFFLE"), True),
    )


def _flag(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise SettingsError(f"{name} must be 'true' or 'false', not {value!r}")
    return value.lower() == "true"


def _new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _gateway(value: str | None, secret_key: str | None) -> GatewayKind:
    if value is None:
        return GatewayKind.STRIPE if secret_key else GatewayKind.SIMULATED
    try:
        return GatewayKind(value.lower())
    except ValueError:
        raise SettingsError(
            f"STOREPAY_GATEWAY must be 'simulated' or 'stripe', not {value!r}"
        ) from None


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise SettingsError(
            "STOREPAY_DATABASE_URL is not a database URL "
            "(sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/db)"
        ) from None
    backend, driver = url.get_backend_name(), url.get_driver_name()
    if _DRIVERS.get(backend) != driver:
        raise SettingsError(
            "STOREPAY_DATABASE_URL must use sqlite+aiosqlite or postgresql+asyncpg, "
            f"not {backend}+{driver}"
        )
    return value


def _url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def _optional_url(name: str, value: str | None) -> str | None:
    return None if value is None else _url(name, value)


def _redis_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        # The value is not repeated: a Redis URL may carry a password.
        raise SettingsError(
            "STOREPAY_REDIS_URL must be a redis:// or rediss:// URL (redis://host:6379/0)"
        )
    return value


def _redis_namespace(value: str) -> str:
    if not _NAMESPACE.fullmatch(value):
        raise SettingsError(
            "STOREPAY_REDIS_NAMESPACE must be 1 to 64 letters, digits, '.', '_' or '-', "
            f"not {value!r}"
        )
    return value


def _percentage(value: str) -> Percentage:
    try:
        return Percentage.parse(value)
    except DomainError as error:
        raise SettingsError(f"STOREPAY_DEFAULT_FEE_PERCENTAGE: {error.message}") from None


def _origins(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
    for origin in origins:
        if origin != "*":
            _url("STOREPAY_CORS_ORIGINS", origin)
    return origins


def _pool_size(value: str | None, default: int) -> int:
    size = _count("STOREPAY_DATABASE_POOL_SIZE", value, default)
    if size == 0:
        raise SettingsError("STOREPAY_DATABASE_POOL_SIZE must be 1 or more, not '0'")
    return size


def _count(name: str, value: str | None, default: int) -> int:
    if value is None:
        return default
    if not value.isdigit():
        raise SettingsError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return int(value)
