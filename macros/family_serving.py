"""LLM serving functions: prefill and decode of a transformer on ``tp`` accelerators
(``mlsysim.solvers.serving``, Pope et al. 2022), as ``ServingModel().solve`` computes them with
its default of 128 output tokens."""

from __future__ import annotations

from typing import Any

from mlsysim.enums import Precision
from mlsysim.solvers.serving import ServingEstimate, serving

from . import resolve
from .arguments import BATCH, HW, MODEL, PRECISION, SEQ, TP, UNIT
from .function import feasibility_gated

ARGS = (MODEL, HW, SEQ, BATCH, PRECISION, TP)


@resolve.cached(maxsize=16384)
def estimate(
    model: Any, hw: Any, seq: float, batch: float, precision: str | None, tp: float | None
) -> ServingEstimate:
    hardware = resolve.spec("hardware", hw)
    p = Precision.parse(precision) if precision else hardware.default_precision
    spec = resolve.transformer(model, "serving")
    return serving(spec, hardware, seq, batch, p, resolve.catalog().assumptions, tp=1 if tp is None else tp)


_define = feasibility_gated("Serving", estimate, ARGS, UNIT)


FUNCTIONS = (
    _define(
        "MLSYS_TTFT",
        lambda e: e.ttft,
        "number",
        "ms",
        "Time to first token: prefill of the batch's prompts (compute- or memory-bound) plus "
        "tensor-parallel all-reduces and per-kernel launch overhead.",
        si_unit="s",
    ),
    _define(
        "MLSYS_ITL",
        lambda e: e.itl,
        "number",
        "ms",
        "Inter-token latency: one decode step at the average context (prompt + 64 of 128 output tokens).",
        si_unit="s",
    ),
    _define(
        "MLSYS_KV_CACHE",
        lambda e: e.kv_cache_size,
        "number",
        "GB",
        "KV cache of the batch's prompts (all layers, all devices).",
        gated=False,
        si_unit="B",
    ),
    _define(
        "MLSYS_FITS",
        lambda e: e.feasible,
        "boolean",
        "",
        "TRUE when weights, the KV cache after 128 output tokens and workspace fit in the usable "
        "memory of each device.",
        gated=False,
    ),
    _define(
        "MLSYS_MEM_UTIL",
        lambda e: e.memory_utilization,
        "number",
        "",
        "Memory needed per device over its capacity (above the usable fraction means it does not fit).",
        gated=False,
    ),
    _define(
        "MLSYS_MEMORY",
        lambda e: e.memory_per_device,
        "number",
        "GB",
        "Memory needed per device: weights / tp, KV cache at the end of generation, workspace.",
        gated=False,
        si_unit="B",
    ),
    _define(
        "MLSYS_TOKENS_PER_S",
        lambda e: e.decode_tokens_per_s,
        "number",
        "1/s",
        "Decode throughput of the batch in tokens per second (batch / inter-token latency).",
        si_unit="1/s",
        label="tokens/s",
    ),
)
