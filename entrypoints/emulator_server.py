"""``python -m entrypoints.emulator_server``: the Stripe emulator served over HTTP, as a process of
its own. ``storepay serve --workers N`` runs one in simulated mode so that every worker talks to
the one emulator, as every process of a deployment talks to the one Stripe; the benchmarks run
one for storepay on the Stripe adapter (``STRIPE_API_BASE``).

It answers Stripe's API and its test-mode routes (``StripeApiApp``) and POSTs its events, signed,
to the service at ``--deliver-to`` (its platform and Connect webhook routes), sending a refused
one again. Settings come from the environment as storepay reads them: the webhook secrets,
``STOREPAY_PUBLIC_URL`` (where the hosted onboarding page lives) and
``STOREPAY_SIMULATED_DELIVERY``; it accepts the emulator's secret key, and
``STRIPE_SECRET_KEY`` when one is set. It listens on ``--port``, or on a listening socket it
inherits (``--fd``); it stops on SIGINT or SIGTERM, or once the process that started it is gone.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import FrameType

import uvicorn

from adapters.stripe_emulator import SECRET_KEY, StripeApi, StripeApiApp, WebhookEndpoints
from entrypoints.container import stripe_emulator_for
from entrypoints.errors import CommandFailed
from entrypoints.http.controllers.webhooks import CONNECT_WEBHOOK_PATH, PLATFORM_WEBHOOK_PATH
from entrypoints.serve import log_config
from entrypoints.settings import Settings, SettingsError, load_settings

HISTORY = 1000  # events and deliveries the emulator keeps in memory for its test-mode views
START_SECONDS = 60
MODULE = "entrypoints.emulator_server"
STOP_SECONDS = 10


def emulator_app(
    settings: Settings, deliver_to: str, enabled_events: Sequence[str] | None = None
) -> StripeApiApp:
    """The emulator, its API and its deliveries to the service at ``deliver_to``."""
    base = deliver_to.rstrip("/")
    endpoints = WebhookEndpoints(base + PLATFORM_WEBHOOK_PATH, base + CONNECT_WEBHOOK_PATH)
    emulator = stripe_emulator_for(
        settings, deliver=endpoints, enabled_events=enabled_events, history=HISTORY
    )
    keys = [SECRET_KEY, *([settings.stripe_secret_key] if settings.stripe_secret_key else [])]
    return StripeApiApp(
        StripeApi(emulator, secret_keys=keys), on_shutdown=[emulator.aclose, endpoints.aclose]
    )


@contextmanager
def emulator_process(environ: Mapping[str, str], deliver_to: str) -> Iterator[str]:
    """The emulator in a process of its own, on a free port of this machine, delivering to the
    service at ``deliver_to``; yields its base URL once it answers, and stops it at the end.

    The listening socket is made here and handed over, so the address is known before the child
    runs and no other program can take the port in between."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(128)
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        command = [
            sys.executable,
            "-m",
            __spec__.name if __spec__ else "entrypoints.emulator_server",
        ]
        command += ["--fd", str(listening.fileno()), "--deliver-to", deliver_to]
        # A session of its own: a Ctrl-C meant for serve stops the workers first, then serve
        # stops the emulator they were still talking to.
        process = subprocess.Popen(
            command, env=dict(environ), pass_fds=[listening.fileno()], start_new_session=True
        )
    try:
        _wait_until_answering(process, url)
        yield url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_answering(process: subprocess.Popen[bytes], url: str) -> None:
    probe = urllib.request.Request(
        f"{url}/v1/accounts/acct_probe", headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise CommandFailed(
                f"the Stripe emulator exited at start (status {process.returncode})"
            )
        try:
            urllib.request.urlopen(probe, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers (an unknown account: 404)
        except OSError:
            if time.monotonic() > deadline:
                raise CommandFailed(f"the Stripe emulator did not answer on {url}") from None
            time.sleep(0.1)


def _stop_when_orphaned(server: uvicorn.Server) -> None:
    """A child left behind by a ``serve`` that was killed stops too."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        server.should_exit = True

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m entrypoints.emulator_server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--fd", type=int, default=None, help="a listening socket to serve on")
    parser.add_argument("--deliver-to", required=True, metavar="URL", help="the service's base URL")
    parser.add_argument(
        "--enabled-events",
        default=None,
        metavar="TYPES",
        help="comma-separated event types the service's endpoints listen to (all by default)",
    )
    arguments = parser.parse_args(argv)
    try:
        settings = load_settings(os.environ)
    except SettingsError as error:
        print(f"stripe emulator: {error}", file=sys.stderr)  # noqa: T201
        return 2
    events = None if arguments.enabled_events is None else arguments.enabled_events.split(",")
    server = uvicorn.Server(
        uvicorn.Config(
            emulator_app(settings, arguments.deliver_to, events),
            host=arguments.host,
            port=arguments.port,
            lifespan="on",
            ws="none",
            log_config=log_config("WARNING"),
            access_log=False,
            server_header=False,
        )
    )
    _stop_when_orphaned(server)
    sockets = None if arguments.fd is None else [socket.socket(fileno=arguments.fd)]
    with _stopped_by_signal(server):
        server.run(sockets=sockets)
    return 0


@contextmanager
def _stopped_by_signal(server: uvicorn.Server) -> Iterator[None]:
    """SIGINT or SIGTERM stops the server, even one still starting (uvicorn takes them over
    while it serves, then raises them again: taken here, the exit status stays 0)."""

    def stop(_signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
