"""One module per business action; each endpoint of the API is one call of one use case."""
