"""``mlsysim solve ... --ranges``: the validated band of each headline column and, for the finance
solvers, the composite's Monte Carlo range, its tornado and the two-way table of its top drivers
(``mlsysim.api.ranges``)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..api.ranges import RangeReport, RangesModel
from ..sweeps.columns import COLUMNS
from ._table import render

__all__ = ["add_ranges_options", "ranges_body", "ranges_text", "report"]


def add_ranges_options(
    parser: argparse.ArgumentParser,
    help: str = "add P10-P90 ranges from validation (leave-one-out) and assumption spreads, and a tornado",
) -> None:
    parser.add_argument("--ranges", action="store_true", help=help)
    parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="Monte Carlo seed (default: 0)")


def report(solver: str, inputs: dict[str, Any], catalog: Any, args: argparse.Namespace) -> RangeReport:
    return RangesModel(catalog).solve(solver, draws=args.draws, seed=args.seed, **inputs)


def _columns(r: RangeReport) -> list[dict[str, Any]]:
    """Ranged columns in the units the result table shows (the same scale as the value)."""
    rows = []
    for c in COLUMNS[r.solver]:
        ranged = [f for f in r.fields if f.field == c.field]
        if ranged:
            f = ranged[0]
            low = None if f.low is None else _finite(_si(f.low) * c.scale)
            high = None if f.high is None else _finite(_si(f.high) * c.scale)
            rows.append(
                {
                    "column": c.name,
                    "field": c.field,
                    "unit": c.unit,
                    "low": low,
                    "high": high,
                    "validated": f.validated,
                    "provenance": f.provenance,
                }
            )
        elif r.composite is not None and c.field == r.composite.name:
            rows.append(
                {
                    "column": c.name,
                    "field": c.field,
                    "unit": c.unit,
                    "low": r.composite.low * c.scale,
                    "high": r.composite.high * c.scale,
                    "validated": True,
                    "provenance": r.composite.provenance(),
                }
            )
    return rows


def _si(value: Any) -> float:
    """A bound as an SI float: a Quantity's magnitude (results carry SI units), else the number."""
    return float(getattr(value, "magnitude", value))


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def ranges_body(r: RangeReport) -> dict[str, Any]:
    body: dict[str, Any] = {"quantiles": list(r.quantiles), "columns": _columns(r)}
    if r.composite is not None:
        body["tornado"] = [
            {
                "driver": b.driver,
                "label": b.label,
                "source": b.source,
                "input_low": b.input_low,
                "input_high": b.input_high,
                "at_low": b.at_low,
                "at_high": b.at_high,
                "swing": b.swing,
            }
            for b in r.tornado
        ]
    if r.two_way is not None:
        t = r.two_way
        body["two_way"] = {
            "rows": t.row_driver,
            "columns": t.column_driver,
            "row_values": list(t.row_values),
            "column_values": list(t.column_values),
            "table": [list(row) for row in t.table],
        }
    return body


def ranges_text(r: RangeReport) -> str:
    body = ranges_body(r)
    rows = [
        (
            c["field"],
            "-" if c["low"] is None else c["low"],
            "-" if c["high"] is None else c["high"],
            c["unit"],
            c["provenance"],
        )
        for c in body["columns"]
    ]
    lines = ["", render(("result", "P10", "P90", "unit", "from"), rows)]
    if "tornado" in body:
        bars = [(b["driver"], b["at_low"], b["at_high"], b["swing"]) for b in body["tornado"]]
        lines += [
            "",
            f"tornado ({r.composite.name if r.composite else ''}, ranked by swing):",
            render(("driver", "at low", "at high", "swing"), bars),
        ]
    if "two_way" in body:
        t = body["two_way"]
        header = (f"{t['rows']} \\ {t['columns']}", *(f"{v:.4g}" for v in t["column_values"]))
        table = [(f"{v:.4g}", *row) for v, row in zip(t["row_values"], t["table"], strict=True)]
        lines += ["", "two-way table of the two leading drivers:", render(header, table)]
    return "\n".join(lines)
