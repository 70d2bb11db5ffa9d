"""Time, identifiers, secrets and signed tokens from the running system."""
