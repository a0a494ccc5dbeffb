"""Serving at load, one scenario: continuous batching of a replica (``batching``) and the replicas a
traffic forecast needs (``capacity``), with their inputs checked and infeasibility in words.

The array cores do the arithmetic; this module turns names of limits into sentences and reports a
configuration that cannot work — nothing fits, a target no replica count meets — as
``feasible = False`` with the reason, never as an exception or a huge number.
"""

from __future__ import annotations

import math
from typing import Any

from ..assumptions import Assumptions
from ..errors import InvalidInputError
from ..models.types import TransformerSpec
from ..workloads import LengthStats, Workload
from .batching import (
    LIMITS,
    TOKEN_BUDGET,
    BatchingEstimate,
    Features,
    Limits,
    batching_core,
    cycle_model,
    limits,
    load,
    prefill_time,
)
from .capacity import (
    BINDING,
    ITL_TARGET,
    TTFT_TARGET,
    CapacityEstimate,
    Targets,
    capacity_core,
    disaggregated_core,
)
from .checks import positive, size_text, whole
from .decode_step import Replica
from .ops import SCALAR

MAX = "max"


def check_lengths(model: TransformerSpec, workload: Workload) -> None:
    """Every request's prompt and output fit the model's context."""
    if workload.longest - 1 > model.max_context:
        prompt, output, _ = max(workload.rows, key=lambda row: row[0] + row[1])
        raise InvalidInputError(
            "prompt_len",
            prompt,
            f"prompt_len + output_len - 1 = {prompt + output - 1} exceeds the {model.max_context}-token "
            f"context of {model.name}",
        )


def engine_limits(assumptions: Assumptions, token_budget: Any, max_concurrency: Any) -> tuple[float, float]:
    budget = assumptions.prefill_token_budget if token_budget is None else whole("token_budget", token_budget)
    cap = math.inf if max_concurrency is None else whole("max_concurrency", max_concurrency)
    return float(budget), float(cap)


def continuous_batching(
    model: TransformerSpec,
    r: Replica,
    s: LengthStats,
    a: Assumptions,
    f: Features,
    *,
    concurrency: Any = MAX,
    budget: float,
    cap: float,
    hardware_name: str,
) -> BatchingEstimate:
    """One replica at ``concurrency`` running requests, or at the most that fit (``"max"``)."""
    lim = limits(model, r, s, a, SCALAR, f, budget=budget, cap=cap)
    requested = _requested(concurrency)
    n = max(float(lim.maximum), 1.0) if requested is None else requested
    estimate = batching_core(model, r, s, a, SCALAR, f, n=n, budget=budget, lim=lim)
    if estimate.feasible:
        return estimate
    return estimate._replace(constraint=_batching_constraint(lim, n, r, a, hardware_name))


def _requested(concurrency: Any) -> float | None:
    """A whole number of running requests, or None for ``"max"`` (the text of a number counts)."""
    if isinstance(concurrency, str):
        text = concurrency.strip().lower()
        if text == MAX:
            return None
        try:
            concurrency = int(text) if text.lstrip("-").isdigit() else float(text)
        except ValueError:
            raise InvalidInputError(
                "concurrency", concurrency, "expected a whole number >= 1 or 'max'"
            ) from None
    return float(whole("concurrency", concurrency))


def serving_capacity(
    model: TransformerSpec,
    r: Replica,
    s: LengthStats,
    a: Assumptions,
    f: Features,
    *,
    arrival_rate: Any,
    targets: Targets,
    budget: float,
    cap: float,
    hardware_name: str,
) -> Any:
    """Replicas and concurrency for ``arrival_rate`` requests/s within ``targets``."""
    rate = positive("arrival_rate", arrival_rate)
    estimate = capacity_core(
        model, r, s, a, SCALAR, f, arrival_rate=rate, targets=targets, budget=budget, cap=cap
    )
    words = BINDING[int(estimate.binding)]
    if estimate.feasible:
        return estimate._replace(binding=words)
    lim = limits(model, r, s, a, SCALAR, f, budget=budget, cap=cap)
    if lim.kv_memory < 1:
        reason = _batching_constraint(lim, 1.0, r, a, hardware_name)
    else:
        reason = _unmeetable(model, r, s, a, f, int(estimate.binding), budget, targets)
    return estimate._replace(binding=words, constraint=reason)


