"""The outside world behind the core's ports; adapters never import one another."""
