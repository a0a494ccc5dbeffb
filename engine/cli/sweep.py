"""``mlsysim sweep SCENARIOS -o RESULTS``: a solver on every row of a CSV, Parquet or Excel file.

Columns are the solver's arguments, named like the flags of ``mlsysim solve`` (``model``,
``hardware``, ``seq_len``...; case, spaces and dashes ignored); other columns are copied through.
Each row gets the result columns (the unit in the name: ``ttft_ms``) and an ``error`` column; a row
that fails carries its message there and the rest still compute. CSV and Parquet are read and
written in chunks of ``--chunk-rows`` rows, so a file larger than memory sweeps in constant memory;
.xlsx is read or written whole. The output appears only when complete (written beside it, then
renamed); an existing output is replaced only with ``--force``. A progress bar shows on a terminal.
With ``--ranges`` each ranged result column gets ``_p10`` and ``_p90`` columns beside it: the
validated band where the estimate has one (empty where it has none), the Monte Carlo range of a
finance or carbon total, the replicas of the traffic scaled by the throughput band.
Exit status 0, 1 with ``--strict`` when any row has an error, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sweeps.arguments import SOLVERS
from ..sweeps.limits import DEFAULT_CHUNK_ROWS
from ._catalog import add_catalog_option, chosen_catalog
from ._progress import progress_bar
from ._ranges import add_ranges_options


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="run a solver on every row of a CSV, Parquet or .xlsx file",
        description=__doc__.split("\n\n", 1)[1].replace("``", ""),
        epilog="examples:\n"
        "  mlsysim sweep scenarios.csv --solver serving -o results.csv\n"
        "  mlsysim sweep fleets.xlsx --solver economics -o tco.xlsx --force\n"
        "  mlsysim sweep big.parquet --solver serving -o big_results.parquet --chunk-rows 500000\n"
        "  mlsysim sweep fleets.csv --solver economics -o tco_ranges.csv --ranges\n"
        "\nscenarios.csv for serving:\n"
        "  model,hardware,seq_len,batch_size,tp_size\n"
        "  Llama3_70B,H100,4096,1,8\n"
        "  Llama3_8B,L4,2048,4,1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenarios", type=Path, metavar="SCENARIOS", help="input .csv, .parquet or .xlsx")
    parser.add_argument(
        "--solver", default="serving", choices=tuple(SOLVERS), help="solver to run (default: serving)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="output .csv, .parquet or .xlsx")
    parser.add_argument("--force", action="store_true", help="replace the output file if it exists")
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=DEFAULT_CHUNK_ROWS,
        metavar="N",
        help=f"rows per chunk for CSV and Parquet (default: {DEFAULT_CHUNK_ROWS:,})",
    )
    parser.add_argument("--sheet", default=0, help="sheet of an .xlsx input (default: the first)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any row has an error")
    add_ranges_options(
        parser, "add _p10 and _p90 columns beside each ranged result (validated bands, spreads)"
    )
    add_catalog_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..sweeps.files import sweep_file

    bar = progress_bar(sys.stderr, f"sweep {args.solver}")
    try:
        summary = sweep_file(
            args.scenarios,
            args.output,
            args.solver,
            chunk_rows=args.chunk_rows,
            overwrite=args.force,
            sheet=args.sheet,
            catalog=chosen_catalog(args),
            progress=bar,
            ranges=args.ranges,
            draws=args.draws,
            seed=args.seed,
        )
    finally:
        if bar is not None:
            bar.close()
    print(f"{summary.rows:,} rows swept ({summary.errors:,} with an error) -> {summary.output}")
    return 1 if args.strict and summary.errors else 0
