"""``mlsysim.solvers.roofline.roofline`` on arrays (Williams et al. 2009).

Transformers and CNNs may be mixed in one sweep: the scalar solver's ``transformer_pass`` and
``cnn_pass`` run on all rows, each row keeps its model's branch, and ``roofline_core`` turns the
pass into latency, bottleneck and utilisation — the same equations as the scalar path.
"""

from __future__ import annotations

import numpy as np

from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..models.types import CNNSpec, TransformerSpec
from ..solvers import transformer as tf
from ..solvers.roofline import cnn_pass, default_seq_len, roofline_core, transformer_pass
from .checks import check_whole, precision_table
from .gather import ARRAY, CNNRows, TransformerRows, gather
from .scenarios import Scenarios

BOTTLENECKS = ["Compute", "Memory"]


def roofline_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    model_codes, models = s.resolve("model", lambda v: s.catalog.spec("model", v, (TransformerSpec, CNNSpec)))
    hw_codes, hardware = s.resolve("hardware", lambda v: s.catalog.spec("hardware", v, HardwareSpec))
    prec_codes, precisions = s.resolve("precision", Precision.parse)
    training = s.flags("training")
    batch = check_whole(s, "batch_size")
    peak, bpe = precision_table(s, hardware, hw_codes, precisions, prec_codes)

    cnn = np.array([isinstance(m, CNNSpec) for m in models], dtype=bool)[model_codes]
    t = TransformerRows(models, model_codes)
    c = CNNRows(models, model_codes)
    given = s.numbers("seq_len").given
    tokens = np.where(given, check_whole(s, "seq_len", rows=given & ~cnn), default_seq_len(t, ARRAY))
    act_bpe = tf.activation_bytes(bpe, np.maximum)

    # Each row takes its model's branch of the scalar solver, evaluated on all rows and selected.
    t_flops, t_traffic, t_footprint = transformer_pass(t, batch, tokens, bpe, act_bpe, training, ARRAY)
    c_flops, c_traffic, c_footprint = cnn_pass(c, batch, bpe, training, ARRAY)
    t_efficiency = np.where(training, a.training_compute_efficiency, a.prefill_compute_efficiency)
    estimate = roofline_core(
        flops=np.where(cnn, c_flops, t_flops),
        traffic=np.where(cnn, c_traffic, t_traffic),
        footprint=np.where(cnn, c_footprint, t_footprint),
        efficiency=np.where(
            cnn, np.where(training, a.cnn_training_compute_efficiency, a.cnn_compute_efficiency), t_efficiency
        ),
        kernels=np.where(cnn, c.layers, t.layers * t.kernels_per_layer),
        parameters=gather(models, model_codes, lambda m: m.parameters),
        training=training,
        batch=batch,
        bpe=bpe,
        peak=peak,
        memory_bandwidth=gather(hardware, hw_codes, lambda h: h.memory_bandwidth),
        capacity=gather(hardware, hw_codes, lambda h: h.memory_capacity),
        tdp=gather(hardware, hw_codes, lambda h: h.tdp),
        assumptions=a,
        ops=ARRAY,
        bottlenecks=(0, 1),
    )
    fields = estimate._asdict()
    fields["bottleneck"] = (estimate.bottleneck, BOTTLENECKS)
    return fields
