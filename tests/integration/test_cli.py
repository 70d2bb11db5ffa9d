import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.cli import main

STOREPAY = Path(sys.executable).with_name("storepay")


def test_the_installed_command_reports_its_version() -> None:
    result = subprocess.run(
        [str(STOREPAY), "--version"], capture_output=True, text=True, check=False
    )

    assert result.returncode == 0
    assert result.stdout.startswith("storepay 0.")


def test_without_a_command_it_shows_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: storepay" in capsys.readouterr().err


def test_an_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["launch-rockets"])

    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