def disaggregated_capacity(
    model: TransformerSpec,
    prefill: Replica,
    decode: Replica,
    s: LengthStats,
    a: Assumptions,
    f: Features,
    *,
    arrival_rate: Any,
    targets: Targets,
    budget: float,
    cap: float,
    transfer_bandwidth: float,
    transfer_latency: float,
    hardware_name: str,
) -> Any:
    """Separate prefill and decode pools for ``arrival_rate`` requests/s within ``targets``."""
    rate = positive("arrival_rate", arrival_rate)
    estimate = disaggregated_core(
        model,
        prefill,
        decode,
        s,
        a,
        SCALAR,
        f,
        arrival_rate=rate,
        targets=targets,
        budget=budget,
        cap=cap,
        transfer_bandwidth=transfer_bandwidth,
        transfer_latency=transfer_latency,
    )
    words = BINDING[int(estimate.binding)]
    if estimate.feasible:
        return estimate._replace(binding=words)
    no_prompts = Features(0.0, f.draft, f.draft_tokens, f.acceptance)
    lim = limits(model, decode, s, a, SCALAR, no_prompts, budget=budget, cap=cap)
    if lim.kv_memory < 1:
        reason = "decode pool: " + _batching_constraint(lim, 1.0, decode, a, hardware_name)
    elif int(estimate.binding) == TTFT_TARGET:
        reason = (
            f"TTFT target: {targets.ttft * 1e3:.4g} ms is below the prefill of a {s.prompt_at:g}-token "
            "prompt on an idle prefill replica plus its KV transfer; no number of replicas meets it"
        )
    else:
        reason = "decode pool: " + _unmeetable(
            model, decode, s, a, no_prompts, int(estimate.binding), budget, targets
        )
    return estimate._replace(binding=words, constraint=reason)


def _batching_constraint(lim: Limits, n: float, r: Replica, a: Assumptions, hardware: str) -> str:
    if lim.kv_memory < 1:
        usable = r.capacity * (1.0 - a.memory_reserved_fraction)
        return (
            f"KV memory: weights ({size_text(lim.weights_memory)}) and the prefill workspace "
            f"({size_text(lim.workspace_memory)}) leave no room for one request's KV cache in the "
            f"{size_text(usable)} usable per {hardware} — raise tp_size/pp_size or lower the precision"
        )
    return (
        f"{LIMITS[int(lim.code)]}: concurrency {n:g} exceeds the {lim.maximum:g} requests one replica can "
        f"run (KV memory {lim.kv_memory:g}, token budget {lim.token_budget:g})"
    )


def _unmeetable(
    model: TransformerSpec,
    r: Replica,
    s: LengthStats,
    a: Assumptions,
    f: Features,
    code: int,
    budget: float,
    t: Targets,
) -> str:
    """Why even one request per replica misses a target: the batch-1 latency in words."""
    c = cycle_model(model, r, s, a, SCALAR, f)
    state = load(c, s, SCALAR, f, n=1.0, budget=budget)
    if code == ITL_TARGET:
        best = state.itl_decode
        return (
            f"ITL target: {t.itl * 1e3:.3g} ms is below the {best * 1e3:.3g} ms of one decode step at "
            "concurrency 1; no number of replicas meets it — use faster or more devices per replica"
        )
    first = prefill_time(c, state, s, f, s.prompt_at, SCALAR)
    if code == TOKEN_BUDGET:
        return (
            "token budget: the iterations short enough for the ITL target cannot take the prompts as "
            "fast as they arrive, even at concurrency 1; no number of replicas meets it"
        )
    if code == TTFT_TARGET:
        return (
            f"TTFT target: {t.ttft * 1e3:.4g} ms is below the {first * 1e3:.4g} ms prefill of a "
            f"{s.prompt_at:g}-token prompt at concurrency 1; no number of replicas meets it"
        )
    e2e = first + (s.output_at - 1.0) * state.itl
    return (
        f"end-to-end target: {t.e2e:.4g} s is below the {e2e:.4g} s of one request alone "
        f"({s.prompt_at:g} in, {s.output_at:g} out); no number of replicas meets it"
    )


__all__ = [
    "MAX",
    "BatchingEstimate",
    "CapacityEstimate",
    "Targets",
    "check_lengths",
    "continuous_batching",
    "disaggregated_capacity",
    "engine_limits",
    "serving_capacity",
]
