"""Memory per device of a parallel training layout, by part, for scalars or numpy arrays.

**Model state** (Rajbhandari et al. 2020, §3 and §5): each device holds the parameters of its
pipeline stage, split by tensor parallelism (and the routed experts also by expert parallelism);
weights at ``w`` bytes, gradients at ``g`` bytes and ``K`` bytes of optimizer state per parameter
(mixed-precision Adam: fp32 master weights and two moments). ZeRO stage 1 (Megatron-LM's
distributed optimizer) shards the optimizer state over the data-parallel group (with the
context-parallel ranks, which hold the same weights), stage 2 also the
gradients, stage 3 also the weights; routed experts are sharded over their own, ``ep`` times
smaller, data-parallel group. The first stage also holds the token embedding (``V·h``).

**Activations**, counted from the model's shape: the tensors one layer saves for its backward pass,
per token, in a pre-norm transformer with fused (flash) attention, which keeps no ``s×s`` score
matrix (Dao et al. 2022, §3.1: it saves Q, K, V, the output and the softmax statistics):

- attention block: the norm's input and output (``2h``), Q (``d_attn``), K and V (the model's
  cached elements per layer), and the attention output (``d_attn``);
- MLP block: the norm's input and output (``2h``), and for each of the ``k`` experts a token visits
  (times the capacity factor), the up (and gate) projection outputs and the activation output
  (``2f``, or ``3f`` gated).

Tensor parallelism with sequence parallelism splits every one of them ``tp`` ways and context
parallelism splits the sequence ``cp`` ways (Megatron-LM, context-parallel guide). Selective
recomputation re-runs the core attention, which flash attention never stores, so it saves what no
recomputation saves; full recomputation keeps only each layer's input (``h`` per token) and re-runs
the layer (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost").

In flight, the first pipeline stage holds the activations of every micro-batch it has started and
not finished: ``pp`` micro-batches in the 1F1B schedule, and ``2(pp − 1) + (v − 1)·pp + 1`` model
chunks of ``L/(pp·v)`` layers in the interleaved schedule (Narayanan et al. 2021, §2.2; Megatron-LM's
warm-up counts), never more than the step's micro-batches. The last stage holds one micro-batch and
the logits of the loss in fp32 (Megatron-LM's vocabulary-parallel cross entropy computes in fp32).
"""

from __future__ import annotations

from typing import Any

from .ops import Ops

LOSS_BYTES = 4.0  # fp32 logits in the loss


def stage_parameters(model: Any, tp: Any, pp: Any, ep: Any) -> tuple[Any, Any]:
    """(shared, routed-expert) parameters per device on the first pipeline stage."""
    embedding = model.vocab_size * model.hidden_size
    layers_here = -(-model.layers // pp)  # ceil(L / pp)
    shared_layer = (model.shared_parameters - embedding) / model.layers
    shared = (layers_here * shared_layer + embedding) / tp
    routed = layers_here * model.experts * model.expert_parameters / model.layers / (tp * ep)
    return shared, routed


def state_memory(
    shared: Any, routed: Any, dp: Any, ep: Any, zero: Any, w: Any, g: Any, k: Any
) -> tuple[Any, Any, Any]:
    """(weights, gradients, optimizer state) in bytes per device under ZeRO stage ``zero``, for
    ``shared`` and ``routed`` parameters per device (``stage_parameters``)."""
    expert_dp = dp / ep
    # ZeRO stage >= s shards a part over the data-parallel group (selection by arithmetic, so one
    # expression serves numbers and arrays).
    shared_3, shared_2, shared_1 = (shared / (1.0 + (zero >= s) * (dp - 1.0)) for s in (3, 2, 1))
    routed_3, routed_2, routed_1 = (routed / (1.0 + (zero >= s) * (expert_dp - 1.0)) for s in (3, 2, 1))
    return w * (shared_3 + routed_3), g * (shared_2 + routed_2), k * (shared_1 + routed_1)


def saved_elements_per_token(model: Any, capacity_factor: Any) -> Any:
    """Elements one layer saves per token for its backward pass (module docstring)."""
    h, width = model.hidden_size, model.attention_width
    kv = model.kv_elements_per_token / model.layers
    ffn_outputs = model.ffn_size * (3.0 if model.gated_ffn else 2.0)
    routed = model.experts_per_token * routed_capacity(model, capacity_factor)
    return 4.0 * h + 2.0 * width + kv + routed * ffn_outputs


def routed_capacity(model: Any, capacity_factor: Any) -> Any:
    """Tokens an expert is provisioned for, relative to an even split: the capacity factor for a
    mixture of experts, 1 for a dense model."""
    return capacity_factor if model.experts > 1 else 1.0


def activation_memory(
    model: Any,
    *,
    seq_len: Any,
    microbatch_size: Any,
    microbatches: Any,
    tp: Any,
    pp: Any,
    cp: Any,
    interleave: Any,
    full_recompute: Any,
    act_bytes: Any,
    capacity_factor: Any,
    ops: Ops,
) -> Any:
    """Activation bytes per device on the most loaded pipeline stage (module docstring)."""
    tokens = seq_len * microbatch_size / (tp * cp)
    saved = saved_elements_per_token(model, capacity_factor)
    per_token = saved + full_recompute * (model.hidden_size - saved)
    per_layer = tokens * per_token * act_bytes
    interleaved = interleave > 1
    chunks = pp + interleaved * (2.0 * (pp - 1) + (interleave - 1) * pp + 1 - pp)
    chunks = ops.minimum(chunks, microbatches * interleave)
    first = per_layer * chunks * model.layers / (pp * interleave)
    logits = tokens * model.vocab_size * LOSS_BYTES
    last = per_layer * -(-model.layers // pp) + logits
    alone = first + logits  # one stage holds both
    return alone + (pp > 1) * (ops.maximum(first, last) - alone)
