"""Serving at load on arrays: ``ContinuousBatchingModel`` (``batching``) and
``ServingCapacityModel`` (``capacity``), one scenario per row.

Names resolve once per distinct value; numbers are checked as the facades check them; rows the
facade would reject in ways that depend on the model or device (tensor parallelism that does not
divide the heads, lengths beyond the context, expert parallelism on a dense model...) get the
facade's own message. The cores (``solvers.batching``, ``solvers.capacity``) then run on the
per-row arrays — the scalar solvers' equations, in the same order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..api.resolve import transformer
from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..solvers import transformer as tf
from ..solvers.batching import LIMITS, Features, batching_core, limits
from ..solvers.capacity import BINDING, Targets, capacity_core, disaggregated_core
from ..solvers.collectives import topology_code
from ..solvers.decode_step import Replica
from ..systems.types import FabricSpec
from ..workloads import LengthStats, length_stats, profile
from .checks import check_amount, check_whole, precision_table
from .gather import ARRAY, TransformerRows, gather
from .scenarios import Scenarios


class _Load:
    """A sweep's replicas, lengths, features and engine limits as per-row arrays."""

    def __init__(self, s: Scenarios, percentile: Any) -> None:
        catalog, a = s.catalog, s.catalog.assumptions
        model_codes, models = s.resolve("model", lambda v: transformer(catalog, v, _facade_name(s)))
        hw_codes, hardware = s.resolve("hardware", lambda v: catalog.spec("hardware", v, HardwareSpec))
        prec_codes, precisions = s.resolve("precision", Precision.parse)
        w_codes, weights = s.resolve("weight_precision", lambda v: Precision.parse(v, "weight_precision"))
        kv_codes, kvs = s.resolve("kv_precision", lambda v: Precision.parse(v, "kv_precision"))
        fabric_codes, fabrics = s.resolve("fabric", lambda v: catalog.spec("fabric", v, FabricSpec))
        draft_codes, drafts = s.resolve("draft_model", lambda v: transformer(catalog, v, "draft_model"))
        work_codes, works = s.resolve("workload", lambda v: profile(str(v), catalog))
        tp, pp, ep = check_whole(s, "tp_size"), check_whole(s, "pp_size"), check_whole(s, "ep_size")
        self.model = m = TransformerRows(models, model_codes)
        peak, bpe = precision_table(s, hardware, hw_codes, precisions, prec_codes)
        wbytes = gather(weights, w_codes, lambda p: p.bytes_per_element)
        wbpe = np.where(np.isnan(wbytes), bpe, wbytes)
        act = tf.activation_bytes(bpe, np.maximum)
        kv_bytes = gather(kvs, kv_codes, lambda p: p.bytes_per_element)
        scale_up = gather(hardware, hw_codes, lambda h: h.scale_up_bandwidth)
        link = np.where(scale_up > 0, scale_up, np.inf)
        domain = gather(hardware, hw_codes, lambda h: h.scale_up_domain)
        s.errors.add_rows(tp > domain, (tp, hw_codes), s.facade_message)
        fabric_bw = gather(fabrics, fabric_codes, lambda f: f.bandwidth_per_accelerator)
        has_fabric = ~np.isnan(fabric_bw)
        beyond = ~has_fabric & (tp * pp * ep > domain)
        s.errors.add_rows(beyond, (tp, pp, ep, hw_codes, fabric_codes), s.facade_message)
        self.replica = Replica(
            peak=peak,
            memory_bandwidth=gather(hardware, hw_codes, lambda h: h.memory_bandwidth),
            capacity=gather(hardware, hw_codes, lambda h: h.memory_capacity),
            scale_up_bandwidth=link,
            tp=tp,
            pp=pp,
            weight_bpe=wbpe,
            act_bpe=act,
            kv_bpe=np.where(np.isnan(kv_bytes), act, kv_bytes),
            ep=ep,
            ep_bandwidth=np.where(
                has_fabric, fabric_bw * a.scale_out_efficiency, link / 2.0 * a.scale_up_efficiency
            ),
            ep_latency=np.where(
                has_fabric, gather(fabrics, fabric_codes, lambda f: f.latency), a.scale_up_latency
            ),
            topology=gather(hardware, hw_codes, lambda h: topology_code(h.scale_up_topology)),
            runtime=a.runtime(),
            ep_nodes=np.where(has_fabric, np.ceil(tp * pp * ep / np.nan_to_num(domain, nan=1.0)), 1.0),
        )
        self.stats, longest = _stats(s, works, work_codes, percentile)
        hit = check_amount(s, "prefix_cache_hit", "").values
        k = check_whole(s, "draft_tokens", minimum=0)
        acceptance = check_amount(s, "acceptance_rate", "").values
        has_draft = np.array([d is not None for d in drafts], dtype=bool)[draft_codes]
        draft = TransformerRows(drafts, draft_codes) if any(d is not None for d in drafts) else None
        self.features = Features(
            prefix_hit=hit,
            draft=draft,
            draft_tokens=np.where(has_draft | (k > 0), k, 0.0),
            acceptance=np.where(np.isnan(acceptance), 0.0, acceptance),
        )
        given = s.numbers("token_budget").given
        budget = check_whole(s, "token_budget", rows=given)
        self.budget = np.where(given, budget, a.prefill_token_budget)
        capped = s.numbers("max_concurrency").given
        self.cap = np.where(capped, check_whole(s, "max_concurrency", rows=capped), np.inf)

        # What the facade would refuse for reasons of the model or device: its own message.
        devices = tp * pp * ep
        bad = (
            (np.fmod(m.heads, tp) != 0)
            | (pp > m.layers)
            | ((ep > 1) & (m.experts <= 1))
            | ((ep > 1) & (tp * ep > m.experts))
            | ((devices > 1) & ~(scale_up > 0))
            | (wbpe > bpe)
            | (longest - 1 > m.max_context)
            | (hit < 0)
            | (hit >= 1)
            | ((k > 0) & np.isnan(acceptance))
            | (has_draft & (k == 0))
            | (acceptance < 0)
            | (acceptance > 1)
        )
        if draft is not None:
            bad |= has_draft & (draft.vocab_size != m.vocab_size)
        keys = tuple(
            s.text(name)[0] for name in ("model", "hardware", "precision", "workload", "draft_model")
        )
        numbers = tuple(
            np.asarray(s.numbers(name).values)
            for name in ("tp_size", "pp_size", "ep_size", "prompt_len", "output_len", "prefix_cache_hit")
        )
        s.errors.add_rows(bad, keys + numbers, s.facade_message)


