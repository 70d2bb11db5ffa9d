"""Load benchmarks of storepay against a floor app on the same server setup (see RESULTS.md)."""
