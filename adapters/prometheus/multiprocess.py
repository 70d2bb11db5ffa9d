"""Metrics summed over several worker processes: prometheus_client's multiprocess mode.

With ``PROMETHEUS_MULTIPROC_DIR`` naming an empty directory before prometheus_client is first
imported, every process writes its series to files of its own there; a scrape, whichever worker
answers it, reads them all and shows their sum. Counters of a worker that exited stay in the sum
(a counter never goes down); its live gauges (requests in progress) are dropped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_LIVE_GAUGE_FILE = re.compile(r"gauge_live\w+?_(\d+)\.db")


def shared_directory() -> str | None:
    """The directory the workers share, or ``None`` when this process counts alone."""
    return os.environ.get(DIRECTORY_VARIABLE) or None


def shared_metrics(directory: str) -> bytes:
    """Every worker's metrics, summed, in Prometheus' text format."""
    forget_dead_workers(directory)
    registry = CollectorRegistry()  # fresh each scrape, as the client's docs ask
    MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_worker(pid: int, directory: str) -> None:
    """Drop the live gauges of a worker that exits."""
    mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def forget_dead_workers(directory: str) -> None:
    """Drop the live gauges of workers that are gone without saying so (killed, crashed)."""
    pids = {
        int(found.group(1))
        for path in Path(directory).iterdir()
        if (found := _LIVE_GAUGE_FILE.fullmatch(path.name))
    }
    for pid in pids:
        if not _alive(pid):
            forget_worker(pid, directory)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
