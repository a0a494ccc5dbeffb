"""Section: Excel↔Python calls of a full recalculation, per-cell vs block mode, and the Python
time per row of a block function.

Calls (counted, not timed): the planning workbook is generated in both modes (``mlsysim.workbooks
.build_workbook(functions="cell" | "block")``) for the packaged default scenarios and for 1,000
serving scenarios (``scenarios.workbook_frame``). A full recalculation calls Python once per
MLSYS_* call in a formula (an array formula is one call for its whole range); the classic add-in
also reads each reference argument (a cell, a range, an ``INDEX(...)`` row) through COM, one
read each, counted as "COM reads". Literals cost no read.

Time (measured): one call of ``MLSYS_SERVING_BLOCK`` over ``ROWS`` scenarios that all differ
(Llama 3 8B on an H100, prompts of 128..1,127 tokens, so no row repeats another), divided by the
rows: "first evaluation" after clearing the family's result cache (each row runs the solver), and
"repeated" with the cache warm (what Excel's next recalculation costs for unchanged rows). The
baseline in the same run is the per-cell functions the block replaces: the six per-cell calls of
the generated Serving sheet per row, same rows, same cache states. ``MLSYS_TRAINING_BLOCK`` and
``MLSYS_RELIABILITY_BLOCK`` are timed the same way (first evaluation) on their own distinct rows.
Median of ``REPEATS`` runs (in-process, fresh interpreter per section). No reference equivalent.
"""

from __future__ import annotations

import statistics
import time

import hooks
import scenarios

TITLE = "Block functions (calls of a full recalculation; Python time per row)"
NOTE = "calls counted in the generated workbooks; time per scenario row, per-cell calls as baseline"
HAS_REFERENCE = False
ROWS = 1000  # 200 with --quick
REPEATS = 7  # 3 with --quick
SERVING_CELLS = (
    "MLSYS_FITS",
    "MLSYS_MEM_UTIL",
    "MLSYS_KV_CACHE",
    "MLSYS_TTFT",
    "MLSYS_ITL",
    "MLSYS_TOKENS_PER_S",
)


def _count(workbook) -> tuple[int, int]:
    """(Excel→Python calls, COM reads of reference arguments) of a full recalculation."""
    from openpyxl.formula.tokenizer import Token, Tokenizer
    from openpyxl.worksheet.formula import ArrayFormula

    calls = reads = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if not (
                    isinstance(text, str) and text.startswith("=") and "MLSYS_" in text.upper()
                ):
                    continue
                depth, inside, arg_has_ref = 0, 0, False
                for token in Tokenizer(text).items:
                    opens = token.type == Token.FUNC and token.subtype == Token.OPEN
                    if opens and "MLSYS_" in token.value.upper() and not inside:
                        calls, inside, arg_has_ref = calls + 1, depth + 1, False
                    if opens or (token.type == Token.PAREN and token.subtype == Token.OPEN):
                        depth += 1
                    elif token.subtype == Token.CLOSE:
                        if inside and depth == inside:
                            reads, inside = reads + arg_has_ref, 0
                        depth -= 1
                    elif (
                        inside
                        and token.type == Token.SEP
                        and token.subtype == Token.ARG
                        and depth == inside
                    ):
                        reads, arg_has_ref = reads + arg_has_ref, False
                    elif inside and token.type == Token.OPERAND and token.subtype == Token.RANGE:
                        arg_has_ref = True
    return calls, reads


def _timed(fn, clear, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        clear()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_ours(quick: bool) -> dict:
    try:
        _, (build_workbook,) = hooks.require("mlsysim.workbooks", "build_workbook")
        _, (callables,) = hooks.require("mlsysim.macros.registry", "CALLABLES")
        hooks.require("mlsysim.macros.blocks", "block")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    from mlsysim.macros import family_reliability, family_serving, family_training

    out = []
    plans = {"default plan": None, f"{1000 if not quick else 100:,}-scenario plan": None}
    plans[next(iter(list(plans)[1:]))] = scenarios.workbook_frame(1000 if not quick else 100)
    for plan, frame in plans.items():
        counted = {
            mode: _count(build_workbook(frame, functions=mode)) for mode in ("cell", "block")
        }
        for mode, (calls, reads) in counted.items():
            out.append(
                {
                    "row": f"{plan}, {mode} mode: Excel→Python calls",
                    "status": "ok",
                    "value": calls,
                    "unit": "calls",
                }
            )
            out.append(
                {
                    "row": f"{plan}, {mode} mode: COM reads (classic)",
                    "status": "ok",
                    "value": reads,
                    "unit": "reads",
                }
            )

    n, repeats = (200, 3) if quick else (ROWS, REPEATS)
    seqs = [float(128 + i) for i in range(n)]
    block = callables["MLSYS_SERVING_BLOCK"]
    per_cell = [callables[name] for name in SERVING_CELLS]
    clear = family_serving.estimate.cache_clear

    def run_block():
        rows = block("Llama3_8B", "H100", seqs, 1.0)
        assert len(rows) == n and not any(isinstance(v, str) for r in rows for v in r), rows[:2]

    def run_cells():
        for seq in seqs:
            for fn in per_cell:
                fn("Llama3_8B", "H100", seq, 1.0)

    cold_block = _timed(run_block, clear, repeats) / n * 1e6
    cold_cells = _timed(run_cells, clear, repeats) / n * 1e6
    warm_block = _timed(run_block, lambda: None, repeats) / n * 1e6
    warm_cells = _timed(run_cells, lambda: None, repeats) / n * 1e6
    for label, value, base in (
        ("first evaluation", cold_block, cold_cells),
        ("repeated (results cached)", warm_block, warm_cells),
    ):
        out.append(
            {
                "row": f"MLSYS_SERVING_BLOCK, {n:,} distinct rows, {label}: Python time per row",
                "status": "ok",
                "value": value,
                "unit": "us",
                "detail": {
                    "per_cell_baseline_us_per_row": base,
                    "per_cell_over_block": base / value,
                },
            }
        )

    batches = [64.0 * k for k in range(1, n + 1)]  # global batch, a multiple of dp (8) × micro (8)
    training = callables["MLSYS_TRAINING_BLOCK"]
    t_train = _timed(
        lambda: training("Llama3_8B", "H100_64", batches, 8.0, 1.0, 8.0),
        family_training.estimate.cache_clear,
        repeats,
    )
    hours = [float(1 + i) for i in range(n)]
    reliability = callables["MLSYS_RELIABILITY_BLOCK"]
    t_rel = _timed(
        lambda: reliability("H100_64", hours, 60.0),
        family_reliability.estimate.cache_clear,
        repeats,
    )
    out.append(
        {
            "row": f"MLSYS_TRAINING_BLOCK, {n:,} distinct rows, first evaluation: per row",
            "status": "ok",
            "value": t_train / n * 1e6,
            "unit": "us",
        }
    )
    out.append(
        {
            "row": f"MLSYS_RELIABILITY_BLOCK, {n:,} distinct rows, first evaluation: per row",
            "status": "ok",
            "value": t_rel / n * 1e6,
            "unit": "us",
        }
    )
    return hooks.rows(*out)


def run_reference(quick: bool) -> dict:
    raise NotImplementedError("the reference has no Excel functions")
