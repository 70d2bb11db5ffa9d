"""What stops a command: one line for people, ``storepay: <message>``, and exit status 1."""

from __future__ import annotations


class CommandFailed(Exception):
    """The work could not be done; the message says why in one line."""
