"""Section: the finance layer — per-call cost of its cores and Excel functions, finance sweeps in
rows per second, and the default plan end to end with its PDF.

Rows (ours only: the reference has no cost per token, rent versus own or rental prices):

- cores on plain numbers (``owned_cost_core``, ``token_cost_core``, ``rent_vs_own_core``, the
  resolved ``compare``), µs per call, median of ``REPEATS`` timings of ``CALLS`` calls;
- Excel functions (``MLSYS_COST_PER_MTOK``, ``MLSYS_BREAKEVEN_UTIL``, ``MLSYS_FLEET_COST``,
  ``MLSYS_RENT_PRICE``, ``MLSYS_OWNED_HOUR_COST``): a fresh computation (the result caches of the
  finance and serving families cleared before each call; the look-ups of names, node shares,
  tariffs and offers stay warm, as in the Excel functions section) and a repeated identical call;
  ``MLSYS_TTFT`` timed
  the same way in the same run is the baseline (``detail.over_ttft``): the machine is shared, so
  compare ratios as well as times;
- sweeps of ``SWEEP_ROWS`` rows (rent_vs_own, run_cost, token_cost; economics at a utilisation as
  the same-run baseline), rows per second, best of 3;
- ``mlsysim plan --pdf``, the default plan built, recomputed and printed through LibreOffice, wall
  time of the command in a fresh interpreter (s); "not available" without LibreOffice.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hooks

TITLE = "Finance"
NOTE = "ours only (the reference has no finance layer); baselines measured in the same run"
HAS_REFERENCE = False
REPEATS = 7
CALLS = 2000
SWEEP_ROWS = 1_000_000


def _per_call_us(call, calls: int, before=None) -> tuple[float, list[float]]:
    call()
    times = []
    for _ in range(REPEATS):
        if before is None:
            t0 = time.perf_counter()
            for _ in range(calls):
                call()
            times.append((time.perf_counter() - t0) / calls * 1e6)
        else:
            spent = 0.0
            for _ in range(calls):
                before()
                t0 = time.perf_counter()
                call()
                spent += time.perf_counter() - t0
            times.append(spent / calls * 1e6)
    return statistics.median(times), times


def _cores(mlsysim) -> list[dict]:
    from mlsysim.api.pricing import node_share, rental
    from mlsysim.api.rent_vs_own import compare
    from mlsysim.solvers.ops import SCALAR
    from mlsysim.solvers.ownership import owned_cost_core
    from mlsysim.solvers.rent_vs_own import rent_vs_own_core
    from mlsysim.solvers.token_cost import token_cost_core

    catalog = mlsysim.load_catalog()
    a, h100 = catalog.assumptions, catalog.get("hardware", "H100").spec
    share, rent = node_share(catalog, h100), rental(catalog, h100, "cheapest", "on_demand")
    cases = {
        "owned_cost_core (USD per accelerator-second)": lambda: owned_cost_core(
            price=5e4,
            power=1275.0,
            electricity_price=2.2e-8,
            pue=1.1,
            utilization=0.6,
            assumptions=a,
        ),
        "token_cost_core (input/output prices)": lambda: token_cost_core(
            cost_rate=0.016,
            input_tokens_per_s=4e4,
            output_tokens_per_s=2.5e3,
            prefill_share=0.44,
            utilization=0.6,
        ),
        "rent_vs_own_core (NPVs, break-even, crossover)": lambda: rent_vs_own_core(
            purchase=3.2e6,
            fixed_rate=0.01,
            busy_rate=0.002,
            rental_rate=0.06,
            bills_idle=0.0,
            utilization=0.7,
            years=4.0,
            discount_rate=0.08,
            residual_fraction=0.1,
            financing_rate=0.0,
            financed=False,
            ops=SCALAR,
        ),
        "compare (resolved rent vs own estimate)": lambda: compare(
            a, share, 2.2e-8, 1.1, rent, 0.7, 64, 4.0, 0.08, 0.1, 0.0, False
        ),
    }
    rows = []
    for name, call in cases.items():
        median, times = _per_call_us(call, CALLS * 5)
        rows.append(hooks.row(f"core: {name}", median, "us", name.split()[0], times_us=times))
    return rows


def _cells() -> list[dict]:
    from mlsysim.macros import family_finance, family_serving, resolve
    from mlsysim.macros.registry import CALLABLES

    results = {
        "tokens",
        "comparison",
        "run",
        "owned_busy_hour",
    }  # look-ups (names, prices) stay warm
    finance_caches = [
        c
        for c in resolve._CACHES
        if c.__module__ == family_finance.__name__ and c.__name__ in results
    ]
    serving_caches = [c for c in resolve._CACHES if c.__module__ == family_serving.__name__]

    def clear(caches):
        def run():
            for cache in caches:
                cache.cache_clear()

        return run

    ttft_args = ("Llama3_70B", "H100", 4096, 16)
    ttft, _ = _per_call_us(
        lambda: CALLABLES["MLSYS_TTFT"](*ttft_args), CALLS, clear(serving_caches)
    )
    cases = {
        "MLSYS_COST_PER_MTOK": ("Llama3_70B", "H100", 4096, 16, None, 8, 256, 4, 0.6),
        "MLSYS_BREAKEVEN_UTIL": ("H100", "cheapest", None, 0.7, 64),
        "MLSYS_FLEET_COST": ("H100_64", 720),
        "MLSYS_RENT_PRICE": ("GCP_a3_highgpu_8g", "3yr"),
        "MLSYS_OWNED_HOUR_COST": ("H100", 0.6),
    }
    rows = [hooks.row("Excel: MLSYS_TTFT, fresh (baseline)", ttft, "us", f"MLSYS_TTFT{ttft_args}")]
    both = clear(finance_caches + serving_caches)
    for name, args in cases.items():
        value = CALLABLES[name](*args)
        if isinstance(value, str):
            raise AssertionError(f"{name}{args} = {value}")
        fresh, times = _per_call_us(lambda n=name, a=args: CALLABLES[n](*a), CALLS, both)
        cached, _ = _per_call_us(lambda n=name, a=args: CALLABLES[n](*a), CALLS * 5)
        rows.append(
            hooks.row(
                f"Excel: {name}, fresh",
                fresh,
                "us",
                f"{name}{args}",
                over_ttft=fresh / ttft,
                times_us=times,
            )
        )
        rows.append(
            hooks.row(f"Excel: {name}, repeated identical call", cached, "us", f"{name}{args}")
        )
    return rows


def _sweeps(quick: bool) -> list[dict]:
    import numpy as np
    import pandas as pd
    from mlsysim.sweeps import sweep

    n = SWEEP_ROWS // 10 if quick else SWEEP_ROWS
    rng = np.random.default_rng(0)
    hardware = np.array(["H100", "A100", "H200", "MI300X"])[rng.integers(0, 4, n)]
    fleets = np.array(["H100_64", "A100_64", "B200_64", "H100_256"])[rng.integers(0, 4, n)]
    frames = {
        "economics": pd.DataFrame(
            {
                "fleet": fleets,
                "duration_days": rng.uniform(1, 2000, n),
                "utilization": rng.uniform(0.05, 1, n),
            }
        ),
        "rent_vs_own": pd.DataFrame(
            {
                "hardware": hardware,
                "utilization": rng.uniform(0.05, 1, n),
                "accelerators": rng.integers(1, 512, n),
                "discount_rate": rng.uniform(0, 0.2, n),
            }
        ),
        "run_cost": pd.DataFrame(
            {
                "fleet": fleets,
                "hours": rng.uniform(1, 2000, n),
                "offer": np.array([None, "cheapest"], dtype=object)[rng.integers(0, 2, n)],
            }
        ),
        "token_cost": pd.DataFrame(
            {
                "model": np.array(["Llama3_8B", "Llama3_70B"])[rng.integers(0, 2, n)],
                "hardware": hardware,
                "seq_len": rng.integers(128, 8192, n),
                "batch_size": rng.integers(1, 64, n),
                "tp_size": 8,
                "utilization": rng.uniform(0.05, 1, n),
            }
        ),
    }
    rows, base = [], None
    for solver, frame in frames.items():
        sweep(frame.head(1000), solver)
        best = min(_timed(lambda s=solver, f=frame: sweep(f, s)) for _ in range(3))
        rate = n / best
        base = base or rate
        label = f"sweep {solver}, {n:,} rows" + (" (baseline)" if solver == "economics" else "")
        called = f"mlsysim.sweep(frame, {solver!r})"
        rows.append(
            hooks.row(
                label, rate / 1e6, "M rows/s", called, seconds=best, over_economics=rate / base
            )
        )
    return rows


def _timed(call) -> float:
    t0 = time.perf_counter()
    call()
    return time.perf_counter() - t0


def _plan_pdf() -> dict:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        return {"row": "mlsysim plan --pdf (default plan)", "status": hooks.NOT_AVAILABLE,
                "reason": "LibreOffice is not installed"}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        command = [
            sys.executable,
            "-m",
            "mlsysim.cli.main",
            "plan",
            "-o",
            f"{tmp}/plan.xlsx",
            "--pdf",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            raise RuntimeError(done.stderr)
        size = (Path(tmp) / "plan.pdf").stat().st_size
    return hooks.row("mlsysim plan --pdf (default plan: build, recompute, print)", wall, "s",
                "mlsysim plan -o plan.xlsx --pdf", pdf_bytes=size)  # fmt: skip


def run_ours(quick: bool) -> dict:
    global REPEATS, CALLS
    try:
        mlsysim, _ = hooks.require("mlsysim", "load_catalog")
        hooks.require("mlsysim.solvers.rent_vs_own", "rent_vs_own_core")
        hooks.require("mlsysim.macros.family_finance", "FUNCTIONS")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    if quick:
        REPEATS, CALLS = 3, 200
    return hooks.rows(*_cores(mlsysim), *_cells(), *_sweeps(quick), _plan_pdf())


def run_reference(quick: bool) -> dict:
    return hooks.unavailable("the reference has no finance layer")


if __name__ == "__main__":
    import json

    result = run_ours("--quick" in sys.argv)
    for row in result["rows"]:
        value = row.get("value")
        shown = f"{value:10.3f}" if isinstance(value, float) else f"{row.get('status')}"
        extra = {k: round(v, 3) for k, v in row.get("detail", {}).items() if isinstance(v, float)}
        print(
            f"{row['row']:70s} {shown} {row.get('unit', '')} {json.dumps(extra) if extra else ''}"
        )
