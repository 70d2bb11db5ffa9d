"""The ``storepay`` command.

Exit status: 0 done; 1 the work failed (a refusal, an unreachable database, a figure that does not
reconcile); 2 the command line or the configuration is wrong. Errors are one line on stderr,
``storepay: <what is wrong>``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from application.use_cases.create_store import NewStore
from application.use_cases.reconcile import ReconcileReport
from application.use_cases.relay_domain_events import RETENTION
from domain.errors import DomainError
from entrypoints.container import build_service, close_service
from entrypoints.database import migrate, require_newest_schema, shown
from entrypoints.errors import CommandFailed
from entrypoints.settings import GatewayKind, Settings, SettingsError, load_settings

Handler = Callable[[argparse.Namespace], int]


def _installed_version() -> str:
    try:
        return version("storepay")
    except PackageNotFoundError:
        return "unknown"


def _quiet_logging() -> None:
    """Commands other than ``serve`` log only warnings, as JSON lines on stderr, secrets masked;
    like ``logging.basicConfig``, unless the process has configured logging already."""
    from entrypoints.logging import configure_logging

    if not logging.getLogger().handlers:
        configure_logging("WARNING")


# -- serve -------------------------------------------------------------------------------------


def _serve(arguments: argparse.Namespace) -> int:
    from entrypoints.serve import ServeOptions, serve

    options = ServeOptions(
        host=arguments.host,
        port=arguments.port,
        workers=arguments.workers,
        forwarded_allow_ips=arguments.forwarded_allow_ips,
    )
    return serve(options, version=_installed_version())


# -- db ----------------------------------------------------------------------------------------


def _db_upgrade(_arguments: argparse.Namespace) -> int:
    settings = load_settings(os.environ)
    migration = asyncio.run(migrate(settings.database_url))
    print(f"storepay: {migration.describe()}")
    return 0


# -- stores ------------------------------------------------------------------------------------


def _stores_create(arguments: argparse.Namespace) -> int:
    _quiet_logging()
    settings = load_settings(os.environ)
    command = NewStore(
        name=arguments.name,
        business_email=arguments.email,
        business_phone=arguments.phone,
        country=arguments.country,
        currency=arguments.currency,
    )

    async def create() -> tuple[str, str, str]:
        await require_newest_schema(settings.database_url)
        service = build_service(settings)
        try:
            created = await service.use_cases().create_store(command)
        finally:
            await close_service(service)
        store = created.store
        summary = (
            f"{store.name} ({store.country}, {store.currency.code}), "
            f"commission {store.fee_policy.percentage} %"
        )
        return store.id, created.api_key, summary

    store_id, api_key, summary = asyncio.run(create())
    print(f"Opened {summary}.")
    print(f"  store id  {store_id}")
    print(f"  API key   {api_key}")
    print(
        "The API key is shown only now: storepay keeps only its hash. "
        f"POST /api/v1/admin/stores/{store_id}/api-keys issues a new one."
    )
    return 0


# -- reconcile ---------------------------------------------------------------------------------


def _reconcile(_arguments: argparse.Namespace) -> int:
    _quiet_logging()
    settings = load_settings(os.environ)
    if settings.gateway is GatewayKind.SIMULATED and settings.stripe_api_base is None:
        print(
            "storepay: note: the simulated gateway keeps its test-mode state in the process that "
            "serves it; this pass asks a fresh one, so payments made through `storepay serve` "
            "cannot be synced from here (serve's background reconciler can, or set "
            "STRIPE_API_BASE to an emulator served apart)",
            file=sys.stderr,
        )
    report = asyncio.run(_reconcile_once(settings))
    print(f"Reconciled {shown(settings.database_url)}:")
    print(f"  payments checked  {report.payments_checked}")
    print(f"  payments changed  {report.payments_changed}")
    print(f"  refunds settled   {report.refunds_checked}")
    print(f"  events retried    {report.events_retried} ({report.events_recovered} recovered)")
    print(f"  failures          {report.failures}")
    print(f"  idempotency keys  {report.idempotency_records_purged} purged (over 24 h old)")
    print(
        f"  domain events     {report.domain_events_relayed} relayed, "
        f"{report.domain_events_purged} purged (relayed over {RETENTION.days} days ago)"
    )
    if report.failures:
        print(
            f"storepay: {report.failures} could not be reconciled; the log above says why",
            file=sys.stderr,
        )
        return 1
    return 0


async def _reconcile_once(settings: Settings) -> ReconcileReport:
    await require_newest_schema(settings.database_url)
    service = build_service(settings)
    try:
        return await service.use_cases().reconcile()
    finally:
        await close_service(service)


# -- demo --------------------------------------------------------------------------------------


def _demo(arguments: argparse.Namespace) -> int:
    from entrypoints.demo import run_demo

    _quiet_logging()
    return run_demo(sys.stdout, database_url=arguments.database_url, workers=arguments.workers)


# -- the parser --------------------------------------------------------------------------------


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _usage_of(parser: argparse.ArgumentParser) -> Handler:
    def usage(_arguments: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return usage


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storepay",
        description="Payments for multi-store marketplaces on Stripe Connect.",
        epilog="Configuration comes from the environment (STOREPAY_*, STRIPE_*): see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    commands = parser.add_subparsers(dest="command", metavar="command")

    serve = commands.add_parser(
        "serve",
        help="migrate the database, then serve the HTTP API",
        description="Apply the database migrations, then serve the HTTP API with uvicorn. "
        "Prints the admin token when it was generated.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (1); in simulated mode several share one Stripe emulator, "
        "run in a process of its own",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="IPS",
        help="comma-separated addresses (or networks, or *) of the proxies whose "
        "X-Forwarded-For gives the client address (none: the connection's address is the "
        "client's)",
    )
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="the database schema", description="The database schema.")
    db_commands = db.add_subparsers(dest="db_command", metavar="command")
    db.set_defaults(handler=_usage_of(db))
    upgrade = db_commands.add_parser(
        "upgrade",
        help="migrate the database to the newest schema",
        description="Migrate STOREPAY_DATABASE_URL to the newest schema and say what it took.",
    )
    upgrade.set_defaults(handler=_db_upgrade)

    stores = commands.add_parser("stores", help="the platform's stores", description="Stores.")
    store_commands = stores.add_subparsers(dest="stores_command", metavar="command")
    stores.set_defaults(handler=_usage_of(stores))
    create = store_commands.add_parser(
        "create",
        help="open a store and print its API key",
        description="Open a store on the platform; prints its id and its API key (only now).",
    )
    create.add_argument("--name", required=True, help="the store's name")
    create.add_argument("--email", required=True, help="the store's business e-mail address")
    create.add_argument("--country", default="LU", help="ISO 3166-1 alpha-2 country (LU)")
    create.add_argument("--currency", default="EUR", help="ISO 4217 currency (EUR)")
    create.add_argument("--phone", default=None, help="the store's business phone number")
    create.set_defaults(handler=_stores_create)

    reconcile = commands.add_parser(
        "reconcile",
        help="one reconciliation pass",
        description="Sync payments and refunds stuck in a non-final state with the gateway and "
        "retry failed events, once; exits 1 when something could not be reconciled.",
    )
    reconcile.set_defaults(handler=_reconcile)

    demo = commands.add_parser(
        "demo",
        help="a whole marketplace story on the simulated gateway, every figure cross-checked",
        description="Two stores onboard, shoppers pay (a declined card retried, 3-D Secure), a "
        "refund and a dispute follow; prints the payments, balances and platform fees and "
        "cross-checks every figure. Runs on a temporary SQLite file unless --database-url says "
        "otherwise; exits 0 only when every figure reconciles.",
    )
    demo.add_argument(
        "--database-url",
        default=None,
        help="run on this database instead of a temporary one (it is migrated first)",
    )
    demo.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="worker processes (1: all in this process); several run as serve --workers runs "
        "them, the Stripe emulator in a process of its own delivering webhooks to the workers",
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; each subcommand registers its handler with ``set_defaults``."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler: Handler | None = getattr(arguments, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(arguments)
    except SettingsError as error:
        print(f"storepay: {error}", file=sys.stderr)
        return 2
    except CommandFailed as error:
        print(f"storepay: {error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"storepay: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
