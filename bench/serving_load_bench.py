"""Section: serving at load, per call and in sweeps.

What, each in a fresh interpreter (``worker.py``), per call the median of ``timing.time_calls``:

- capacity, the same question on both sides: Llama 3 8B on one H100, 50 requests/s of 3,000-token
  prompts and 400-token answers, P99 end-to-end latency within 30 s (the reference's only target;
  its ``max_batch_size=256``): ``ServingCapacityModel().solve``;
- capacity, the issue's question (Llama 3 70B, TP8 H100 replicas, P99 TTFT 2 s and ITL 40 ms):
  ours only, the reference has neither tensor parallelism nor TTFT/ITL targets;
- one replica under continuous batching, Llama 3 8B on an H100 with 3,000-token prompts, as many
  requests as fit (reference: ``max_batch_size=256``): ``ContinuousBatchingModel().solve``;
- the Excel cell ``MLSYS_REPLICAS`` on the issue's question, cached (a recalculation that finds
  the inputs unchanged);
- sweeps: ``mlsysim.sweep(frame, solver="batching" | "capacity")`` over random scenarios (three
  models, three accelerators, TP 1-8, prompts 100-4,000, answers 10-1,000; capacity adds
  1-100 requests/s and TTFT/ITL targets), rows per second of one sweep after a warm-up on 1,000
  rows; the reference has no sweep.
"""

from __future__ import annotations

import time

import hooks
import timing

TITLE = "Serving at load"
NOTE = (
    "per call: median over >= 20 calls, fresh process; sweeps: rows/s of one sweep; "
    "reference: mlsysim 0.3.0, same question where it can ask it"
)
HAS_REFERENCE = True

SAME = {"prompt": 3000, "output": 400, "rate": 50.0, "e2e_s": 30.0}
ISSUE = {
    "model": "Llama3_70B",
    "hardware": "H100",
    "arrival_rate": 50,
    "prompt_len": 3000,
    "output_len": 400,
    "ttft_target": 2.0,
    "itl_target": 0.040,
    "percentile": 0.99,
    "tp_size": 8,
}


def _sweep_rows(quick: bool) -> dict[str, int]:
    return {"batching": 100_000 if quick else 1_000_000, "capacity": 10_000 if quick else 100_000}


def _frame(solver: str, n: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "model": np.array(["Llama3_8B", "Llama3_70B", "Mixtral_8x7B"])[rng.integers(0, 3, n)],
            "hardware": np.array(["H100", "A100", "H200"])[rng.integers(0, 3, n)],
            "tp_size": np.array([1, 2, 4, 8])[rng.integers(0, 4, n)],
            "prompt_len": rng.integers(100, 4000, n),
            "output_len": rng.integers(10, 1000, n),
        }
    )
    if solver == "capacity":
        frame = frame.assign(
            arrival_rate=rng.uniform(1, 100, n),
            ttft_target=rng.uniform(0.5, 5.0, n),
            itl_target=rng.uniform(0.02, 0.1, n),
        )
    return frame


def _per_call(row: str, fn, called: str, check: str, min_calls: int = 20) -> dict:
    stats = timing.time_calls(fn, min_calls=min_calls, warmup_calls=3, warmup_s=0.05)
    detail = {**stats, "check": check}
    return {
        "row": row,
        "status": "ok",
        "value": stats["median_us"],
        "unit": "us",
        "called": called,
        "detail": detail,
    }


