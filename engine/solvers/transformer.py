"""FLOP and byte counts of a transformer's forward pass, from its shape.

FLOPs: a matrix product with ``P`` weights costs ``2P`` FLOPs per token (Kaplan et al. 2020, Table 1).
Attention of one query over ``c`` cached positions costs ``4·c·d_attn`` FLOPs per layer (``2·c·d_attn``
each for QKᵀ and AV), so a causal prefill of ``S`` tokens costs ``2·L·S²·d_attn`` (Pope et al. 2022, §2).
Bytes: weights are read once per pass; every intermediate tensor of a layer is written once and read
once (fused attention never materialises the ``S×S`` scores, Dao et al. 2022); the KV cache holds
``kv_elements_per_token`` per token. Activations stay 16-bit when weights are 8- or 4-bit.
Fixed per-pass time is counted per kernel: each operation of a layer is one launch.
"""

from __future__ import annotations

from ..models.types import TransformerSpec

# FP8/INT8 inference quantises a GEMM's inputs and writes its output in 16 bits (Micikevicius et al.
# 2022, "FP8 Formats for Deep Learning", §4; Xiao et al. 2023, SmoothQuant, §4), so intermediates,
# and the tensor-parallel all-reduces of GEMM outputs, are never narrower than 2 bytes.
MIN_ACTIVATION_BYTES = 2.0


def prefill_flops(model: TransformerSpec, seq_len: float, batch: float) -> float:
    """Forward FLOPs to process ``batch`` prompts of ``seq_len`` tokens (causal attention)."""
    dense = 2.0 * model.active_parameters * seq_len
    attention = 2.0 * model.layers * seq_len * seq_len * model.attention_width
    return batch * (dense + attention)


def decode_flops(model: TransformerSpec, context: float, batch: float) -> float:
    """Forward FLOPs to generate one token per sequence at ``context`` cached positions."""
    return batch * (2.0 * model.active_parameters + 4.0 * model.layers * context * model.attention_width)


def weight_elements_touched(model: TransformerSpec, tokens: float) -> float:
    """Weights read by a pass over ``tokens`` tokens.

    Dense models read every weight. For a mixture of experts with ``E`` experts of which ``k`` are
    active per token, expert weights are ``e = (P − P_active)/(E − k)`` each and the expected number
    of distinct experts hit by ``T`` uniformly routed tokens is ``E·(1 − (1 − k/E)^T)``.
    """
    experts, k = model.experts, model.experts_per_token
    if experts <= 1 or experts == k:
        return model.parameters
    per_expert = (model.parameters - model.active_parameters) / (experts - k)
    shared = model.parameters - experts * per_expert
    touched = experts * (1.0 - (1.0 - k / experts) ** max(tokens, 1.0))
    return shared + per_expert * touched


def activation_elements_per_token(model: TransformerSpec) -> float:
    """Elements one token writes in one pass over all layers (Q/K/V, attention output, projection,
    two residual adds, two norms, the FFN's up/gate/activation/down outputs per active expert)."""
    d, width = model.hidden_size, model.attention_width
    kv = 2 * model.kv_heads * model.head_dim
    ffn_inputs = model.ffn_size * (2 if model.gated_ffn else 1) + model.ffn_size
    per_layer = width + kv + width + d + 2 * d + 2 * d + (ffn_inputs + d) * model.experts_per_token
    return float(model.layers * per_layer)


def activation_traffic(model: TransformerSpec, tokens: float, bytes_per_element: float) -> float:
    """Bytes moved for intermediates: each written once and read once."""
    return 2.0 * tokens * activation_elements_per_token(model) * bytes_per_element


def kv_cache_bytes(model: TransformerSpec, tokens: float, batch: float, bytes_per_element: float) -> float:
    """KV cache of ``batch`` sequences of ``tokens`` tokens: ``2·L·n_kv·d_head·S·B·bytes`` for GQA
    (Pope et al. 2022, §3.3), or ``L·d_latent·S·B·bytes`` for latent attention."""
    return model.kv_elements_per_token * tokens * batch * bytes_per_element


def activation_bytes(weight_bytes_per_element: float) -> float:
    """Bytes per activation element when weights are stored at ``weight_bytes_per_element``."""
    return max(weight_bytes_per_element, MIN_ACTIVATION_BYTES)


def kernels_per_layer(model: TransformerSpec) -> int:
    """Kernels one layer launches per pass: one per operation that ``activation_elements_per_token``
    counts — Q/K/V projection, attention, output projection, two norms, two residual adds, and per
    active expert the FFN's up (and gate) projection, activation and down projection."""
    ffn = 4 if model.gated_ffn else 3
    return 7 + ffn * model.experts_per_token
