"""FLOP and byte counts of ``mlsysim.solvers.transformer`` against answers worked out by hand
from published shapes and published totals, never from the functions themselves.

GPT-3 175B (Brown et al. 2020, "Language Models are Few-Shot Learners", Table 2.1): 96 layers,
d_model 12288, 96 heads of 128, context 2048, 175.0e9 parameters; its training took 3.14e23 FLOPs
for 300e9 tokens (Table D.1, 3,640 PF-days). Mixtral 8x7B (Jiang et al. 2024, "Mixtral of
Experts", §2): 46.7e9 parameters, 12.9e9 active, 8 experts of which 2 per token.
"""

from __future__ import annotations

import pytest
from mlsysim.models.types import TransformerSpec
from mlsysim.solvers.transformer import (
    activation_bytes,
    decode_flops,
    kv_cache_bytes,
    prefill_flops,
    weight_elements_touched,
)

GPT3 = TransformerSpec(
    name="GPT-3 175B",
    parameters=175.0e9,
    layers=96,
    hidden_size=12288,
    heads=96,
    kv_heads=96,
    head_dim=128,
    ffn_size=4 * 12288,
    vocab_size=50257,
    max_context=2048,
)
MIXTRAL = TransformerSpec(
    name="Mixtral 8x7B",
    parameters=46.7e9,
    layers=32,
    hidden_size=4096,
    heads=32,
    kv_heads=8,
    head_dim=128,
    ffn_size=14336,
    vocab_size=32000,
    max_context=32768,
    gated_ffn=True,
    active_parameters=12.9e9,
    experts=8,
    experts_per_token=2,
)


def test_prefill_of_one_context_by_hand():
    # dense 2 * 175e9 * 2048 = 7.168e14; causal attention 2 * 96 * 2048^2 * 12288 = 9.8956e12
    assert prefill_flops(GPT3, 2048, 1) == pytest.approx(7.168e14 + 9.8956e12, rel=1e-4)
    assert prefill_flops(GPT3, 2048, 3) == pytest.approx(3 * (7.168e14 + 9.8956e12), rel=1e-4)


def test_training_compute_is_six_n_d_plus_attention():
    # Training is forward + backward = 3 forward passes: 6 N D = 6 * 175e9 * 300e9 = 3.15e23, and the
    # attention term adds 9.8956e12 / 7.168e14 = 1.4 %; the published total is 3.14e23 FLOPs.
    per_token_forward = prefill_flops(GPT3, 2048, 1) / 2048
    total = 3 * per_token_forward * 300e9
    assert total == pytest.approx(3.14e23, rel=0.03)
    assert total / (6 * 175e9 * 300e9) == pytest.approx(1 + 9.8956e12 / 7.168e14, rel=1e-4)


def test_decode_step_by_hand():
    # 2 * 175e9 = 3.5e11 for the weights; one query over 2048 cached positions: 4 * 96 * 2048 * 12288
    assert decode_flops(GPT3, 2048, 1) == pytest.approx(3.5e11 + 9.6637e9, rel=1e-4)


def test_kv_cache_by_hand():
    # 2 (K and V) * 96 layers * 96 heads * 128 * 2048 tokens * 2 bytes = 9,663,676,416 bytes
    assert kv_cache_bytes(GPT3, 2048, 1, 2) == 9_663_676_416
    # Mixtral's grouped queries cache 8 heads: 2 * 32 * 8 * 128 * 4096 * 2 bytes * 4 sequences
    assert kv_cache_bytes(MIXTRAL, 4096, 4, 2) == 2 * 32 * 8 * 128 * 4096 * 2 * 4 == 2_147_483_648


def test_mixture_of_experts_reads_what_its_tokens_route_to():
    # One token reads the shared weights and 2 experts: exactly the 12.9e9 active parameters.
    assert weight_elements_touched(MIXTRAL, 1) == pytest.approx(12.9e9, rel=1e-12)
    # Expected experts hit by 2 tokens: 8 * (1 - (6/8)^2) = 3.5; each expert is (46.7 - 12.9)/6 e9
    expert = (46.7e9 - 12.9e9) / 6
    assert weight_elements_touched(MIXTRAL, 2) == pytest.approx(46.7e9 - 8 * expert + 3.5 * expert, rel=1e-12)
    # A long prompt routes to every expert: all 46.7e9 weights
    assert weight_elements_touched(MIXTRAL, 4096) == pytest.approx(46.7e9, rel=1e-9)
    assert weight_elements_touched(GPT3, 4096) == pytest.approx(175.0e9, rel=1e-12)  # dense: every weight


def test_activations_are_never_narrower_than_16_bits():
    assert activation_bytes(1.0) == 2.0 and activation_bytes(0.5) == 2.0  # FP8, INT4 weights
    assert activation_bytes(2.0) == 2.0 and activation_bytes(4.0) == 4.0  # BF16, FP32 weights
