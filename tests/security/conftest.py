"""The security tests run on the end-to-end harness: a migrated SQLite file, the simulated
gateway, the whole HTTP stack."""

from e2e.conftest import client, service, store

__all__ = ["client", "service", "store"]
