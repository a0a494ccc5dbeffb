"""The serving core's communication and launch terms, as the serving runtime runs them.

- Tensor parallelism needs two all-reduces of the layer's output per layer (Shoeybi et al. 2019,
  §3, Fig. 3). Each is priced by ``collectives.scale_up``: NCCL's cheapest algorithm and protocol on
  the device's scale-up topology, or the engine's own one-/two-shot kernel for messages up to the
  runtime's ``custom_allreduce_max`` (vLLM PR #2192; NVIDIA's MultiShot, 2024).
- Prefill runs eagerly in every engine: each kernel is launched from the host
  (``kernel_overhead`` per kernel); the runtime may hide part of its all-reduces behind GEMMs
  (``prefill_comm_exposed`` is the part left).
- Decode under CUDA graphs launches one graph per step — one host launch, ``kernel_overhead`` — and
  each kernel in it then costs only its GPU-side gap, ``graph_kernel_overhead``; without graphs
  every kernel pays ``kernel_overhead`` (NVIDIA, "Getting Started with CUDA Graphs", 2019; vLLM
  captures decode in graphs by default).
"""

from __future__ import annotations

from typing import Any

from ..assumptions import Assumptions
from ..runtimes import RuntimeCosts
from .collectives import scale_up
from .ops import Ops

# Megatron tensor parallelism needs two all-reduces per layer in the forward pass: after the
# attention output projection and after the MLP (Shoeybi et al. 2019, §3, Fig. 3).
TP_ALLREDUCES_PER_LAYER = 2


def tp_communication(
    model: Any,
    message: Any,
    tp: Any,
    scale_up_bandwidth: Any,
    topology: Any,
    a: Assumptions,
    runtime: RuntimeCosts,
    ops: Ops,
) -> Any:
    """Time of one pass's tensor-parallel all-reduces of ``message`` bytes each; datasheets give the
    scale-up link's aggregate of both directions, collectives take one direction's rate."""

    def one(message: Any, tp: Any, scale_up_bandwidth: Any, topology: Any) -> Any:
        return scale_up.allreduce_time(
            message,
            tp,
            scale_up_bandwidth / 2.0,
            topology,
            a,
            ops,
            custom_max=runtime.custom_allreduce_max,
            nvls=runtime.nvls,
        )

    # One device has no all-reduce: evaluated only where tp > 1 (most sweep rows have tp = 1).
    each = ops.only(tp > 1, one, message, tp, scale_up_bandwidth, topology)
    return model.layers * TP_ALLREDUCES_PER_LAYER * each


def prefill_launch(model: Any, a: Assumptions) -> Any:
    return model.layers * model.kernels_per_layer * a.kernel_overhead


def decode_launch(model: Any, a: Assumptions, runtime: RuntimeCosts) -> Any:
    kernels = model.layers * model.kernels_per_layer
    graphed = a.kernel_overhead + kernels * a.graph_kernel_overhead
    eager = kernels * a.kernel_overhead
    return runtime.decode_graphs * graphed + (1.0 - runtime.decode_graphs) * eager
