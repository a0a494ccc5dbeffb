"""Section: planning-workbook build and headless recompute for 1,000 scenarios.

What: the wall time of ``mlsysim.workbooks.build(frame, path)`` writing an .xlsx with ``SCENARIOS``
serving scenarios (``scenarios.serving_frame``), then of ``mlsysim.workbooks.recalc(path)``
recomputing it headless, each the median of ``REPEATS`` runs in a fresh interpreter, into a
temporary directory. The reference has no workbooks, so these rows have no reference column.
The exact call is the two lines in ``run_ours``: if the API settles on another signature,
change them there (a mismatch is reported as an error, not hidden).
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
    frame = scenarios.serving_frame(n)
    builds, recalcs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(1 if quick else REPEATS):
            path = Path(tmp) / f"plan{i}.xlsx"
            builds.append(_timed(lambda path=path: build(frame, path)))
            recalcs.append(_timed(lambda path=path: recalc(path)))
        size = path.stat().st_size
    return hooks.rows(
        {
            "row": f"workbook build, {n:,} scenarios",
            "status": "ok",
            "value": statistics.median(builds),
            "unit": "s",
            "called": "mlsysim.workbooks.build(frame, path)",
            "detail": {"times_s": builds, "xlsx_bytes": size},
        },
        {
            "row": f"workbook recalc, {n:,} scenarios",
            "status": "ok",
            "value": statistics.median(recalcs),
            "unit": "s",
            "called": "mlsysim.workbooks.recalc(path)",
            "detail": {"times_s": recalcs},
        },
    )


def run_reference(quick: bool) -> dict:
    raise NotImplementedError("the reference has no workbooks")
