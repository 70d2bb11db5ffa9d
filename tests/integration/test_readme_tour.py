"""The README's curl tour, run exactly as written against a real ``storepay serve``."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
STORPAY = Path(sys.executable).with_name("storepay")
ADMIN_TOKEN = "spa_tour_admin_token_0123456789"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="the tour needs curl")


def tour_script() -> str:
    text = README.read_text()
    tour = text[text.index("<!-- tour:start -->") : text.index("<!-- tour:end -->")]
    blocks = re.findall(r"```sh\n(.*?)```", tour, flags=re.DOTALL)
    assert len(blocks) >= 6, "the tour lost its steps"
    return "\n".join(blocks)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "STOREPAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'storepay.db'}",
        "STOREPAY_ADMIN_TOKEN": ADMIN_TOKEN,
        "STOREPAY_PUBLIC_URL": base,
        "STOREPAY_GATEWAY": "simulated",
    }
    with subprocess.Popen(
        [str(STORPAY), "serve", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ) as process:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError("storepay serve did not come up") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_the_tour_runs_as_written(server: str) -> None:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", tour_script()],
        env={**os.environ, "BASE": server, "ADMIN_TOKEN": ADMIN_TOKEN},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    # The values the README's comments promise, in the order they are printed.
    assert lines[:5] == ["active", "125", "succeeded", "paid", "25"]
    balance, fees = lines[5], lines[6]
    assert '"gross_volume":4990' in balance
    assert '"refunds":1000' in balance
    assert '"fees_collected":125' in fees
    assert '"fees_refunded":25' in fees
