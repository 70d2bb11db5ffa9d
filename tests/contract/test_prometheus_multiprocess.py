"""Metrics summed over workers through prometheus_client's files: a scrape sums every worker's
counters, keeps a gone worker's counters, and drops a gone worker's live gauges (the requests it
had in progress), whether it said it was leaving or was killed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from adapters.prometheus.multiprocess import forget_dead_workers, forget_worker, shared_metrics


def _gone_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=60)
    return process.pid


def _write(directory: Path, kind: str, pid: int, name: str, value: float) -> None:
    values = MmapedDict(str(directory / f"{kind}_{pid}.db"))
    try:
        key = mmap_key(name, name, ["method"], ["GET"], "a test series")
        values.write_value(key, value, 0.0)
    finally:
        values.close()


def _samples(directory: Path) -> dict[str, float]:
    text = shared_metrics(str(directory)).decode()
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_a_scrape_sums_the_workers_and_drops_only_the_live_gauges_of_those_gone(
    tmp_path: Path,
) -> None:
    gone, alive = _gone_pid(), os.getpid()
    for pid, count in ((gone, 3), (alive, 4)):
        _write(tmp_path, "counter", pid, "answers_total", count)
        _write(tmp_path, "gauge_livesum", pid, "busy", 1)

    samples = _samples(tmp_path)

    assert samples["answers_total"] == 7  # the gone worker's answers still count
    assert samples["busy"] == 1  # only the live worker's request in progress
    assert not (tmp_path / f"gauge_livesum_{gone}.db").exists()
    assert (tmp_path / f"gauge_livesum_{alive}.db").exists()


def test_a_worker_that_stops_takes_its_live_gauges_with_it(tmp_path: Path) -> None:
    _write(tmp_path, "gauge_livesum", os.getpid(), "busy", 2)
    forget_worker(os.getpid(), str(tmp_path))
    forget_dead_workers(str(tmp_path))  # nothing left to forget
    assert list(tmp_path.iterdir()) == []
    assert shared_metrics(str(tmp_path)) == b""