def _facade_name(s: Scenarios) -> str:
    return "ContinuousBatchingModel" if s.solver == "batching" else "ServingCapacityModel"


def _stats(
    s: Scenarios, works: list[Any], codes: np.ndarray, percentile: Any
) -> tuple[LengthStats, np.ndarray]:
    """Per-row length statistics: fixed lengths from the row, or the row's profile at its
    percentile (each distinct profile and percentile reduced once)."""
    prompt_n, output_n = s.numbers("prompt_len"), s.numbers("output_len")
    profiled = np.array([w is not None for w in works], dtype=bool)[codes]
    lengths = ~profiled
    both = profiled & (prompt_n.given | output_n.given)
    missing = lengths & ~(prompt_n.given & output_n.given)
    s.errors.add_rows(both | missing, (codes, prompt_n.given, output_n.given), s.facade_message)
    prompt = check_whole(s, "prompt_len", rows=lengths)
    output = check_whole(s, "output_len", rows=lengths)
    s.errors.add_rows(lengths & (output < 2), (output,), s.facade_message)
    fixed = {
        "prompt": prompt,
        "output": output,
        "decode_steps": output - 1.0,
        "decode_context": prompt + output / 2.0,
        "prompt_square": prompt * prompt,
        "prompt_var": prompt * 0.0,
        "output_var": prompt * 0.0,
        "covariance": prompt * 0.0,
        **{f"prompt_{q}": prompt for q in ("p50", "p90", "p99", "at")},
        **{f"output_{q}": output for q in ("p50", "p90", "p99", "at")},
    }
    q = np.broadcast_to(np.asarray(percentile, dtype=float), codes.shape)
    table: dict[str, np.ndarray] = {name: np.full(codes.shape, np.nan) for name in LengthStats._fields}
    longest = np.where(lengths, prompt + output, np.nan)
    if profiled.any():
        pairs, inverse = np.unique(np.stack([codes, q.view(np.int64)]), axis=1, return_inverse=True)
        for index in range(pairs.shape[1]):
            code = int(pairs[0, index])
            work = works[code]
            if work is None:
                continue
            level = float(np.int64(pairs[1, index]).view(np.float64))
            stats = length_stats(work, level if 0 < level < 1 else 0.99)
            rows = (inverse.ravel() == index) & profiled
            for name, value in stats._asdict().items():
                table[name][rows] = value
            longest[rows] = work.longest
    values: dict[str, Any] = {
        name: np.where(profiled, table[name], fixed[name]) for name in LengthStats._fields
    }
    return LengthStats(**values), longest


def _concurrency(s: Scenarios) -> tuple[np.ndarray, np.ndarray]:
    """(requested concurrency, at the maximum): ``max`` or an empty cell takes the most that fit."""
    numbers = s.numbers("concurrency")
    text = np.zeros(numbers.given.shape, dtype=bool)
    words = np.flatnonzero(numbers.given & ~numbers.numeric)  # only these can spell "max"
    text[words] = [str(numbers.raw[i]).strip().lower() == "max" for i in words]
    at_max = ~numbers.given | text
    wrong = numbers.given & ~numbers.numeric & ~text
    s.errors.add_rows(wrong, (numbers.raw,), s.facade_message)
    n = check_whole(s, "concurrency", rows=~at_max)
    return n, at_max