def run_ours(quick: bool) -> dict:
    try:
        _, (capacity, batching, sweep) = hooks.require(
            "mlsysim", "ServingCapacityModel", "ContinuousBatchingModel", "sweep"
        )
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    from mlsysim.macros import CALLABLES

    same = {
        "model": "Llama3_8B",
        "hardware": "H100",
        "arrival_rate": SAME["rate"],
        "prompt_len": SAME["prompt"],
        "output_len": SAME["output"],
        "e2e_target": SAME["e2e_s"],
        "percentile": 0.99,
    }
    r = capacity().solve(**same)
    rows = [
        _per_call(
            "capacity: Llama 3 8B, H100, 50 req/s, P99 e2e 30 s",
            lambda: capacity().solve(**same),
            f"ServingCapacityModel().solve(**{same})",
            f"{r.replicas:.0f} replicas",
        )
    ]
    r = capacity().solve(**ISSUE)
    rows.append(
        _per_call(
            "capacity: the issue's question (70B, TP8, P99 TTFT+ITL)",
            lambda: capacity().solve(**ISSUE),
            f"ServingCapacityModel().solve(**{ISSUE})",
            f"{r.replicas:.0f} replicas, {r.accelerators:.0f} accelerators",
        )
    )
    b = batching().solve(
        model="Llama3_8B", hardware="H100", prompt_len=SAME["prompt"], output_len=SAME["output"]
    )
    rows.append(
        _per_call(
            "batching: Llama 3 8B, H100, 3,000 in, most that fit",
            lambda: batching().solve(
                model="Llama3_8B",
                hardware="H100",
                prompt_len=SAME["prompt"],
                output_len=SAME["output"],
            ),
            "ContinuousBatchingModel().solve(model='Llama3_8B', hardware='H100', prompt_len=3000, "
            "output_len=400)",
            f"{b.concurrency:.0f} running, "
            f"{b.output_tokens_per_s.to('1/s').magnitude:,.0f} tokens/s",
        )
    )
    cell = CALLABLES["MLSYS_REPLICAS"]
    args = ("Llama3_70B", "H100", 50, 3000, 400, 2000, 40, 0.99, None, 8)
    rows.append(
        _per_call(
            "cell MLSYS_REPLICAS, the issue's question, cached",
            lambda: cell(*args),
            f"MLSYS_REPLICAS{args}",
            f"{cell(*args)}",
            min_calls=1000,
        )
    )
    for solver, n in _sweep_rows(quick).items():
        frame = _frame(solver, n)
        sweep(frame.head(1000), solver=solver)
        t0 = time.perf_counter()
        out = sweep(frame, solver=solver)
        elapsed = time.perf_counter() - t0
        failed = int(out["error"].notna().sum())
        if len(out) != n or failed == n:
            raise AssertionError(f"{solver} sweep: {len(out)} rows, {failed} failed")
        rows.append(
            {
                "row": f"sweep {solver}, rows per second",
                "status": "ok",
                "value": n / elapsed,
                "unit": "rows/s",
                "called": f"mlsysim.sweep(frame, solver={solver!r})  # {n:,} rows",
                "detail": {"seconds": elapsed, "rows": n, "error_rows": failed},
            }
        )
    return hooks.rows(*rows)


def run_reference(quick: bool) -> dict:
    from mlsysim import Hardware, Models
    from mlsysim.solvers import ContinuousBatchingModel, ServingCapacityModel

    model, hardware = Models.Language.Llama3_8B, Hardware.Cloud.H100
    same = {
        "qps": SAME["rate"],
        "target_p99_latency_ms": SAME["e2e_s"] * 1e3,
        "max_seq_len": 3400,
        "mean_request_tokens": SAME["prompt"],
        "output_tokens": SAME["output"],
        "max_batch_size": 256,
    }
    r = ServingCapacityModel().solve(model, hardware, **same)
    b = ContinuousBatchingModel().solve(
        model, hardware, max_seq_len=3400, mean_request_tokens=SAME["prompt"], max_batch_size=256
    )
    missing = (
        ("capacity: the issue's question (70B, TP8, P99 TTFT+ITL)", "no TP, no TTFT/ITL targets"),
        ("cell MLSYS_REPLICAS, the issue's question, cached", "no Excel functions"),
        ("sweep batching, rows per second", "no sweep"),
        ("sweep capacity, rows per second", "no sweep"),
    )
    rows = [{"row": row, "status": "n/a", "reason": why} for row, why in missing]
    return hooks.rows(
        *rows,
        _per_call(
            "capacity: Llama 3 8B, H100, 50 req/s, P99 e2e 30 s",
            lambda: ServingCapacityModel().solve(model, hardware, **same),
            f"ServingCapacityModel().solve(Llama3_8B, H100, **{same})",
            f"{r.required_replicas} replicas",
        ),
        _per_call(
            "batching: Llama 3 8B, H100, 3,000 in, most that fit",
            lambda: ContinuousBatchingModel().solve(
                model,
                hardware,
                max_seq_len=3400,
                mean_request_tokens=SAME["prompt"],
                max_batch_size=256,
            ),
            "ContinuousBatchingModel().solve(Llama3_8B, H100, max_seq_len=3400, "
            "mean_request_tokens=3000, max_batch_size=256)",
            f"feasible {b.feasible}",
        ),
    )
