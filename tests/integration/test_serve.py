"""``storepay serve``: settings checked, migrations applied, generated secrets shared by every
worker, the admin token printed once; and the real command served, used and stopped."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from adapters.stripe_emulator import SECRET_KEY
from entrypoints import serve as serve_module
from entrypoints.cli import main
from entrypoints.container import build_service
from entrypoints.database import current_revision, newest_revision
from entrypoints.serve import ServeOptions, base_url
from entrypoints.settings import load_settings

STOREPAY = Path(sys.executable).with_name("storepay")
PINNED = ("STOREPAY_ADMIN_TOKEN", "STRIPE_WEBHOOK_SECRET", "STOREPAY_PUBLIC_URL")


class FakeUvicorn:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self.environment: dict[str, str] = {}

    def run(self, app: Any, **options: Any) -> None:
        self.calls.append((app, options))
        self.environment = dict(os.environ)


@pytest.fixture
def uvicorn(monkeypatch: pytest.MonkeyPatch) -> FakeUvicorn:
    fake = FakeUvicorn()
    monkeypatch.setattr(serve_module.uvicorn, "run", fake.run)
    return fake


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'storepay.sqlite3'}"
    for name in (*PINNED, "STRIPE_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)  # and put back whatever serve sets
    monkeypatch.setenv("STOREPAY_DATABASE_URL", url)
    monkeypatch.setenv("STOREPAY_GATEWAY", "simulated")
    return url


def test_serve_migrates_prints_the_token_and_hands_the_app_factory_to_uvicorn(
    database: str, uvicorn: FakeUvicorn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--host", "0.0.0.0", "--port", "8123"]) == 0

    assert asyncio.run(current_revision(database)) == newest_revision()
    ((app, options),) = uvicorn.calls
    assert app == "entrypoints.serve:served_app"
    assert options["factory"] is True
    assert (options["host"], options["port"], options["workers"]) == ("0.0.0.0", 8123, 1)

    token = uvicorn.environment["STOREPAY_ADMIN_TOKEN"]
    out = capsys.readouterr().out
    assert out.count(token) == 1
    assert f"  Admin token: {token}\n" in out
    for where in ("/api/v1", "/schema", "/health"):
        assert f"http://127.0.0.1:8123{where}" in out
    assert 'README.md, "A tour with curl"' in out
    assert out.endswith("storepay: stopped\n")


def test_every_worker_builds_the_same_settings_as_the_process_that_printed_them(
    database: str, uvicorn: FakeUvicorn
) -> None:
    assert main(["serve", "--port", "8124"]) == 0

    environment = uvicorn.environment
    first, second = load_settings(environment), load_settings(environment)
    assert first.admin_token == second.admin_token == environment["STOREPAY_ADMIN_TOKEN"]
    assert first.webhook_secret == second.webhook_secret == environment["STRIPE_WEBHOOK_SECRET"]
    assert first.public_url == "http://127.0.0.1:8124"
    assert not first.admin_token_generated
    assert "STRIPE_API_BASE" not in environment  # one worker keeps the emulator in process


def test_settings_given_are_kept_and_a_token_given_is_never_printed(
    database: str,
    uvicorn: FakeUvicorn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = "spa_operator_chosen_token_0123456789"
    monkeypatch.setenv("STOREPAY_ADMIN_TOKEN", token)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_operator_chosen")
    monkeypatch.setenv("STOREPAY_PUBLIC_URL", "https://pay.example.com")

    assert main(["serve"]) == 0

    environment = uvicorn.environment
    assert environment["STOREPAY_ADMIN_TOKEN"] == token
    assert environment["STRIPE_WEBHOOK_SECRET"] == "whsec_operator_chosen"
    assert environment["STOREPAY_PUBLIC_URL"] == "https://pay.example.com"
    out = capsys.readouterr().out
    assert token not in out
    assert "Admin token" not in out
    assert "http://127.0.0.1:8000/schema" in out


def test_several_simulated_workers_share_one_emulator_served_apart_until_serve_stops(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    seen: dict[str, Any] = {}

    def run(_app: Any, **options: Any) -> None:
        base = os.environ["STRIPE_API_BASE"]  # where every worker finds the emulator
        settings = load_settings(os.environ)
        service = build_service(settings)
        seen.update(
            base=base,
            workers=options["workers"],
            gateway=repr(service.adapters.gateway()),
            in_process=service.adapters.stripe_emulator(),
            probe=_emulator_probe(base),
        )

    monkeypatch.setattr(serve_module.uvicorn, "run", run)
    assert main(["serve", "--workers", "3", "--port", "8125"]) == 0

    assert seen["workers"] == 3
    assert seen["base"].startswith("http://127.0.0.1:")
    assert seen["gateway"] == "StripeGateway(name=simulated, mode=test)"
    assert seen["in_process"] is None
    assert seen["probe"] == (404, "resource_missing")  # it answered, as Stripe would
    assert f"the Stripe emulator on {seen['base']}" in capsys.readouterr().out
    assert "STRIPE_API_BASE" not in os.environ
    with pytest.raises(urllib.error.URLError):  # stopped with serve
        _emulator_probe(seen["base"])


def _emulator_probe(base: str) -> tuple[int, str]:
    request = urllib.request.Request(
        f"{base}/v1/accounts/acct_probe", headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    try:
        urllib.request.urlopen(request, timeout=10).close()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["error"]["code"]
    raise AssertionError("the emulator knows an account it never made")


def test_an_address_in_use_is_refused_in_one_line_before_anything_is_printed(
    database: str, uvicorn: FakeUvicorn, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        assert main(["serve", "--port", str(port)]) == 1

    assert uvicorn.calls == []
    output = capsys.readouterr()
    assert output.out == ""
    assert output.err == f"storepay: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    assert asyncio.run(current_revision(database)) is None  # nothing migrated either


@pytest.mark.parametrize("option", [["--port", "0"], ["--port", "http"], ["--workers", "0"]])
def test_nonsense_options_are_usage_errors(
    option: list[str], uvicorn: FakeUvicorn, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *option])

    assert exit_info.value.code == 2
    assert uvicorn.calls == []


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("pay.internal", "http://pay.internal:8000"),
    ],
)
def test_the_address_printed_is_one_a_browser_here_reaches(host: str, url: str) -> None:
    assert base_url(ServeOptions(host=host)) == url


# -- the real command --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Lines:
    """The lines a stream prints, read in the background so the test never blocks on them."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)

    def next(self, timeout: float) -> str | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def rest(self) -> list[str]:
        self._thread.join(timeout=10)
        lines = []
        while not self._queue.empty():
            lines.append(self._queue.get())
        return lines


