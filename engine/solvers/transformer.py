"""FLOP and byte counts of a transformer's forward pass, from its shape.

FLOPs: a matrix product with ``P`` weights costs ``2P`` FLOPs per token (Kaplan et al. 2020, Table 1).
Attention of one query over ``c`` cached positions costs ``4·c·d_attn`` FLOPs per layer (``2·c·d_attn``
each for QKᵀ and AV), so a causal prefill of ``S`` tokens costs ``2·L·S²·d_attn`` (Pope et al. 2022, §2).
Bytes: weights are read once per pass; every intermediate tensor of a layer is written once and read
once (fused attention never materialises the ``S×S`` scores, Dao et al. 2022); the KV cache holds
``kv_elements_per_token`` per token. Activations stay 16-bit when weights are 8- or 4-bit.

``model`` is anything with ``TransformerSpec``'s attribute names: one spec, or the per-row arrays of
a vectorised sweep (``mlsysim.sweeps.gather.TransformerRows``); the functions use arithmetic only.
"""

from __future__ import annotations

from typing import Any

# FP8/INT8 inference quantises a GEMM's inputs and writes its output in 16 bits (Micikevicius et al.
# 2022, "FP8 Formats for Deep Learning", §4; Xiao et al. 2023, SmoothQuant, §4), so intermediates,
# and the tensor-parallel all-reduces of GEMM outputs, are never narrower than 2 bytes.
MIN_ACTIVATION_BYTES = 2.0


def prefill_flops(model: Any, seq_len: Any, batch: Any) -> Any:
    """Forward FLOPs to process ``batch`` prompts of ``seq_len`` tokens (causal attention)."""
    dense = 2.0 * model.active_parameters * seq_len
    attention = 2.0 * model.layers * seq_len * seq_len * model.attention_width
    return batch * (dense + attention)


def decode_flops(model: Any, context: Any, batch: Any) -> Any:
    """Forward FLOPs to generate one token per sequence at ``context`` cached positions."""
    return batch * (2.0 * model.active_parameters + 4.0 * model.layers * context * model.attention_width)


def weight_elements_touched(model: Any, tokens: Any) -> Any:
    """Weights read by a pass over ``tokens`` (>= 1) tokens.

    Dense models read every weight. For a mixture of experts with ``E`` experts of which ``k`` are
    active per token, expert weights are ``e = (P − P_active)/(E − k)`` each and the expected number
    of distinct experts hit by ``T`` uniformly routed tokens is ``E·(1 − (1 − k/E)^T)``; a dense
    model has ``e = 0``, so the sum is every weight.
    """
    experts, k = model.experts, model.experts_per_token
    hit = experts * (1.0 - (1.0 - k / experts) ** tokens)
    return model.shared_parameters + model.expert_parameters * hit


def activation_traffic(model: Any, tokens: Any, bytes_per_element: Any) -> Any:
    """Bytes moved for intermediates: each written once and read once."""
    return 2.0 * tokens * model.activation_elements_per_token * bytes_per_element


def kv_cache_bytes(model: Any, tokens: Any, batch: Any, bytes_per_element: Any) -> Any:
    """KV cache of ``batch`` sequences of ``tokens`` tokens: ``2·L·n_kv·d_head·S·B·bytes`` for GQA
    (Pope et al. 2022, §3.3), or ``L·d_latent·S·B·bytes`` for latent attention."""
    return model.kv_elements_per_token * tokens * batch * bytes_per_element


def activation_bytes(weight_bytes_per_element: Any, maximum: Any = max) -> Any:
    """Bytes per activation element when weights are stored at ``weight_bytes_per_element``
    (``maximum=numpy.maximum`` for an array of them)."""
    return maximum(weight_bytes_per_element, MIN_ACTIVATION_BYTES)
