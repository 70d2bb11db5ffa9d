"""The import-linter contracts in pyproject.toml fail the build when an arrow points outwards."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LAYERS = ("domain", "application", "adapters", "entrypoints")


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    for layer in LAYERS:
        shutil.copytree(
            ROOT / layer, tmp_path / layer, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", "pyproject.toml", "--no-cache"],
        cwd=project,
        env={"PYTHONPATH": str(project), "PATH": str(LINT_IMPORTS.parent)},
        capture_output=True,
        text=True,
        check=False,
    )


def add_module(project: Path, dotted_name: str, source: str) -> None:
    path = project.joinpath(*dotted_name.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for package in list(path.parents)[: dotted_name.count(".")]:
        (package / "__init__.py").touch()
    path.write_text(source, encoding="utf-8")


def test_the_project_as_it_stands_keeps_every_contract(project_copy: Path) -> None:
    result = lint_imports(project_copy)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


EMULATOR = "The Stripe emulator knows storepay's money alone"
ADAPTERS = "The adapters are these (no simulated gateway)"


@pytest.mark.parametrize(
    ("module", "source", "broken_contract"),
    [
        ("domain.leak", "import application\n", "The domain imports only the standard library"),
        ("domain.leak", "import sqlalchemy\n", "The domain imports only the standard library"),
        ("application.leak", "import adapters\n", "The application imports only the domain"),
        ("application.leak", "import stripe\n", "The application imports only the domain"),
        ("adapters.memory.leak", "import entrypoints\n", "Adapters never import the entrypoints"),
        (
            "adapters.memory.leak",
            "import adapters.stripe_emulator\n",
            "Adapters never import one another",
        ),
        ("adapters.stripe_emulator.leak", "import application.gateway\n", EMULATOR),
        ("adapters.stripe_emulator.leak", "import entrypoints.container\n", EMULATOR),
        ("adapters.stripe_emulator.leak", "from domain.payment import Payment\n", EMULATOR),
        ("adapters.stripe_emulator.leak", "from domain.fees import FeePolicy\n", EMULATOR),
        ("adapters.simulated.gateway", "", ADAPTERS),
        ("adapters.simulated", "from adapters.stripe import StripeGateway\n", ADAPTERS),
    ],
)
def test_a_wrong_arrow_between_layers_fails_the_build(
    project_copy: Path, module: str, source: str, broken_contract: str
) -> None:
    add_module(project_copy, module, source)

    result = lint_imports(project_copy)

    assert result.returncode != 0
    assert f"{broken_contract} BROKEN" in result.stdout


def test_the_emulator_may_use_money_for_the_facts_of_currencies(project_copy: Path) -> None:
    add_module(
        project_copy,
        "adapters.stripe_emulator.amounts",
        "from domain.errors import DomainError\nfrom domain.money import Money\n",
    )

    result = lint_imports(project_copy)

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{EMULATOR} KEPT" in result.stdout
