"""Section: planning-workbook build and headless recompute for 1,000 scenarios.

What: the wall time of ``mlsysim.workbooks.build(path, scenarios=frame)`` writing the planning
.xlsx with ``SCENARIOS`` serving scenarios (``scenarios.workbook_frame``), then of
``mlsysim.workbooks.recalc(path, out)`` recomputing every formula headless and writing the
result, each the median of ``REPEATS`` runs (fewer once ``BUDGET_S`` is spent: a slow recompute runs
once) in a fresh interpreter, into a temporary directory.
A recompute that reports formula errors fails the section (its timing would be meaningless).
The reference has no workbooks, so these rows have no reference column. The exact calls are the
lines in ``run_ours``: if the API settles on another signature, change them there (a mismatch
is reported as an error, not hidden).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import hooks
import scenarios

TITLE = "Workbooks"
NOTE = "the reference has no workbooks"
HAS_REFERENCE = False
SCENARIOS = 1000  # 100 with --quick
REPEATS = 3  # 1 with --quick
BUDGET_S = 60.0  # no further repeat once build + recalc took this long in total


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_ours(quick: bool) -> dict:
    try:
        _, (build, recalc) = hooks.require("mlsysim.workbooks", "build", "recalc")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    n = 100 if quick else SCENARIOS
    frame = scenarios.workbook_frame(n)
    builds, recalcs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(1 if quick else REPEATS):
            path, out = Path(tmp) / f"plan{i}.xlsx", Path(tmp) / f"plan{i}-recalc.xlsx"
            builds.append(_timed(lambda path=path: build(path, scenarios=frame)))
            t0 = time.perf_counter()
            report = recalc(path, out)
            recalcs.append(time.perf_counter() - t0)
            if report.errors:
                raise AssertionError(
                    f"recalc reported {len(report.errors)} formula errors, e.g. {report.errors[:3]}"
                )
            if sum(builds) + sum(recalcs) > BUDGET_S:
                break
        size = path.stat().st_size
    recalc_detail = {
        "times_s": recalcs,
        "formula_cells": report.formula_cells,
        "compiled_formulas": report.compiled_formulas,
        "levels": report.levels,
        "last_run_phases_s": report.seconds,
    }
    called = (
        f"frame = scenarios.workbook_frame({n}) # {list(frame.columns)}; "
        "mlsysim.workbooks.build(path, scenarios=frame)"
    )
    return hooks.rows(
        {
            "row": f"workbook build, {n:,} scenarios",
            "status": "ok",
            "value": statistics.median(builds),
            "unit": "s",
            "called": called,
            "detail": {"times_s": builds, "xlsx_bytes": size},
        },
        {
            "row": f"workbook recalc, {n:,} scenarios",
            "status": "ok",
            "value": statistics.median(recalcs),
            "unit": "s",
            "called": "mlsysim.workbooks.recalc(path, out)",
            "detail": recalc_detail,
        },
    )


def run_reference(quick: bool) -> dict:
    raise NotImplementedError("the reference has no workbooks")
