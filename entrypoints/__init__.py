"""The composition root and the ways in: command line, HTTP service, pages."""
