"""``mlsysim.solvers.roofline.roofline`` on arrays (Williams et al. 2009).

A pass takes ``max(FLOPs / (peak·η_c), bytes / (BW·η_m)) + kernels·t_kernel``; it is compute-bound
when the compute term is the larger. Transformers and CNNs may be mixed in one sweep: each row
takes the branch of its model, line for line as the scalar solver's ``_transformer_pass`` and
``_cnn_pass``; training multiplies FLOPs by 3 (Kaplan et al. 2020, §2.1).
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import assumptions, spec_of
from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..models.types import CNNSpec, TransformerSpec
from ..solvers import transformer as tf
from ..solvers.roofline import TRAINING_FLOP_MULTIPLIER
from .checks import check_whole, precision_table
from .gather import TransformerRows, gather
from .scenarios import Scenarios

BOTTLENECKS = ["Compute", "Memory"]


def roofline_rows(s: Scenarios) -> dict[str, object]:
    a = assumptions()
    model_codes, models = s.resolve("model", lambda v: spec_of("model", v, (TransformerSpec, CNNSpec)))
    hw_codes, hardware = s.resolve("hardware", lambda v: spec_of("hardware", v, HardwareSpec))
    prec_codes, precisions = s.resolve("precision", Precision.parse)
    training = s.flags("training")
    batch = check_whole(s, "batch_size")
    peak, bpe = precision_table(s, hardware, hw_codes, precisions, prec_codes)

    cnn = np.array([isinstance(m, CNNSpec) for m in models], dtype=bool)[model_codes]
    t = TransformerRows(models, model_codes)
    default_seq = np.minimum(2048.0, t.max_context)
    given = s.numbers("seq_len").given
    tokens = np.where(given, check_whole(s, "seq_len", rows=given & ~cnn), default_seq)

    # Transformer branch (_transformer_pass).
    all_tokens = batch * tokens
    t_flops = t.prefill_flops(tokens, batch)
    t_weights = t.weights_touched(all_tokens) * bpe
    kv = t.kv_cache_bytes(tokens, batch, bpe)
    act_bpe = gather(precisions, prec_codes, lambda p: tf.activation_bytes(p.bytes_per_element))
    t_traffic = t.activation_traffic(all_tokens, act_bpe)
    t_footprint = t.parameters * bpe + kv
    stored = t.activations_per_token * all_tokens * act_bpe
    t_flops = np.where(training, t_flops * TRAINING_FLOP_MULTIPLIER, t_flops)
    t_traffic = np.where(training, 3.0 * t_weights + 3.0 * t_traffic, t_weights + t_traffic + kv)
    t_footprint = np.where(training, t_footprint + stored, t_footprint)
    t_efficiency = np.where(training, a.training_compute_efficiency, a.prefill_compute_efficiency)

    # CNN branch (_cnn_pass).
    c_params = gather(models, model_codes, lambda m: m.parameters if isinstance(m, CNNSpec) else None)
    c_weights = c_params * bpe
    c_activations = gather(models, model_codes, _cnn_activations) * bpe * batch
    c_flops = gather(models, model_codes, _cnn_flops) * batch
    c_footprint = c_weights + c_activations
    c_flops = np.where(training, c_flops * TRAINING_FLOP_MULTIPLIER, c_flops)
    c_traffic = np.where(training, 3.0 * c_weights + 4.0 * c_activations, c_weights + 2.0 * c_activations)

    flops = np.where(cnn, c_flops, t_flops)
    traffic = np.where(cnn, c_traffic, t_traffic)
    footprint = np.where(cnn, c_footprint, t_footprint)
    efficiency = np.where(cnn, a.cnn_compute_efficiency, t_efficiency)
    parameters = gather(models, model_codes, lambda m: m.parameters)
    kernels = gather(models, model_codes, _kernels)
    footprint = np.where(
        training, footprint + parameters * (bpe + a.optimizer_state_bytes_per_parameter), footprint
    )

    compute = flops / (peak * efficiency)
    bandwidth = gather(hardware, hw_codes, lambda h: h.memory_bandwidth)
    memory = traffic / (bandwidth * a.decode_bandwidth_efficiency)
    overhead = kernels * a.layer_overhead * np.where(training, TRAINING_FLOP_MULTIPLIER, 1)
    latency = np.maximum(compute, memory) + overhead
    usable = gather(hardware, hw_codes, lambda h: h.memory_capacity) * (1.0 - a.memory_reserved_fraction)
    tdp = gather(hardware, hw_codes, lambda h: h.tdp)
    return {
        "latency": latency,
        "compute_latency": compute,
        "memory_latency": memory,
        "overhead_latency": overhead,
        "throughput": batch / latency,
        "bottleneck": (np.where(compute >= memory, 0, 1), BOTTLENECKS),
        "mfu": flops / latency / peak,
        "arithmetic_intensity": flops / traffic,
        "flops": flops,
        "memory_traffic": traffic,
        "energy": tdp * a.average_power_fraction * latency,
        "memory_footprint": footprint,
        "feasible": footprint <= usable,
    }


def _kernels(m: TransformerSpec | CNNSpec) -> float:
    """Kernels one pass launches: a CNN layer is one, a transformer layer ``kernels_per_layer``."""
    return m.layers if isinstance(m, CNNSpec) else m.layers * tf.kernels_per_layer(m)


def _cnn_activations(m: object) -> float | None:
    return m.activations_per_inference if isinstance(m, CNNSpec) else None


def _cnn_flops(m: object) -> float | None:
    return m.flops_per_inference if isinstance(m, CNNSpec) else None