def _request(
    url: str, *, token: str | None = None, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str, Lines]]:
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STOREPAY_", "STRIPE_"))
    }
    environment["STOREPAY_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'served.db'}"
    with subprocess.Popen(
        [str(STOREPAY), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        lines = Lines(process.stdout)
        try:
            yield process, f"http://127.0.0.1:{port}", lines
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            lines.rest()


def test_the_real_command_serves_and_stops_cleanly_on_sigterm(
    served: tuple[subprocess.Popen[str], str, Lines],
) -> None:
    process, url, lines = served

    started, printed = time.monotonic(), []
    token: str | None = None
    while token is None:
        assert time.monotonic() - started < 30, "no admin token printed:\n" + "".join(printed)
        line = lines.next(timeout=1)
        if line is None:
            assert process.poll() is None, "serve exited:\n" + "".join(printed)
            continue
        printed.append(line)
        if line.strip().startswith("Admin token: "):
            token = line.split("Admin token: ", 1)[1].strip()

    while True:
        assert time.monotonic() - started < 30, "/health never answered"
        try:
            if _request(f"{url}/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.1)

    assert _request(f"{url}/api/v1/admin/reports/platform-fees")[0] == 401
    status, created = _request(
        f"{url}/api/v1/admin/stores",
        token=token,
        body={"name": "Atelier Ana", "business_email": "ana@atelier.example"},
    )
    assert status == 201, created
    assert created["api_key"].startswith("spk_")
    status, report = _request(f"{url}/api/v1/admin/reports/platform-fees", token=token)
    assert status == 200
    assert report == {"totals": [], "by_store": []}

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert lines.rest()[-1:] == ["storepay: stopped\n"]
    assert process.stderr is not None
    log = process.stderr.read()
    assert token not in log
    records = [json.loads(line) for line in log.splitlines()]  # JSON, one record a line
    messages = [(record["logger"], record["message"]) for record in records]
    assert ("storepay.reconciler", "reconciling every 300 seconds") in messages
    assert ("storepay.access", "GET /health 200") in messages
    assert ("uvicorn.error", "Application shutdown complete.") in messages
    assert not any(logger == "uvicorn.access" for logger, _ in messages)  # the app's line only


def test_a_worker_freezes_what_start_up_made_and_collects_in_larger_batches() -> None:
    thresholds = gc.get_threshold()
    try:
        serve_module.settle_garbage_collection()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == serve_module.GC_THRESHOLDS
        assert serve_module.GC_THRESHOLDS[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


# -- metrics and client addresses with several workers -----------------------------------------


@pytest.fixture
def stripe(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STOREPAY_GATEWAY", "stripe")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_serve_options")
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_serve_options")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_serve_options")


def test_several_workers_sum_their_metrics_in_a_fresh_directory_removed_at_the_end(
    stripe: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "counter_1.db").write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(stale))
    seen: dict[str, Any] = {}

    def run(_app: Any, **options: Any) -> None:
        directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        seen.update(directory=directory, listing=os.listdir(directory), options=options)

    monkeypatch.setattr(serve_module.uvicorn, "run", run)
    assert main(["serve", "--workers", "2"]) == 0

    assert seen["directory"] != str(stale)
    assert seen["listing"] == []  # fresh: nothing from an earlier run is summed
    assert not Path(seen["directory"]).exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    assert seen["options"]["workers"] == 2


def test_one_worker_counts_in_its_own_memory_and_believes_no_forwarded_header(
    database: str, uvicorn: FakeUvicorn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/nowhere")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn's own default, not storepay's

    assert main(["serve"]) == 0

    ((_, options),) = uvicorn.calls
    assert "PROMETHEUS_MULTIPROC_DIR" not in uvicorn.environment
    assert options["proxy_headers"] is False
    assert options["forwarded_allow_ips"] is None


def test_forwarded_allow_ips_names_the_proxies_uvicorn_believes(
    database: str, uvicorn: FakeUvicorn
) -> None:
    assert main(["serve", "--forwarded-allow-ips", "10.0.0.7,192.0.2.0/24"]) == 0

    ((_, options),) = uvicorn.calls
    assert options["proxy_headers"] is True
    assert options["forwarded_allow_ips"] == "10.0.0.7,192.0.2.0/24"
