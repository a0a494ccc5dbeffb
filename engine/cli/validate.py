"""``mlsysim validate``: the engine's estimates against published measurements.

Prints the case table (case, measured, estimated, error, tolerance, within) and the median absolute
percentage error per category as Markdown (``--json`` for JSON); ``--fit`` refits the calibrated
efficiencies and shows the table under the fitted values (the catalog is never rewritten); ``--loo``
adds the leave-one-out estimates (each case under a refit without it), reported apart. The ranges
section reports, per estimate family, the P10-P90 band of the leave-one-out ratios and its
coverage (the packaged ratios, or the fresh ones under ``--loo``; ``--write-ratios`` saves them). Exit
status 1 when a case is outside its tolerance without a recorded reason, or an expected failure
passes; 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from ..catalog_loader import packaged_catalog
from ..errors import InvalidInputError
from ..ranges.bands import ratios_from_loo, read_ratios, write_ratios
from ..ranges.report import coverage_markdown, coverage_rows
from ..validation import CALIBRATED, fit, load_cases, markdown, validate
from ..validation.calibrate import with_values
from ..validation.loo import leave_one_out, loo_summary
from ..validation.report import Validation, loo_markdown


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="compare estimates with published measurements",
        description=__doc__.splitlines()[0].split(": ", 1)[1],
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown tables")
    parser.add_argument("--fit", action="store_true", help="refit the calibrated efficiencies first")
    parser.add_argument(
        "--loo", action="store_true", help="add leave-one-out estimates (one refit per case; slow)"
    )
    parser.add_argument(
        "--write-ratios",
        type=Path,
        metavar="PATH",
        help="with --loo: write the leave-one-out ratios the ranges use (engine/ranges/loo_ratios.json)",
    )
    parser.add_argument("--cases", type=Path, help="cases file (default: the packaged cases.toml)")
    parser.add_argument("-o", "--output", type=Path, help="write the report to this file instead of stdout")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cases = load_cases(args.cases)
    catalog = packaged_catalog()  # the calibration is of the packaged assumptions, on its entries
    assumptions = catalog.assumptions
    fitted = None
    if args.fit:
        fitted = fit(cases, catalog)
        assumptions = with_values(assumptions, fitted.values)
    result = validate(cases, catalog, assumptions)
    used = {name: getattr(assumptions, name) for name in CALIBRATED}
    held_out = leave_one_out(cases, catalog) if args.loo else ()
    if args.write_ratios is not None and not args.loo:
        raise InvalidInputError("--write-ratios", str(args.write_ratios), "needs --loo")
    ratios = ratios_from_loo(cases, held_out) if args.loo else read_ratios()
    origin = "this run's leave-one-out" if args.loo else "packaged leave-one-out ratios"
    if args.write_ratios is not None:
        write_ratios(ratios, args.write_ratios)
    if args.json:
        body = result.to_dict() | {"assumptions": used}
        if fitted:
            body["fit"] = {"objective": fitted.objective, "sweeps": fitted.sweeps}
        if args.loo:
            body["leave_one_out"] = Validation(held_out, loo_summary(cases, held_out)).to_dict()
        body["ranges"] = {"origin": origin, "families": coverage_rows(ratios)}
        text = json.dumps(body, indent=2) + "\n"
    else:
        text = markdown(result)
        if fitted:
            catalog_values = catalog.assumptions
            rows = "".join(
                f"| {n} | {getattr(catalog_values, n):.4g} | {v:.4g} |\n" for n, v in fitted.values.items()
            )
            text += f"\n| assumption | catalog | fitted |\n|---|---:|---:|\n{rows}"
            text += f"\nSum of squared log errors at the fit: {fitted.objective:.4f}\n"
        if args.loo:
            text += loo_markdown(held_out, loo_summary(cases, held_out))
        text += coverage_markdown(ratios, origin)
    _emit(text, args.output)
    for r in result.unexpected:
        why = "passes although marked expected to fail" if r.xfail else "is outside its tolerance"
        print(f"mlsysim validate: {r.id} {why} ({r.error:+.1%}, ±{r.tolerance:.0%})", file=sys.stderr)
    return 1 if result.unexpected else 0


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    if not output.parent.is_dir():
        raise InvalidInputError("output", str(output), "its folder must exist")
    handle, temp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