def batching_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    n, at_max = _concurrency(s)
    load = _Load(s, 0.99)
    lim = limits(
        load.model, load.replica, load.stats, a, ARRAY, load.features, budget=load.budget, cap=load.cap
    )
    running = np.where(at_max, np.maximum(lim.maximum, 1.0), n)
    estimate = batching_core(
        load.model, load.replica, load.stats, a, ARRAY, load.features, n=running, budget=load.budget, lim=lim
    )
    fields = estimate._asdict()
    code = np.where(lim.kv_memory < 1, 1, np.where(estimate.feasible, 0, lim.code))
    fields["constraint"] = (np.asarray(code, dtype=np.int64), list(LIMITS))
    return fields


def capacity_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    q = check_amount(s, "percentile", "").values
    s.errors.add_rows(~((q > 0) & (q < 1)), (q,), s.facade_message)
    rate = check_amount(s, "arrival_rate", "1/s").values
    s.errors.add_rows(~((rate > 0) & np.isfinite(rate)), (rate,), s.facade_message)
    targets = [check_amount(s, name, "s") for name in ("ttft_target", "itl_target", "e2e_target")]
    for numbers in targets:
        bad = numbers.given & ~((numbers.values > 0) & np.isfinite(numbers.values))
        s.errors.add_rows(bad, (numbers.values,), s.facade_message)
    ttft, itl, e2e = (np.where(t.given, t.values, math.inf) for t in targets)
    load = _Load(s, q)
    goals = Targets(ttft=ttft, itl=itl, e2e=e2e, percentile=q)
    colocated = capacity_core(
        load.model, load.replica, load.stats, a, ARRAY, load.features,
        arrival_rate=rate, targets=goals, budget=load.budget, cap=load.cap,
    )  # fmt: skip
    split = _disaggregated(s, load, rate, goals)
    fields = colocated._asdict()
    if split is not None:
        chosen, other = split
        fields = {k: np.where(chosen, v, fields[k]) if k != "constraint" else v for k, v in other.items()}
    binding = np.asarray(fields["binding"], dtype=np.int64)
    fields["binding"] = (binding, list(BINDING))
    fields["constraint"] = (np.where(fields["feasible"], 0, binding), list(BINDING))
    return fields


def _disaggregated(
    s: Scenarios, load: _Load, rate: np.ndarray, goals: Targets
) -> tuple[np.ndarray, Any] | None:
    """The rows that ask for separate prefill and decode pools, evaluated on every row; None when
    no row does."""
    catalog, a = s.catalog, s.catalog.assumptions
    codes, devices = s.resolve("prefill_hardware", lambda v: catalog.spec("hardware", v, HardwareSpec))
    has_device = np.array([d is not None for d in devices], dtype=bool)[codes]
    tp_given = s.numbers("prefill_tp_size").given
    chosen = s.flags("disaggregated") | tp_given | has_device
    if not chosen.any():
        return None
    own = load.replica
    prec_codes, precisions = s.resolve("precision", Precision.parse)
    peak, _ = precision_table(s, devices, codes, precisions, prec_codes)
    tp = np.where(tp_given, check_whole(s, "prefill_tp_size", rows=tp_given), own.tp)
    scale_up = gather(devices, codes, lambda h: h.scale_up_bandwidth)
    link = np.where(has_device, np.where(scale_up > 0, scale_up, np.inf), own.scale_up_bandwidth)
    prefill = own._replace(
        peak=np.where(has_device, peak, own.peak),
        memory_bandwidth=np.where(
            has_device, gather(devices, codes, lambda h: h.memory_bandwidth), own.memory_bandwidth
        ),
        capacity=np.where(has_device, gather(devices, codes, lambda h: h.memory_capacity), own.capacity),
        scale_up_bandwidth=link,
        tp=tp,
    )
    alone = tp * own.pp * own.ep <= 1
    bad = chosen & ((np.fmod(load.model.heads, tp) != 0) | (~alone & ~(link < np.inf)))
    s.errors.add_rows(bad, (codes, tp), s.facade_message)
    fabric_codes, fabrics = s.resolve("kv_fabric", lambda v: catalog.spec("fabric", v, FabricSpec))
    fabric_bw = gather(fabrics, fabric_codes, lambda f: f.bandwidth_per_accelerator)
    has_fabric = ~np.isnan(fabric_bw)
    bandwidth = np.where(has_fabric, fabric_bw * a.scale_out_efficiency, link / 2.0 * a.scale_up_efficiency)
    latency = np.where(has_fabric, gather(fabrics, fabric_codes, lambda f: f.latency), a.scale_up_latency)
    estimate = disaggregated_core(
        load.model, prefill, own, load.stats, a, ARRAY, load.features,
        arrival_rate=rate, targets=goals, budget=load.budget, cap=load.cap,
        transfer_bandwidth=bandwidth, transfer_latency=latency,
    )  # fmt: skip
    return chosen, estimate._asdict()
