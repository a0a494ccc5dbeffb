"""Section: ranges and sensitivity — one scenario's ranges per call, and a 1,000-scenario plan
with its Ranges and Sensitivity sheets built and recomputed.

Rows (ours only: the reference prints points), each with a baseline measured in the same run so
the ratio survives a shared machine:

- ``CostPerTokenModel`` point estimate (the baseline) against: the composite built and 1,000
  Monte Carlo draws evaluated on the array cores (``composite_for`` + ``monte_carlo``), and the
  whole ``RangesModel().solve`` (point, ranges, tornado, two-way table); µs per call;
- ``ServingModel().solve`` (baseline) against ``result.range("ttft")`` on its result;
- ``mlsysim.workbooks.build`` + ``recalc`` of ``SCENARIOS`` serving scenarios, with the Ranges and
  Sensitivity sheets, against the same plan with those two writers replaced by no-ops (baseline);
  seconds, best of ``REPEATS``.

Run alone: ``python bench/ranges_bench.py [--quick]`` prints the rows as JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import hooks
import scenarios
from timing import time_calls

TITLE = "Ranges and sensitivity"
NOTE = "ours only (the reference prints points); ratios against a baseline measured in the same run"
HAS_REFERENCE = False
SCENARIOS = 1000  # 100 with --quick
REPEATS = 2
TOKEN = {
    "model": "Llama3_8B",
    "hardware": "H100",
    "seq_len": 2048,
    "batch_size": 16,
    "utilization": 0.6,
}


def _one_scenario(mlsysim) -> list[dict]:
    from mlsysim.api.ranges import RangesModel, composite_for
    from mlsysim.ranges.propagate import monte_carlo

    catalog = mlsysim.load_catalog()
    model = mlsysim.CostPerTokenModel(catalog)
    point = time_calls(lambda: model.solve(**_positional(TOKEN)))["median_us"]
    result = model.solve(**_positional(TOKEN))
    draws = time_calls(
        lambda: monte_carlo(composite_for("token_cost", TOKEN, result, catalog), 1000, 0)
    )["median_us"]
    ranges = RangesModel(catalog)
    full = time_calls(lambda: ranges.solve("token_cost", **TOKEN), min_calls=200)["median_us"]
    serving = mlsysim.ServingModel(catalog)
    served = serving.solve("Llama3_8B", "H100", 2048, 4)
    serve_us = time_calls(lambda: serving.solve("Llama3_8B", "H100", 2048, 4))["median_us"]
    band_us = time_calls(lambda: served.range("ttft"))["median_us"]
    return [
        hooks.row(
            "cost per Mtok, point estimate (baseline)", point, "µs", "CostPerTokenModel().solve"
        ),
        hooks.row(
            "cost per Mtok, composite + 1,000 Monte Carlo draws",
            draws,
            "µs",
            "monte_carlo(composite_for('token_cost', ...), 1000)",
            over_point=draws / point,
        ),
        hooks.row(
            "cost per Mtok with ranges, tornado and two-way",
            full,
            "µs",
            "RangesModel().solve('token_cost', ...)",
            over_point=full / point,
        ),
        hooks.row("TTFT point estimate (baseline)", serve_us, "µs", "ServingModel().solve"),
        hooks.row(
            "TTFT validated band",
            band_us,
            "µs",
            "result.range('ttft')",
            over_point=band_us / serve_us,
        ),
    ]


def _positional(inputs: dict) -> dict:
    return {
        "model": inputs["model"],
        "hardware": inputs["hardware"],
        **{k: v for k, v in inputs.items() if k not in ("model", "hardware")},
    }


def _plan(n: int) -> list[dict]:
    from mlsysim.workbooks import build, planbook, recalc

    frame = scenarios.workbook_frame(n)

    def once() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            path, out = Path(tmp) / "plan.xlsx", Path(tmp) / "plan-recalc.xlsx"
            t0 = time.perf_counter()
            build(path, scenarios=frame)
            recalc(path, out)
            return time.perf_counter() - t0

    with_ranges = min(once() for _ in range(REPEATS))
    kept = planbook.write_sensitivity, planbook.write_ranges
    try:
        planbook.write_sensitivity = lambda *a, **k: None
        planbook.write_ranges = lambda *a, **k: None
        without = min(once() for _ in range(REPEATS))
    finally:
        planbook.write_sensitivity, planbook.write_ranges = kept
    return [
        hooks.row(
            f"plan of {n:,} scenarios, build + recalc, without ranges (baseline)",
            without,
            "s",
            "build + recalc",
        ),
        hooks.row(
            f"plan of {n:,} scenarios, build + recalc, with Ranges and Sensitivity",
            with_ranges,
            "s",
            "build + recalc",
            over_baseline=with_ranges / without,
        ),
    ]


def run_ours(quick: bool) -> dict:
    try:
        mlsysim, _ = hooks.require("mlsysim", "load_catalog")
        hooks.require("mlsysim.api.ranges", "RangesModel")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    return hooks.rows(*_one_scenario(mlsysim), *_plan(100 if quick else SCENARIOS))


def run_reference(quick: bool) -> dict:
    return hooks.unavailable("the reference has no ranges")


if __name__ == "__main__":
    print(json.dumps(run_ours("--quick" in sys.argv), indent=1))
