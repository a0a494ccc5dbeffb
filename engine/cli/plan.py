"""``mlsysim plan``: build the planning workbook, recompute it headless and print a summary.

Builds the workbook from the packaged catalog and scenarios (or ``--scenarios FILE``), computes
every formula with ``mlsysim.workbooks.recalc`` and writes the result atomically: nothing appears
at the output path until the computed workbook is complete, and an existing file is replaced only
with ``--force``. ``--pdf [PATH]`` also prints the computed workbook to a PDF report through
LibreOffice (default: the output's name with .pdf); without LibreOffice it stops before building,
with one line saying how to get it. Exit status 0 when the master check passes, 1 when it fails
(the workbook is still written; its Checks sheet says why), 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from ..errors import InvalidInputError
from ._catalog import add_catalog_option, chosen_catalog


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="build and compute the planning workbook (plan.xlsx)",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
        epilog="exit status: 0 when the master check passes; 1 when it fails (the workbook is still "
        "written, its Checks sheet says why); 2 on bad input",
    )
    parser.add_argument("-o", "--output", type=Path, default=Path("plan.xlsx"), help="default: plan.xlsx")
    parser.add_argument(
        "--scenarios",
        type=Path,
        help="scenarios file (.toml with [[serving]]/[[training]]/[[reliability]], or .csv); "
        "default: the packaged scenarios",
    )
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    parser.add_argument(
        "--target",
        choices=("classic", "lite", "server"),
        default="classic",
        help="the Excel runtime the MLSYS_* formulas are written for: classic xlwings add-in (default), "
        "xlwings Lite or xlwings Server (stored as _xldudf_ custom functions)",
    )
    parser.add_argument(
        "--namespace",
        help="with --target server: the server's XLWINGS_FUNCTIONS_NAMESPACE, XLWINGS (default) or ''",
    )
    parser.add_argument(
        "--functions",
        choices=("cell", "block"),
        default="cell",
        help="cell: one MLSYS_* call per engine cell (default); block: one MLSYS_*_BLOCK call per sheet",
    )
    parser.add_argument(
        "--pdf",
        nargs="?",
        const=True,
        type=Path,
        metavar="PATH",
        help="also print the computed workbook to PDF through LibreOffice (default PATH: the output "
        "with .pdf); an existing PDF is replaced only with --force",
    )
    add_catalog_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..macros import resolve
    from ..workbooks import build_workbook, load_scenarios, recalc
    from ..workbooks.engine_calls import Target
    from ..workbooks.planbook import publish, save_atomically
    from ..workbooks.summary import format_summary, summarize

    target: Path = args.output
    if target.suffix.lower() != ".xlsx":
        raise InvalidInputError("--output", str(target), "the planning workbook is an .xlsx file")
    if target.exists() and not args.force:
        raise InvalidInputError("--output", str(target), "exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise InvalidInputError("--output", str(target), "its folder does not exist")
    if args.namespace is not None and args.target != "server":
        raise InvalidInputError("--namespace", args.namespace, "only with --target server")
    runtime = Target.named(args.target, args.namespace)
    pdf, program = _pdf_target(args, target)
    catalog = chosen_catalog(args)
    resolve.set_catalog(catalog)  # MLSYS_* cells that name an entry by id look it up there
    scenarios = load_scenarios(args.scenarios, catalog)
    handle, temp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".xlsx", dir=target.parent)
    os.close(handle)
    try:
        workbook = build_workbook(
            scenarios,
            computed_at=datetime.now(UTC),
            catalog=catalog,
            target=runtime,
            functions=args.functions,
        )
        save_atomically(workbook, Path(temp))
        recalc(temp, in_place=True)
        publish(Path(temp), target)
    finally:
        Path(temp).unlink(missing_ok=True)
    summary = summarize(target)
    print(format_summary(summary, target))
    if pdf is not None:
        from ..workbooks.pdf import to_pdf

        to_pdf(target, pdf, program=program)
        print(f"{pdf}: the workbook printed to PDF (LibreOffice)")
    if summary.master_check is not True:
        print(f"mlsysim plan: the master check fails; see the Checks sheet of {target}", file=sys.stderr)
        return 1
    return 0


def _pdf_target(args: argparse.Namespace, target: Path) -> tuple[Path | None, str | None]:
    """The PDF path and LibreOffice program, checked before anything is built."""
    if args.pdf is None:
        return None, None
    from ..workbooks.pdf import soffice

    pdf = target.with_suffix(".pdf") if args.pdf is True else args.pdf
    if pdf.suffix.lower() != ".pdf":
        raise InvalidInputError("--pdf", str(pdf), "the report is a .pdf file")
    if pdf.exists() and not args.force:
        raise InvalidInputError("--pdf", str(pdf), "exists; pass --force to replace it")
    if not pdf.parent.is_dir():
        raise InvalidInputError("--pdf", str(pdf), "its folder does not exist")
    return pdf, soffice()
