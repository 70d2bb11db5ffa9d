"""Use cases: one module per business action, talking to the domain and to ports only."""
