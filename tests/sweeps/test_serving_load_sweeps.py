"""Sweeps of serving at load (``batching``, ``capacity``) equal their facades row by row, to 1e-9
relative: every number, the feasibility, the binding limit, and the facade's own message on the rows
it rejects (zero or negative traffic, concurrency 0, lengths beyond the context, weights that do not
sum to a positive number, expert parallelism on a dense model...)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from mlsysim.errors import MlsysimError
from mlsysim.sweeps import sweep
from mlsysim.sweeps.columns import COLUMNS
from mlsysim.sweeps.facades import facade

REL = 1e-9


def _kwargs(frame: pd.DataFrame, row: int) -> dict:
    out = {}
    for column, value in frame.iloc[row].items():
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        out[column] = value.item() if isinstance(value, np.generic) else value
    return out


def assert_matches_facade(frame: pd.DataFrame, solver: str) -> None:
    out = sweep(frame, solver=solver)
    assert len(out) == len(frame)
    for row in range(len(frame)):
        kwargs = _kwargs(frame, row)
        got = out.iloc[row]
        try:
            estimate = facade(solver)(**kwargs).estimate
        except MlsysimError as exc:
            assert got["error"] == str(exc), kwargs
            continue
        assert pd.isna(got["error"]), (kwargs, got["error"])
        for column in COLUMNS[solver]:
            value, expected = got[column.name], getattr(estimate, column.field)
            if column.kind == "number":
                expected = expected * column.scale
                both_nan = math.isnan(value) and math.isnan(expected)
                assert both_nan or math.isclose(value, expected, rel_tol=REL), (kwargs, column.name)
            elif column.kind == "flag":
                assert bool(value) == bool(expected), (kwargs, column.name)
            elif column.field == "binding":
                assert value == expected, (kwargs, column.name)
            else:  # the constraint column names the limit; the facade's sentence starts with it
                assert (value == "") if estimate.feasible else estimate.constraint.startswith(value), kwargs


def test_batching_sweep_equals_the_facade():
    rows = [
        {"model": m, "hardware": hw, "prompt_len": 1500, "output_len": 300, "tp_size": tp, "concurrency": c}
        for m in ("Llama3_70B", "Llama3_8B", "Mixtral_8x7B", "DeepSeek_V3")
        for hw in ("H100", "A100", "L4")
        for tp in (1, 8)
        for c in ("max", 16)
    ]
    small = {"model": "Llama3_8B", "hardware": "H100", "prompt_len": 900, "output_len": 100}
    big = {"model": "Llama3_70B", "hardware": "H100", "prompt_len": 900, "output_len": 100}
    rows += [
        {"model": "Llama3_8B", "hardware": "H100", "workload": "chat"},
        {"model": "Llama3_8B", "hardware": "H100", "workload": "code", "concurrency": 8, "precision": "fp8"},
        {**small, "prompt_len": 100, "output_len": 1},
        {**small, "prompt_len": 100, "concurrency": 0},
        {**small, "prompt_len": 9000},
        {**small, "weight_precision": "int4"},
        {**small, "weight_precision": "fp32"},
        {**small, "prefix_cache_hit": 0.5},
        {**small, "prefix_cache_hit": 1.5},
        {**small, "ep_size": 2},
        {**big, "tp_size": 4, "draft_model": "Llama3_8B", "draft_tokens": 4, "acceptance_rate": 0.7},
        {**big, "tp_size": 4, "draft_tokens": 3, "acceptance_rate": 0.6},
        {**big, "tp_size": 4, "draft_tokens": 3},
        {**big, "model": "Mixtral_8x7B", "tp_size": 2, "ep_size": 2},
        {**big, "model": "DeepSeek_V3", "hardware": "H200", "tp_size": 8, "ep_size": 4, "fabric": "IB_NDR"},
        {**big, "model": "DeepSeek_V3", "hardware": "H200", "tp_size": 8, "ep_size": 4},  # needs a fabric
        {**big, "tp_size": 2, "pp_size": 2},
        {**big, "workload": "chat", "output_len": None},
        {**big, "concurrency": "lots"},
        {"model": "Llama3_70B", "hardware": "H100", "workload": "chatt"},
        {**big, "draft_model": "Mixtral_8x7B", "draft_tokens": 2, "acceptance_rate": 0.5},
    ]
    assert_matches_facade(pd.DataFrame(rows), "batching")


def test_capacity_sweep_equals_the_facade():
    rows = [
        {
            "model": m, "hardware": hw, "arrival_rate": rate, "prompt_len": 1500, "output_len": 300,
            "tp_size": tp, "ttft_target": 2.0, "itl_target": 0.05,
        }
        for m in ("Llama3_70B", "Llama3_8B", "Mixtral_8x7B")
        for hw in ("H100", "A100")
        for tp in (1, 8)
        for rate in (1, 50)
    ]  # fmt: skip
    base = {"model": "Llama3_70B", "hardware": "H100", "prompt_len": 3000, "output_len": 400, "tp_size": 8}
    rows += [
        {**base, "arrival_rate": 50, "ttft_target": 2, "itl_target": 0.04},
        {**base, "arrival_rate": 50, "workload": "chat", "prompt_len": None, "output_len": None},
        {**base, "arrival_rate": 50, "ttft_target": 2, "itl_target": 0.04, "percentile": 0.9},
        {**base, "arrival_rate": 50, "ttft_target": 2, "itl_target": 0.04, "disaggregated": True},
        {
            **base, "arrival_rate": 50, "ttft_target": 2, "itl_target": 0.04, "prefill_hardware": "H200",
            "prefill_tp_size": 4, "kv_fabric": "IB_NDR",
        },
        {**base, "arrival_rate": 0},
        {**base, "arrival_rate": -3},
        {**base, "arrival_rate": 5, "itl_target": 0.005},
        {**base, "arrival_rate": 5, "ttft_target": 0.01},
        {**base, "arrival_rate": 5, "e2e_target": 1},
        {**base, "arrival_rate": 5, "percentile": 1.5},
        {**base, "arrival_rate": 5, "tp_size": 1},
        {**base, "arrival_rate": 5, "ttft_target": 0.01, "disaggregated": True},
        {
            **base, "arrival_rate": 20, "tp_size": 4, "draft_model": "Llama3_8B", "draft_tokens": 3,
            "acceptance_rate": 0.7, "itl_target": 0.05,
        },
    ]  # fmt: skip
    assert_matches_facade(pd.DataFrame(rows), "capacity")
