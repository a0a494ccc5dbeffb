"""Entry point of the ``mlsysim`` console script.

Each sub-command lives in ``mlsysim.cli.<name>`` and exposes ``register(subparsers)``, which adds
its parser and sets ``run=callable(args) -> int``. Errors from the project's exception tree, usage
errors (``mlsysim.cli._parser``: the closest valid spelling named) and a missing optional extra
(``mlsysim.extras``) print as one line on stderr with exit code 2; a file that cannot be read or
written prints one line with exit code 1.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

from ..errors import MlsysimError
from ..extras import needs
from ._parser import OneLineParser, leaf_parser, parse

# Sub-command modules, in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = ("validate", "plan", "solve", "catalog", "sweep", "recalc")


def build_parser() -> OneLineParser:
    parser = OneLineParser(
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
    args = parse(parser, argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    prog = leaf_parser(parser, args).prog
    try:
        with needs(f"mlsysim {args.command}"):  # a missing optional extra: one line naming it
            return int(args.run(args) or 0)
    except MlsysimError as exc:
        print(f"{prog}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a reader that closed early (``| head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a file that cannot be read or written: one line, not a traceback
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1


def _version() -> str:
    from .. import __version__

    return f"mlsysim {__version__}"


if __name__ == "__main__":
    sys.exit(main())
