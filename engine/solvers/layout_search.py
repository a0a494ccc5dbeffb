"""The parallel layout that trains fastest: every combination of TP, PP, CP, EP, micro-batch size,
virtual pipeline stages, recomputation and ZeRO stage, evaluated at once on numpy arrays.

The grid is the product of each dimension's choices (``SearchSpace``; a value the user fixes is a
dimension of one). Rows that break a rule of ``parallel_layout`` are rejected first, counted by the
first rule they break; the rest go through ``training_step.training_step_core`` in one vectorised
call, and rows that do not fit in memory are rejected too. The survivors are ranked by training
throughput (tokens per second; on a fixed fleet the cheapest run is the fastest one, so ranking by
cost gives the same order), ties going to the smaller memory need. The best layout is then evaluated
on the scalar path (``distributed.layout_step``), so it equals ``DistributedModel().solve`` of that
layout exactly. A search where nothing fits is a result that says why: the smallest memory need
found against the memory usable, or, when nothing even divides, the rejection counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ..assumptions import Assumptions
from ..enums import Precision
from ..models.types import TransformerSpec
from ..sweeps.gather import ARRAY  # numpy only (the sweeps' pandas loads lazily)
from ..systems.types import FleetSpec
from . import transformer as tf
from .checks import size_text
from .distributed import TrainingEstimate, device_figures, layout_step
from .parallel_layout import RECOMPUTE_MODES, ZERO_STAGES, Layout, layout_text
from .training_step import training_step_core

MICROBATCH_SIZES = (1, 2, 4, 8)
INTERLEAVES = (1, 2, 4)
CONTEXT_PARALLEL = (1, 2, 4, 8)

# Rejection reasons, in the order rows are tested.
DIVIDE_FLEET = "tp × pp × cp does not divide the fleet"
DIVIDE_HEADS = "tp does not divide the attention heads"
DIVIDE_EXPERTS = "ep does not divide the experts and the data-parallel size"
DIVIDE_SEQUENCE = "2 × cp does not divide the sequence length"
DIVIDE_BATCH = "the global batch is not a multiple of dp × micro-batch size"
INTERLEAVING = "interleaving needs pp > 1, pp × interleave dividing the layers, micro-batches divisible by pp"
MEMORY = "does not fit in memory"
REASONS = (DIVIDE_FLEET, DIVIDE_HEADS, DIVIDE_EXPERTS, DIVIDE_SEQUENCE, DIVIDE_BATCH, INTERLEAVING, MEMORY)


class SearchSpace(NamedTuple):
    """The choices of each dimension."""

    tp: tuple[int, ...]
    pp: tuple[int, ...]
    cp: tuple[int, ...]
    ep: tuple[int, ...]
    microbatch_size: tuple[int, ...]
    interleave: tuple[int, ...]
    recompute: tuple[str, ...]
    zero_stage: tuple[int, ...]
    overlap_grad_reduce: tuple[bool, ...]

    @property
    def size(self) -> int:
        return int(np.prod([len(choices) for choices in self]))


def default_space(model: TransformerSpec, fleet: FleetSpec, **fixed: Any) -> SearchSpace:
    """Tensor parallelism over powers of two within a node, pipeline stages that divide the layers,
    context parallelism up to 8, expert parallelism over the powers of two that divide the experts,
    the micro-batch sizes, virtual stages, recomputation modes and ZeRO stages frameworks offer;
    ``fixed`` pins a dimension (``tp=8``)."""
    per_node = fleet.node.accelerators_per_node
    space = SearchSpace(
        tp=_powers_of_two(per_node),
        pp=tuple(p for p in range(1, model.layers + 1) if model.layers % p == 0),
        cp=CONTEXT_PARALLEL,
        ep=tuple(e for e in _powers_of_two(model.experts) if model.experts % e == 0),
        microbatch_size=MICROBATCH_SIZES,
        interleave=INTERLEAVES,
        recompute=RECOMPUTE_MODES,
        zero_stage=ZERO_STAGES,
        overlap_grad_reduce=(False,),
    )
    pinned = {name: (value,) for name, value in fixed.items() if value is not None}
    return space._replace(**pinned)


def _powers_of_two(limit: int) -> tuple[int, ...]:
    return tuple(2**k for k in range(limit.bit_length()) if 2**k <= limit)


class LayoutRow(NamedTuple):
    """One ranked layout; times in s, memory in B."""

    rank: int
    layout: str
    tp: int
    pp: int
    cp: int
    ep: int
    dp: int
    microbatch_size: int
    microbatches: int
    interleave: int
    recompute: str
    zero_stage: int
    step_time: float
    tokens_per_s: float
    tokens_per_s_per_gpu: float
    mfu: float
    bubble_fraction: float
    memory_per_device: float


class LayoutSearchEstimate(NamedTuple):
    """The search's outcome: the best layout's step (None when nothing fits), the ranked table,
    and how many layouts were enumerated, divided the fleet and batch, fitted, and were rejected
    for each reason."""

    best_layout: str
    step_latency_total: float
    tokens_per_s: float
    tokens_per_s_per_gpu: float
    mfu: float
    memory_per_device: float
    evaluated: int
    divisible: int
    feasible_layouts: int
    rejected: Mapping[str, int]
    ranked: tuple[LayoutRow, ...]
    best: TrainingEstimate | None
    feasible: bool
    constraint: str


def search_layouts(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: int,
    seq_len: int,
    precision: Precision,
    a: Assumptions,
    *,
    space: SearchSpace,
    top: int = 10,
) -> LayoutSearchEstimate:
    """The ``top`` fastest layouts of ``space`` (module docstring)."""
    grid = np.meshgrid(
        *(
            np.asarray(choices if name != "recompute" else [RECOMPUTE_MODES.index(r) for r in choices])
            for name, choices in zip(SearchSpace._fields, space, strict=True)
        ),
        indexing="ij",
    )
    tp, pp, cp, ep, mbs, v, recompute, zero, overlap = (g.ravel().astype(np.float64) for g in grid)
    n, layers = float(fleet.accelerators), float(model.layers)
    rejected = dict.fromkeys(REASONS, 0)
    alive = np.ones(tp.size, dtype=bool)

    def reject(reason: str, bad: np.ndarray) -> None:
        hit = alive & bad
        rejected[reason] = int(hit.sum())
        alive[hit] = False

    reject(DIVIDE_FLEET, np.fmod(n, tp * pp * cp) != 0)
    reject(DIVIDE_HEADS, np.fmod(model.heads, tp) != 0)
    dp = np.maximum(np.floor(n / (tp * pp * cp)), 1.0)  # rows that do not divide are already out
    reject(DIVIDE_EXPERTS, (np.fmod(model.experts, ep) != 0) | (np.fmod(dp, ep) != 0))
    reject(DIVIDE_SEQUENCE, (cp > 1) & (np.fmod(seq_len, 2 * cp) != 0))
    reject(DIVIDE_BATCH, np.fmod(batch, dp * mbs) != 0)
    m = np.maximum(np.floor(batch / (dp * mbs)), 1.0)
    chunks_bad = (pp == 1) | (np.fmod(layers, pp * v) != 0) | (np.fmod(m, pp) != 0)
    reject(INTERLEAVING, (v > 1) & chunks_bad)
    divisible = int(alive.sum())
    rows = np.flatnonzero(alive)
    pick = (tp, pp, cp, ep, mbs, v, recompute, zero, overlap, dp, m)
    tp, pp, cp, ep, mbs, v, recompute, zero, overlap, dp, m = (x[rows] for x in pick)
    wide = tf.activation_bytes(precision.bytes_per_element)
    step = training_step_core(
        model,
        device_figures(fleet, precision, a),
        batch=batch,
        seq_len=seq_len,
        tp=tp,
        pp=pp,
        dp=dp,
        cp=cp,
        ep=ep,
        microbatch_size=mbs,
        microbatches=m,
        interleave=v,
        recompute=recompute,
        zero_stage=zero,
        overlap_grad_reduce=overlap > 0,
        weight_bytes=wide,
        act_bytes=wide,
        assumptions=a,
        ops=ARRAY,
    )
    fits = np.asarray(step.feasible, dtype=bool) & np.isfinite(step.step_latency_total)
    rejected[MEMORY] = int((~fits).sum())
    order = np.lexsort((step.memory_per_device, -step.tokens_per_s))
    ranked_rows = [i for i in order if fits[i]][:top]

    def row(rank: int, i: int) -> LayoutRow:
        layout = _layout(
            tp[i], pp[i], dp[i], cp[i], ep[i], mbs[i], m[i], v[i], recompute[i], zero[i], overlap[i]
        )
        return LayoutRow(
            rank=rank,
            layout=layout_text(layout),
            tp=layout.tp,
            pp=layout.pp,
            cp=layout.cp,
            ep=layout.ep,
            dp=layout.dp,
            microbatch_size=layout.microbatch_size,
            microbatches=layout.microbatches,
            interleave=layout.interleave,
            recompute=layout.recompute,
            zero_stage=layout.zero_stage,
            step_time=float(step.step_latency_total[i]),
            tokens_per_s=float(step.tokens_per_s[i]),
            tokens_per_s_per_gpu=float(step.tokens_per_s_per_gpu[i]),
            mfu=float(step.mfu[i]),
            bubble_fraction=float(step.bubble_fraction[i]),
            memory_per_device=float(step.memory_per_device[i]),
        )

    ranked = tuple(row(rank, i) for rank, i in enumerate(ranked_rows, start=1))
    counts = {reason: count for reason, count in rejected.items() if count}
    if not ranked:
        why = _nothing_fits(step, rows.size, counts, fleet)
        return LayoutSearchEstimate(
            "", *(np.nan,) * 5, space.size, divisible, 0, counts, (), None, False, why
        )
    i = ranked_rows[0]
    best = layout_step(
        model,
        fleet,
        batch,
        seq_len,
        precision,
        _layout(tp[i], pp[i], dp[i], cp[i], ep[i], mbs[i], m[i], v[i], recompute[i], zero[i], overlap[i]),
        a,
    )
    return LayoutSearchEstimate(
        best_layout=best.layout,
        step_latency_total=best.step_latency_total,
        tokens_per_s=best.tokens_per_s,
        tokens_per_s_per_gpu=best.tokens_per_s_per_gpu,
        mfu=best.mfu,
        memory_per_device=best.memory_per_device,
        evaluated=space.size,
        divisible=divisible,
        feasible_layouts=int(fits.sum()),
        rejected=counts,
        ranked=ranked,
        best=best,
        feasible=True,
        constraint="",
    )


def _layout(*values: Any) -> Layout:
    tp, pp, dp, cp, ep, mbs, m, v, recompute, zero, overlap = (int(x) for x in values)
    return Layout(tp, pp, dp, cp, ep, mbs, m, v, RECOMPUTE_MODES[recompute], zero, bool(overlap))


def _nothing_fits(step: Any, divisible: int, counts: Mapping[str, int], fleet: FleetSpec) -> str:
    if not divisible:
        reasons = "; ".join(f"{reason}: {count:,}" for reason, count in counts.items())
        return f"no layout divides the fleet of {fleet.accelerators} and the batch ({reasons})"
    smallest = int(np.nanargmin(step.memory_per_device))
    need, usable = step.memory_per_device[smallest], float(np.max(step.usable_memory))
    return (
        f"no layout fits in memory: the smallest need is {size_text(float(need))} per device against "
        f"{size_text(usable)} usable on {fleet.accelerator.name}; add accelerators, shorten the "
        "sequence or lower the batch"
    )
