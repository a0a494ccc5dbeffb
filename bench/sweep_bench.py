"""Section: sweep throughput, ``mlsysim.sweep(frame, solver="serving")`` on 1,000,000 rows.

What: the wall time of one vectorised sweep over 1,000,000 serving scenarios (100,000 with
--quick; ``scenarios.serving_frame``: model, hardware, seq_len, batch_size), median of
``REPEATS`` sweeps after one warm-up sweep on 1,000 rows, in a fresh interpreter; building the
input frame is not timed. The result must have one row per input row, and not every row may
have failed (rows reported in an ``error`` column are counted). The reference has no
sweep: its row is extrapolated, the time of a plain Python loop of ``ServingModel().solve`` over
the first ``REF_SAMPLE`` scenarios (registry entries looked up by name per row), scaled to the
same row count.
"""

from __future__ import annotations

import statistics
import time

import hooks
import scenarios

TITLE = "Sweep (serving)"
NOTE = "reference: no sweep; a loop of ServingModel().solve over a sample, scaled to the row count"
HAS_REFERENCE = True
REPEATS = 3  # 1 with --quick
REF_SAMPLE = 1000  # 200 with --quick


def _rows(quick: bool) -> int:
    return 100_000 if quick else 1_000_000


def _label(quick: bool) -> str:
    return f"sweep serving, {_rows(quick):,} rows"


def run_ours(quick: bool) -> dict:
    try:
        _, (sweep,) = hooks.require("mlsysim", "sweep")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    n = _rows(quick)
    frame = scenarios.serving_frame(n)
    sweep(frame.head(1000), solver="serving")
    times = []
    for _ in range(1 if quick else REPEATS):
        t0 = time.perf_counter()
        out = sweep(frame, solver="serving")
        times.append(time.perf_counter() - t0)
        if len(out) != n:
            raise AssertionError(f"sweep returned {len(out)} rows for {n}")
    # Rows the sweep could not evaluate would make the timing meaningless: count them.
    error_rows = int(out["error"].notna().sum()) if "error" in out.columns else 0
    if error_rows == n:
        raise AssertionError(f"every row of the sweep failed, e.g. {out['error'].iloc[0]!r}")
    value = statistics.median(times)
    return hooks.rows(
        {
            "row": _label(quick),
            "status": "ok",
            "value": value,
            "unit": "s",
            "called": f"mlsysim.sweep(frame, solver='serving')  # frame: {n:,} rows x "
            f"{list(scenarios.COLUMNS)}",
            "detail": {"times_s": times, "rows_per_s": n / value, "error_rows": error_rows},
        }
    )


def run_reference(quick: bool) -> dict:
    from mlsysim import Hardware, Models
    from mlsysim.solvers import ServingModel

    n, sample = _rows(quick), 200 if quick else REF_SAMPLE
    rows = scenarios.serving_rows(sample)
    t0 = time.perf_counter()
    for model, hardware, seq_len, batch_size in rows:
        ServingModel().solve(
            model=getattr(Models.Language, model),
            hardware=getattr(Hardware.Cloud, hardware),
            seq_len=seq_len,
            batch_size=batch_size,
        )
    elapsed = time.perf_counter() - t0
    value = elapsed / sample * n
    return hooks.rows(
        {
            "row": _label(quick),
            "status": "ok",
            "value": value,
            "unit": "s",
            "called": f"for each of {sample:,} rows: ServingModel().solve(model=getattr("
            f"Models.Language, model), hardware=getattr(Hardware.Cloud, hardware), "
            f"seq_len=..., batch_size=...); time x {n // sample:,} (extrapolated)",
            "detail": {
                "sample_rows": sample,
                "sample_time_s": elapsed,
                "rows_per_s": n / value,
                "extrapolated": True,
            },
        }
    )
