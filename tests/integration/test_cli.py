"""The ``storepay`` command, each subcommand run through ``main`` on a SQLite file of its own."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from contract.databases import NO_POSTGRES, POSTGRES_URL, new_postgres_database

from adapters.stripe_emulator import StripeEmulator
from adapters.system.clock import ManualClock
from application.use_cases.create_payment_intent import IntentForOrder
from application.use_cases.create_store import NewStore
from application.use_cases.register_order import NewOrder
from application.use_cases.set_up_payments import PaymentSetup
from entrypoints.cli import main
from entrypoints.container import build_service, close_service
from entrypoints.database import current_revision, newest_revision, shown
from entrypoints.settings import load_settings

STOREPAY = Path(sys.executable).with_name("storepay")
ADMIN_TOKEN = "spa_cli_test_admin_token_0123456789"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file of the test's own, configured the way an operator would."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'storepay.sqlite3'}"
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STOREPAY_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STOREPAY_DATABASE_URL", url)
    monkeypatch.setenv("STOREPAY_GATEWAY", "simulated")
    monkeypatch.setenv("STOREPAY_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.chdir(tmp_path)
    return url


@pytest.fixture
def migrated(database: str) -> str:
    assert main(["db", "upgrade"]) == 0
    return database


def test_the_installed_command_reports_its_version() -> None:
    result = subprocess.run(
        [str(STOREPAY), "--version"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0
    assert result.stdout.startswith("storepay 0.")


def test_without_a_command_it_shows_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: storepay" in capsys.readouterr().err


@pytest.mark.parametrize("group", ["db", "stores"])
def test_a_command_group_alone_shows_its_usage_and_fails(
    group: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([group]) == 2
    assert f"usage: storepay {group}" in capsys.readouterr().err


def test_an_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["launch-rockets"])

    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# -- configuration errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["serve"], ["db", "upgrade"], ["stores", "create", "--name", "A", "--email", "a@b.lu"]],
)
def test_a_settings_error_is_one_line_and_exit_status_2(
    command: list[str],
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("STOREPAY_GATEWAY", "paypal")

    assert main(command) == 2

    output = capsys.readouterr()
    assert output.out == ""
    assert output.err == (
        "storepay: STOREPAY_GATEWAY must be 'simulated' or 'stripe', not 'paypal'\n"
    )


def test_the_installed_command_exits_2_on_a_settings_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(STOREPAY), "reconcile"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "STOREPAY_RECONCILE_INTERVAL_SECONDS": "soon"},
    )

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "storepay: STOREPAY_RECONCILE_INTERVAL_SECONDS must be a whole number, 0 or more, "
        "not 'soon'"
    ]


# -- db upgrade --------------------------------------------------------------------------------


def test_db_upgrade_migrates_to_the_newest_schema_and_says_so(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    first = capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    second = capsys.readouterr().out

    newest = newest_revision()
    assert asyncio.run(current_revision(database)) == newest
    assert first.startswith(f"storepay: migrated {database} from an empty database to revision")
    assert f"revision {newest} (" in first
    assert second.startswith(f"storepay: {database} is already at the newest schema: revision")


def test_db_upgrade_names_a_database_it_cannot_reach(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    url = f"sqlite+aiosqlite:///{missing / 'storepay.db'}"
    monkeypatch.setenv("STOREPAY_DATABASE_URL", url)

    assert main(["db", "upgrade"]) == 1

    assert capsys.readouterr().err == (
        f"storepay: cannot open the database at {url}: there is no folder {missing}\n"
    )


def test_db_upgrade_says_why_a_database_cannot_be_opened(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    monkeypatch.setenv("STOREPAY_DATABASE_URL", f"sqlite+aiosqlite:///{folder}")

    assert main(["db", "upgrade"]) == 1

    assert capsys.readouterr().err == (
        f"storepay: cannot read the database at sqlite+aiosqlite:///{folder}: "
        "unable to open database file\n"
    )


def test_a_password_in_the_database_url_is_never_printed() -> None:
    assert shown("postgresql+asyncpg://shop:s3cret@db.example/storepay") == (
        "postgresql+asyncpg://shop:***@db.example/storepay"
    )


# -- stores create -----------------------------------------------------------------------------


def test_stores_create_prints_the_store_and_its_key_once(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    status = main(
        [
            *("stores", "create", "--name", "Atelier Ana", "--email", "Ana@Atelier.example"),
            *("--country", "de", "--currency", "eur", "--phone", "+352 621 000 000"),
        ]
    )

    assert status == 0
    out = capsys.readouterr().out
    assert out.startswith("Opened Atelier Ana (DE, EUR), commission 2.5 %.\n")
    id_line, key_line = out.splitlines()[1:3]
    store_id = id_line.removeprefix("  store id  ")
    api_key = key_line.removeprefix("  API key   ")
    assert store_id.startswith("store_")
    assert api_key.startswith("spk_")

    async def authenticated() -> str:
        service = build_service(load_settings({"STOREPAY_DATABASE_URL": migrated}))
        try:
            return (await service.use_cases().authenticate_store(api_key)).id
        finally:
            await service.adapters.engine().dispose()

    assert asyncio.run(authenticated()) == store_id


def test_stores_create_refuses_what_the_domain_refuses(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["stores", "create", "--name", "X", "--email", "x@x.lu", "--country", "LUX"]) == 1

    output = capsys.readouterr()
    assert output.out == ""
    assert output.err == "storepay: 'LUX' is not a two-letter country code\n"


def test_stores_create_asks_for_the_migrations_first(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stores", "create", "--name", "X", "--email", "x@x.lu"]) == 1

    assert capsys.readouterr().err == (
        f"storepay: there is no database at {database}: run `storepay db upgrade` first\n"
    )
    assert not Path(database.removeprefix("sqlite+aiosqlite:///")).exists()


def test_stores_create_refuses_a_database_without_the_schema(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Path(database.removeprefix("sqlite+aiosqlite:///")).touch()

    assert main(["stores", "create", "--name", "X", "--email", "x@x.lu"]) == 1

    assert capsys.readouterr().err == (
        f"storepay: the database at {database} has no storepay schema yet: "
        "run `storepay db upgrade` first\n"
    )


def test_required_options_are_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["stores", "create", "--name", "Atelier Ana"])

    assert exit_info.value.code == 2
    assert "--email" in capsys.readouterr().err


# -- reconcile ---------------------------------------------------------------------------------


def test_reconcile_prints_its_report(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()

    assert main(["reconcile"]) == 0

    output = capsys.readouterr()
    assert output.out.splitlines() == [
        f"Reconciled {migrated}:",
        "  payments checked  0",
        "  payments changed  0",
        "  refunds settled   0",
        "  events retried    0 (0 recovered)",
        "  failures          0",
        "  idempotency keys  0 purged (over 24 h old)",
        "  domain events     0 relayed, 0 purged (relayed over 7 days ago)",
    ]
    assert "simulated gateway keeps its test-mode state" in output.err


def test_reconcile_exits_1_when_something_could_not_be_reconciled(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_a_payment_stuck_since_an_hour_ago(migrated))
    capsys.readouterr()

    assert main(["reconcile"]) == 1

    output = capsys.readouterr()
    assert "  payments checked  1" in output.out.splitlines()
    assert "  failures          1" in output.out.splitlines()
    assert output.err.splitlines()[-1] == (
        "storepay: 1 could not be reconciled; the log above says why"
    )


async def _a_payment_stuck_since_an_hour_ago(database_url: str) -> None:
    """A checkout started an hour ago through another process: the Stripe emulator that
    ``storepay reconcile`` starts has never heard of its intent, so syncing it fails."""
    service = build_service(
        load_settings({"STOREPAY_DATABASE_URL": database_url, "STOREPAY_GATEWAY": "simulated"})
    )
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    try:
        with service.adapters.clock.override(ManualClock(an_hour_ago)):
            use_cases = service.use_cases()
            stripe = service.adapters.stripe_emulator()
            assert isinstance(stripe, StripeEmulator)
            store = (await use_cases.create_store(NewStore("Atelier Ana", "a@atelier.lu"))).store
            setup = await use_cases.set_up_payments(PaymentSetup(store.id))
            await stripe.complete_onboarding(setup.account_id)
            order = await use_cases.register_order(
                NewOrder(store.id, "A-1", "shopper@example.lu", 1999, "EUR")
            )
            await use_cases.create_payment_intent(
                IntentForOrder(store.id, order.order.id, 1999, "shopper@example.lu")
            )
    finally:
        await close_service(service)


# -- demo --------------------------------------------------------------------------------------


def test_the_demo_tells_the_whole_story_and_every_figure_reconciles(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0

    out = capsys.readouterr().out
    for store in ("Atelier Ana", "Berg Bakery"):
        assert f"{store} onboards as Express account acct_" in out
        assert out.count(store) >= 8  # in the story, the payments, balances and fees
    for moment in ("failed (card_declined)", "3-D Secure", "refunds EUR 10.00", "disputes"):
        assert moment in out
    assert "8. Reconciliation" in out
    assert "MISMATCH" not in out
    assert out.splitlines()[-2].startswith("   All ")
    assert out.splitlines()[-2].endswith(" figures reconcile.")
    assert "a temporary SQLite file" in out
    assert not (tmp_path / "storepay.db").exists()
    assert not Path(database.removeprefix("sqlite+aiosqlite:///")).exists()


def test_the_demo_prints_the_mismatches_and_fails_when_a_figure_does_not_reconcile(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from application.use_cases import get_balance
    from domain.ledger import LedgerEntry, StoreBalance, store_balances
    from domain.money import Money

    def a_cent_astray(entries: list[LedgerEntry]) -> list[StoreBalance]:
        return [
            replace(balance, refunds=balance.refunds + Money(1, balance.currency))
            for balance in store_balances(entries)
        ]

    monkeypatch.setattr(get_balance, "store_balances", a_cent_astray)

    assert main(["demo"]) == 1

    out = capsys.readouterr().out
    assert "MISMATCH  balances" in out
    assert "Berg Bakery: refunds: expected EUR 10.00, found EUR 10.01" in out
    assert "Atelier Ana: refunds: expected EUR 0.00, found EUR 0.01" in out
    assert "figures do NOT reconcile." in out


def _processes_on(database_url: str) -> list[int]:
    """The processes whose environment names ``database_url``: the served emulator, serve and
    its workers, while they run."""
    found = []
    wanted = f"STOREPAY_DATABASE_URL={database_url}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue  # gone meanwhile
            if wanted in environ:
                found.append(int(entry.name))
    return found


@pytest.mark.slow
# stripe 16.1's HTTPXClient (the demo's, to the served emulator) posts its form body as
# ``httpx.AsyncClient.request(data=bytes)``, which httpx 0.28 deprecates; neither is ours.
@pytest.mark.filterwarnings(
    r"ignore:Use 'content=<\.\.\.>' to upload raw bytes/text content\.:DeprecationWarning"
)
def test_the_demo_with_four_workers_on_postgresql_reconciles_every_figure_and_stops_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if POSTGRES_URL is None:
        pytest.skip(NO_POSTGRES)
    database = asyncio.run(new_postgres_database())

    assert main(["demo", "--database-url", database, "--workers", "4"]) == 0

    out = capsys.readouterr().out
    assert "delivering its webhooks to 4 workers" in out
    for moment in ("failed (card_declined)", "3-D Secure", "refunds EUR 10.00", "disputes"):
        assert moment in out
    assert "MISMATCH" not in out
    verdict = out.splitlines()[-2]
    assert verdict.startswith("   All ")
    assert verdict.endswith(" figures reconcile.")
    assert int(verdict.split()[1]) > 200
    assert _processes_on(database) == []


def test_the_demo_runs_on_a_database_it_is_given_again_and_again(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--database-url", database]) == 0
    assert main(["demo", "--database-url", database]) == 0

    out = capsys.readouterr().out
    assert out.count("All ") == 2
    assert "is already at the newest schema" in out
    assert asyncio.run(current_revision(database)) == newest_revision()
