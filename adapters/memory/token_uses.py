"""Single-use tokens used so far, in this process's memory (tests, scenarios and the demo)."""

from __future__ import annotations

import threading
from datetime import datetime


class MemoryTokenUses:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept_until: dict[str, datetime] = {}

    async def use(self, token_id: str, *, now: datetime, keep_until: datetime) -> bool:
        with self._lock:
            for known, until in list(self._kept_until.items()):
                if until < now:
                    del self._kept_until[known]
            if token_id in self._kept_until:
                return False
            self._kept_until[token_id] = keep_until
            return True
