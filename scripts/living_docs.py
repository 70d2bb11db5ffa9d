"""Render pytest-bdd's Cucumber JSON as one readable HTML page of the business rules.

    python scripts/living_docs.py reports/cucumber.json reports/living-docs.html

Each feature with its description, each scenario with its steps (and their tables), and whether
it passed, failed or was skipped. Step tables are read from the feature files themselves, since
the Cucumber JSON leaves them out.
"""

from __future__ import annotations

import html
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
h1 { margin-bottom: .2rem; } .summary { color: #555; margin-bottom: 2rem; }
section.feature { border-top: 2px solid #ddd; padding-top: 1rem; margin-top: 2rem; }
.description { white-space: pre-line; color: #444; }
details.scenario { margin: .6rem 0; padding: .4rem .8rem; border-left: 5px solid #999;
  background: #fafafa; }
details.passed { border-color: #2e7d32; } details.failed { border-color: #c62828; }
details.skipped { border-color: #f9a825; }
summary { cursor: pointer; font-weight: 600; } .badge { font-size: .8rem; padding: 0 .4rem;
  border-radius: .3rem; color: #fff; margin-right: .4rem; }
.badge.passed { background: #2e7d32; } .badge.failed { background: #c62828; }
.badge.skipped { background: #f9a825; }
ol.steps { list-style: none; padding-left: .5rem; } .keyword { font-weight: 600; color: #3949ab; }
.step.failed { color: #c62828; } table { border-collapse: collapse; margin: .3rem 0 .3rem 2rem; }
td { border: 1px solid #ccc; padding: .1rem .5rem; font-size: .9rem; }
.tags { color: #777; font-size: .85rem; }
"""


def scenario_status(scenario: dict[str, Any]) -> str:
    statuses = {step.get("result", {}).get("status", "skipped") for step in scenario["steps"]}
    if "failed" in statuses:
        return "failed"
    if statuses <= {"passed"} and statuses:
        return "passed"
    return "skipped"


def step_table(feature_file: Path, line: int) -> list[list[str]]:
    """The data table right under a step, if the feature file has one."""
    if not feature_file.is_file():
        return []
    lines = feature_file.read_text(encoding="utf-8").splitlines()
    rows = []
    for text in lines[line:]:
        stripped = text.strip()
        if not stripped.startswith("|"):
            break
        rows.append([cell.strip() for cell in stripped.strip("|").split("|")])
    return rows


def render_table(rows: list[list[str]]) -> str:
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table>{body}</table>" if rows else ""


def render(features: list[dict[str, Any]], root: Path) -> str:
    counts: Counter[str] = Counter()
    sections = []
    for feature in sorted(features, key=lambda f: f["uri"]):
        scenarios = []
        for scenario in feature.get("elements", []):
            status = scenario_status(scenario)
            counts[status] += 1
            steps = []
            for step in scenario["steps"]:
                step_status = step.get("result", {}).get("status", "skipped")
                table = render_table(step_table(root / feature["uri"], step["line"]))
                steps.append(
                    f'<li class="step {step_status}"><span class="keyword">'
                    f"{html.escape(step['keyword'])}</span> {html.escape(step['name'])}"
                    f"{table}</li>"
                )
            tags = " ".join(tag["name"] for tag in scenario.get("tags", []))
            scenarios.append(
                f'<details class="scenario {status}"{" open" if status == "failed" else ""}>'
                f'<summary><span class="badge {status}">{status}</span>'
                f"{html.escape(scenario['name'])}</summary>"
                f'<div class="tags">{html.escape(tags)}</div>'
                f'<ol class="steps">{"".join(steps)}</ol></details>'
            )
        sections.append(
            f'<section class="feature"><h2>{html.escape(feature["name"])}</h2>'
            f'<p class="description">{html.escape(feature.get("description", ""))}</p>'
            f"{''.join(scenarios)}</section>"
        )
    summary = ", ".join(f"{counts[s]} {s}" for s in ("passed", "failed", "skipped") if counts[s])
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>storepay: the business rules</title>"
        f"<style>{STYLE}</style></head><body><h1>storepay: the business rules</h1>"
        f'<p class="summary">{sum(counts.values())} scenarios: {summary}</p>'
        f"{''.join(sections)}</body></html>"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    features = json.loads(source.read_text(encoding="utf-8"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(features, Path.cwd()), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
