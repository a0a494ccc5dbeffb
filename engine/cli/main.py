"""Entry point of the ``mlsysim`` console script.

Each sub-command lives in ``mlsysim.cli.<name>`` and exposes ``register(subparsers)``, which adds
its parser and sets ``run=callable(args) -> int``. Errors from the project's exception tree print
as one line on stderr with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from ..errors import MlsysimError

# Sub-command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("validate", "plan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlsysim",
        description="Back-of-envelope ML systems estimates from specifications alone.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        import_module(f"mlsysim.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except MlsysimError as exc:
        print(f"mlsysim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mlsysim {args.command}: interrupted", file=sys.stderr)
        return 130


def _version() -> str:
    from .. import __version__

    return f"mlsysim {__version__}"


if __name__ == "__main__":
    sys.exit(main())
