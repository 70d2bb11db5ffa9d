import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "living_docs.py"

FEATURE = """Feature: Refunds <for> analysts
  Scenario: A full refund
    Given a succeeded payment of EUR 100.00
    Then the ledger records:
      | movement | amount     |
      | refund   | EUR 100.00 |
"""


def load_renderer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("living_docs", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["living_docs"] = module
    spec.loader.exec_module(module)
    return module


def cucumber(statuses: list[str]) -> list[dict[str, object]]:
    steps = [
        {"keyword": "Given", "name": "a succeeded payment of EUR 100.00", "line": 3},
        {"keyword": "Then", "name": "the ledger records:", "line": 4},
    ]
    return [
        {
            "uri": "features/refunds.feature",
            "name": "Refunds <for> analysts",
            "description": "Money back.",
            "elements": [
                {
                    "name": f"Scenario {index}",
                    "tags": [{"name": "@rounding"}],
                    "steps": [
                        {**step, "result": {"status": status}}
                        for step, status in zip(steps, run, strict=True)
                    ],
                }
                for index, run in enumerate([statuses, ["passed", "passed"]])
            ],
        }
    ]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "features").mkdir()
    (tmp_path / "features" / "refunds.feature").write_text(FEATURE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_page_shows_each_scenario_its_steps_tables_and_result(project: Path) -> None:
    source = project / "cucumber.json"
    source.write_text(json.dumps(cucumber(["passed", "failed"])), encoding="utf-8")

    assert load_renderer().main(["living_docs", str(source), str(project / "out.html")]) == 0

    page = (project / "out.html").read_text(encoding="utf-8")
    assert "2 scenarios: 1 passed, 1 failed" in page
    assert "Refunds &lt;for&gt; analysts" in page
    assert '<details class="scenario failed" open>' in page
    assert '<li class="step failed"><span class="keyword">Then</span>' in page
    assert "<td>refund</td><td>EUR 100.00</td>" in page
    assert "@rounding" in page


def test_it_explains_itself_when_called_wrongly(capsys: pytest.CaptureFixture[str]) -> None:
    assert load_renderer().main(["living_docs"]) == 2
    assert "Cucumber JSON" in capsys.readouterr().err
