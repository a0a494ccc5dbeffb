"""``mlsysim recalc IN.xlsx [-o OUT.xlsx | --in-place] [--summary FILE.json|.csv] [--check]``.

Recomputes every formula of a workbook headless (native Excel functions and MLSYS_*) and writes
it back with current cached values. Exit 0: every formula evaluates (and, with ``--check``, the
master check ``MasterCheck`` is TRUE); 1: some cell is an error (the first 20 are listed, with the
count) or the master check fails; 2: the input cannot be used (one line on stderr, nothing
written). A progress bar shows on a terminal; CI (``CI=true`` or no terminal) stays quiet.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ._catalog import add_catalog_option, chosen_catalog


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "recalc",
        help="recompute every formula of a workbook headless (for CI and edited workbooks)",
        description=__doc__.split("\n\n")[1],
    )
    parser.add_argument("input", type=Path, metavar="IN.xlsx", help="the workbook to recompute")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="OUT.xlsx", help="write the recomputed workbook here"
    )
    parser.add_argument("--in-place", action="store_true", help="overwrite IN.xlsx (atomically)")
    parser.add_argument(
        "--summary", type=Path, metavar="FILE", help="write key outputs per scenario to FILE.json or FILE.csv"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="also fail (exit 1) when the master check MasterCheck is not TRUE",
    )
    add_catalog_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..macros import resolve
    from ..workbooks.recalc import recalc

    if args.catalog:  # MLSYS_* cells that name an entry by id look it up in these folders too
        resolve.set_catalog(chosen_catalog(args))

    bar = _Bar() if _interactive() else None
    try:
        report = recalc(
            args.input,
            args.output,
            in_place=args.in_place,
            summary=args.summary,
            check=args.check,
            progress=bar,
        )
    finally:
        if bar:
            bar.close()
    for line in report.lines():
        print(line)
    if not args.output and not args.in_place:
        print("no workbook written (give -o OUT.xlsx or --in-place to write one)")
    if report.exit_code:
        reasons = []
        if report.errors:
            reasons.append(f"{len(report.errors)} cells evaluate to an error")
        if args.check and report.master_check is not True:
            reasons.append("the master check is FALSE")
        print(f"mlsysim recalc: {'; '.join(reasons)}", file=sys.stderr)
    return report.exit_code


def _interactive() -> bool:
    """A progress bar only on a terminal, never in CI."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return False
    return sys.stderr.isatty()


class _Bar:
    """``progress(done, total)`` drawn as one updating line on stderr."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent == self.shown:
            return
        self.shown = percent
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        sys.stderr.write(f"\rrecalc [{bar}] {percent:3d}% {done:,}/{total:,} formula cells")
        sys.stderr.flush()

    def close(self) -> None:
        if self.shown >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()
