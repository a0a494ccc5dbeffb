"""``mlsysim.solvers.serving.serving`` on arrays: one row per scenario.

The rows are checked as the facade checks them, then ``serving_core`` — the scalar solver's own
equations — runs on the per-row arrays. Checks that depend on the model or device word their
message by calling the facade on the first row that fails them.
"""

from __future__ import annotations

import numpy as np

from ..api.resolve import transformer
from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..solvers import transformer as tf
from ..solvers.collectives import topology_code
from ..solvers.serving import serving_core
from .checks import check_whole, precision_table
from .gather import ARRAY, TransformerRows, gather
from .scenarios import Scenarios


def serving_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    # Argument checks in the facade's order, so a row reports the error the scalar path raises.
    model_codes, models = s.resolve("model", lambda v: transformer(s.catalog, v, "ServingModel"))
    hw_codes, hardware = s.resolve("hardware", lambda v: s.catalog.spec("hardware", v, HardwareSpec))
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
    act_bpe = tf.activation_bytes(bpe, np.maximum)
    kv_bytes = gather(kv_precisions, kv_codes, lambda p: p.bytes_per_element)
    kv_bpe = np.where(np.isnan(kv_bytes), bpe, kv_bytes)
    scale_up = gather(hardware, hw_codes, lambda h: h.scale_up_bandwidth)
    s.errors.add_rows((tp > 1) & ~(scale_up > 0), (tp, hw_codes), s.facade_message)
    domain = gather(hardware, hw_codes, lambda h: h.scale_up_domain)
    s.errors.add_rows(tp > domain, (tp, hw_codes), s.facade_message)

    estimate = serving_core(
        m,
        peak=peak_device,
        memory_bandwidth=gather(hardware, hw_codes, lambda h: h.memory_bandwidth),
        scale_up_bandwidth=np.where(scale_up > 0, scale_up, np.inf),
        topology=gather(hardware, hw_codes, lambda h: topology_code(h.scale_up_topology)),
        capacity=gather(hardware, hw_codes, lambda h: h.memory_capacity),
        seq_len=seq,
        batch=batch,
        output_len=out,
        tp=tp,
        bpe=bpe,
        act_bpe=act_bpe,
        kv_bpe=kv_bpe,
        assumptions=a,
        runtime=a.runtime(),
        ops=ARRAY,
    )
    return estimate._asdict()
