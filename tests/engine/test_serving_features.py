"""Serving features as parameters of the same model, each with a known answer: prefix caching,
speculative decoding, prefill/decode disaggregation, pipeline-parallel serving, expert parallelism
and weight-only quantisation."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import ContinuousBatchingModel, ServingCapacityModel
from mlsysim.enums import Precision
from mlsysim.solvers.batching import Features, tokens_per_cycle
from mlsysim.solvers.decode_step import iteration_time
from mlsysim.solvers.ops import SCALAR
from mlsysim.solvers.serving_setup import replica

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
H100 = CATALOG.get("hardware", "H100").spec
LLAMA8 = CATALOG.get("model", "Llama3_8B").spec
BATCHING, CAPACITY = ContinuousBatchingModel(), ServingCapacityModel()


def test_prefix_cache_removes_the_cached_share_of_each_prompt():
    # Half of every 2000-token prompt cached: the prefill tokens per iteration halve exactly, so the
    # share of iterations with a chunk halves at the same concurrency and budget; the prompt's own
    # prefill carries 1000 tokens instead of 2000; input tokens/s still count every prompt token.
    cold = BATCHING.solve("Llama3_8B", "H100", 2000, 200, concurrency=64)
    warm = BATCHING.solve("Llama3_8B", "H100", 2000, 200, concurrency=64, prefix_cache_hit=0.5)
    assert warm.prefill_share == pytest.approx(cold.prefill_share / 2, rel=1e-12)
    assert warm.ttft < cold.ttft and warm.itl < cold.itl
    requests = warm.requests_per_s.to("1/s").magnitude
    assert warm.input_tokens_per_s.to("1/s").magnitude == pytest.approx(2000 * requests, rel=1e-12)


def test_speculative_decoding_expected_tokens():
    # Leviathan et al. 2023, Eq. 1: k = 4 drafts accepted with α = 0.8 give (1 - 0.8^5)/(1 - 0.8)
    # = (1 - 0.32768)/0.2 = 3.3616 tokens per verification; α = 1 gives k + 1; no drafts give 1.
    assert tokens_per_cycle(Features(draft_tokens=4.0, acceptance=0.8)) == pytest.approx(3.3616, rel=1e-12)
    assert tokens_per_cycle(Features(draft_tokens=4.0, acceptance=1.0)) == 5.0
    assert tokens_per_cycle(Features(draft_tokens=4.0, acceptance=0.0)) == 1.0
    assert tokens_per_cycle(Features()) == 1.0


def test_free_drafts_divide_a_memory_bound_step_by_the_tokens_it_yields():
    # One request, prompt lookup (no draft model): each cycle verifies 5 tokens against one read of
    # the weights and the KV cache and yields 3.3616 on average, so the decode-only ITL is the
    # 5-query iteration over 3.3616. Memory-bound at batch 1, that is close to a 3.3616x speed-up.
    spec = BATCHING.solve("Llama3_8B", "H100", 1000, 200, concurrency=1, draft_tokens=4, acceptance_rate=0.8)
    plain = BATCHING.solve("Llama3_8B", "H100", 1000, 200, concurrency=1)
    r = replica(LLAMA8, H100, Precision.FP16, A)
    verify = iteration_time(
        LLAMA8, r, A, SCALAR, decode=1, prefill=0.0, context=1100.0, prefill_context=0.0, queries=5
    )
    assert spec.itl_p50.to("s").magnitude == pytest.approx(verify.total / 3.3616, rel=1e-12)
    speedup = plain.itl_p50 / spec.itl_p50
    assert 0.9 * 3.3616 < speedup < 3.3616


def test_a_draft_model_costs_its_own_steps():
    # Llama 3 70B on TP4 drafted by Llama 3 8B on the same devices: k = 3 draft steps per cycle.
    with_draft = BATCHING.solve(
        "Llama3_70B", "H100", 1000, 200, tp_size=4, concurrency=8,
        draft_model="Llama3_8B", draft_tokens=3, acceptance_rate=0.7,
    )  # fmt: skip
    free = BATCHING.solve(
        "Llama3_70B", "H100", 1000, 200, tp_size=4, concurrency=8, draft_tokens=3, acceptance_rate=0.7
    )
    assert with_draft.itl > free.itl
    # the draft's weights take room from the KV cache: 8.03e9 x 2 B / 4 more per device
    assert with_draft.weights_memory.to("B").magnitude - free.weights_memory.to(
        "B"
    ).magnitude == pytest.approx(LLAMA8.parameters * 2 / 4, rel=1e-9)


def test_disaggregation_moves_the_kv_cache_and_frees_the_decode_tail():
    # KV transfer of a 3000-token prompt over InfiniBand NDR (400 Gbit/s = 50 GB/s per GPU at 0.9
    # efficiency), each of the 8 prefill GPUs sending its share: 3000 x 163,840 x 2 B /
    # (45 GB/s x 8) + 2 us = 2.7307 ms. Decode replicas never carry a prefill chunk, so their ITL
    # quantile is a decode-only iteration, and the TTFT target is met by the prefill pool.
    r = CAPACITY.solve(
        "Llama3_70B", "H100", 50, 3000, 400, ttft_target=2.0, itl_target=0.04, tp_size=8,
        disaggregated=True, kv_fabric="IB_NDR",
    )  # fmt: skip
    assert r.kv_transfer.to("s").magnitude == pytest.approx(3000 * 163_840 * 2 / (45e9 * 8) + 2e-6, rel=1e-12)
    assert r.feasible and r.prefill_replicas >= 1 and r.decode_replicas >= 1
    assert r.replicas == r.prefill_replicas + r.decode_replicas
    assert r.accelerators == 8 * r.replicas == r.prefill_accelerators + r.decode_accelerators
    assert r.ttft_percentile.to("s").magnitude <= 2.0 and r.itl_percentile.to("s").magnitude <= 0.04
    colocated = CAPACITY.solve(
        "Llama3_70B", "H100", 50, 3000, 400, ttft_target=2.0, itl_target=0.04, tp_size=8
    )
    # prefill chunks force colocated replicas to tiny token budgets (hence low concurrency)
    assert r.accelerators < colocated.accelerators
    assert colocated.prefill_replicas == 0 and colocated.decode_replicas == colocated.replicas


def test_pipeline_parallel_serving():
    # TP4 x PP2 holds what TP8 holds per device; a token passes both stages, so at 64 running
    # requests (32 per micro-batch) the cycle is two stage times of 32 sequences.
    pp = BATCHING.solve("Llama3_70B", "H100", 1000, 200, tp_size=4, pp_size=2, concurrency=64)
    tp = BATCHING.solve("Llama3_70B", "H100", 1000, 200, tp_size=8, concurrency=64)
    assert pp.weights_memory == tp.weights_memory and pp.accelerators == tp.accelerators == 8
    r = replica(CATALOG.get("model", "Llama3_70B").spec, H100, Precision.FP16, A, tp=4, pp=2)
    stage = iteration_time(
        CATALOG.get("model", "Llama3_70B").spec,
        r,
        A,
        SCALAR,
        decode=32,
        prefill=0.0,
        context=1100.0,
        prefill_context=0.0,
    )
    assert pp.itl_p50.to("s").magnitude == pytest.approx(2 * stage.total, rel=1e-12)


def test_expert_parallel_serving_of_a_moe():
    # Mixtral on 2 H100 as EP2 (TP1): each holds the shared 1.633e9 weights and 4 of 8 experts of
    # 5.633e9: (1.633e9 + 4 x 5.633e9) x 2 B = 48.33 GB per device.
    e = (46.7e9 - 12.9e9) / 6
    r = BATCHING.solve("Mixtral_8x7B", "H100", 1000, 200, ep_size=2, concurrency=64)
    assert r.weights_memory.to("B").magnitude == pytest.approx((46.7e9 - 8 * e + 4 * e) * 2, rel=1e-9)
    assert r.accelerators == 2
    with pytest.raises(mlsysim.InvalidInputError, match="tp_size x ep_size"):
        BATCHING.solve("Mixtral_8x7B", "H100", 1000, 200, tp_size=4, ep_size=4)


def test_weight_only_quantisation_fits_70b_on_one_h100():
    # W4A16: 70.55e9 x 0.5 B = 35.3 GB of weights, compute at fp16; at fp16 it does not fit.
    w4 = BATCHING.solve("Llama3_70B", "H100", 1000, 200, precision="fp16", weight_precision="int4")
    assert w4.feasible and w4.weights_memory.to("GB").magnitude == pytest.approx(35.28, rel=1e-3)
    assert not BATCHING.solve("Llama3_70B", "H100", 1000, 200, precision="fp16").feasible
    w8 = BATCHING.solve(
        "Llama3_70B", "H100", 1000, 200, precision="fp16", weight_precision="int8", concurrency=1
    )
    w4_one = BATCHING.solve("Llama3_70B", "H100", 1000, 200, weight_precision="int4", concurrency=1)
    assert w4_one.itl_p50 < w8.itl_p50  # fewer bytes to stream at batch 1
