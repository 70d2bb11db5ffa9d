"""The ``storepay`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version


def _installed_version() -> str:
    try:
        return version("storepay")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storepay",
        description="Payments for multi-store marketplaces on Stripe Connect.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_installed_version()}")
    parser.add_subparsers(dest="command", metavar="command")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; each subcommand registers its handler with ``set_defaults``."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(arguments, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return handler(arguments)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
