"""``mlsysim.solvers.serving.serving`` on arrays: one row per scenario, the same equations.

TTFT charges the prefill's FLOPs ``F / (t·peak·η_p)`` and bytes ``B / (t·BW·η_d)`` one after the
other, plus two tensor-parallel all-reduces per layer (Shoeybi et al. 2019, §3) and a fixed time per
kernel launched; ITL is the roofline of one decode step at the average context ``S + n_out/2``
(Pope et al. 2022). Every line mirrors a line of the scalar solver, in the same order of operations;
``tests/sweeps`` checks them equal to 1e-12. Checks that depend on the model or device word their
message by calling the facade on the first row that fails them.
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import assumptions, spec_of, transformer
from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..solvers import transformer as tf
from ..solvers.serving import TP_ALLREDUCES_PER_LAYER
from .checks import check_whole, precision_table
from .gather import TransformerRows, gather
from .scenarios import Scenarios


def serving_rows(s: Scenarios) -> dict[str, object]:
    a = assumptions()
    # Argument checks in the facade's order, so a row reports the error the scalar path raises.
    model_codes, models = s.resolve("model", lambda v: transformer(v, "ServingModel"))
    hw_codes, hardware = s.resolve("hardware", lambda v: spec_of("hardware", v, HardwareSpec))
    prec_codes, precisions = s.resolve("precision", Precision.parse)
    kv_codes, kv_precisions = s.resolve("kv_precision", lambda v: Precision.parse(v, "kv_precision"))
    seq = check_whole(s, "seq_len")
    batch = check_whole(s, "batch_size")
    out = check_whole(s, "output_len")
    tp = check_whole(s, "tp_size")

    m = TransformerRows(models, model_codes)
    # The last generated token is never fed back: the model attends over seq_len + output_len - 1.
    s.errors.add_rows(seq + out - 1 > m.max_context, (seq, out, model_codes), s.facade_message)
    s.errors.add_rows(np.fmod(m.heads, tp) != 0, (tp, model_codes), s.facade_message)
    peak_device, bpe = precision_table(s, hardware, hw_codes, precisions, prec_codes)
    act_bpe = gather(precisions, prec_codes, lambda p: tf.activation_bytes(p.bytes_per_element))
    kv_bytes = gather(kv_precisions, kv_codes, lambda p: p.bytes_per_element)
    kv_bpe = np.where(np.isnan(kv_bytes), bpe, kv_bytes)
    scale_up = gather(hardware, hw_codes, lambda h: h.scale_up_bandwidth)
    s.errors.add_rows((tp > 1) & ~(scale_up > 0), (tp, hw_codes), s.facade_message)

    peak = peak_device * tp * a.prefill_compute_efficiency
    bandwidth = gather(hardware, hw_codes, lambda h: h.memory_bandwidth) * tp * a.decode_bandwidth_efficiency
    kv_shards = np.minimum(tp, m.kv_heads)

    weights = m.parameters * bpe
    kv_prompt = m.kv_cache_bytes(seq, batch, kv_bpe)
    kv_peak = m.kv_cache_bytes(seq + out, batch, kv_bpe)
    workspace = m.activations_per_token / m.layers * seq * batch * act_bpe
    per_device = weights / tp + kv_peak / kv_shards + workspace / tp

    # Ring all-reduce over the scale-up link, one direction per link (Patarasuk & Yuan 2009, §3).
    link = scale_up / 2.0 * a.scale_up_efficiency
    steps = 2.0 * (tp - 1.0)
    parallel = tp > 1

    def allreduce(message: np.ndarray) -> np.ndarray:
        return np.where(parallel, steps / tp * message / link + steps * a.scale_up_latency, 0.0)

    launch_overhead = gather(
        models, model_codes, lambda t: t.layers * tf.kernels_per_layer(t) * a.layer_overhead
    )
    per_layer = m.layers * TP_ALLREDUCES_PER_LAYER

    prefill_compute = m.prefill_flops(seq, batch) / peak
    prefill_bytes = (
        m.weights_touched(seq * batch) * bpe
        + m.activation_traffic(seq * batch, act_bpe)
        + kv_prompt * tp / kv_shards
    )
    prefill_memory = prefill_bytes / bandwidth
    prefill_comm = per_layer * allreduce(batch * seq * m.hidden * act_bpe)
    ttft = prefill_compute + prefill_memory + prefill_comm + launch_overhead

    context = seq + out / 2.0
    decode_compute = m.decode_flops(context, batch) / peak
    decode_bytes = (
        m.weights_touched(batch) * bpe
        + m.kv_cache_bytes(context, batch, kv_bpe) * tp / kv_shards
        + m.activation_traffic(batch, act_bpe)
    )
    decode_memory = decode_bytes / bandwidth
    decode_comm = per_layer * allreduce(batch * m.hidden * act_bpe)
    itl = np.maximum(decode_compute, decode_memory) + decode_comm + launch_overhead

    capacity = gather(hardware, hw_codes, lambda h: h.memory_capacity)
    usable = capacity * (1.0 - a.memory_reserved_fraction)
    return {
        "ttft": ttft,
        "itl": itl,
        "e2e_latency": ttft + (out - 1) * itl,
        "decode_tokens_per_s": batch / itl,
        "kv_cache_size": kv_prompt,
        "kv_cache_peak": kv_peak,
        "weights_size": weights,
        "memory_per_device": per_device,
        "total_memory": per_device * tp,
        "memory_utilization": per_device / capacity,
        "prefill_compute_latency": prefill_compute,
        "prefill_memory_latency": prefill_memory,
        "decode_compute_latency": decode_compute,
        "decode_memory_latency": decode_memory,
        "tp_communication_latency": prefill_comm,
        "feasible": per_device <= usable,
    }
