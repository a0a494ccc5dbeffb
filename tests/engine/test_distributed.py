"""Parallel training step: known answers worked by hand, invariants, and the reference's defects.

Hand derivations use the model's shape and the assumptions' values (so a recalibrated efficiency
does not break them); every equation is the one the module docstrings cite.
"""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim import DistributedModel
from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.collectives import ring_allreduce
from mlsysim.solvers.distributed import training_step
from mlsysim.systems.types import FleetSpec

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
LLAMA70 = mlsysim.Models.Language.Llama3_70B
LLAMA8 = mlsysim.Models.Language.Llama3_8B
H100_64 = mlsysim.Systems.Clusters.H100_64
H100 = CATALOG.get("hardware", "H100").spec
NVLINK = H100.scale_up_bandwidth / 2 * A.scale_up_efficiency  # 450 GB/s per direction × 0.8
NDR = CATALOG.get("fabric", "IB_NDR").spec
FABRIC = NDR.bandwidth_per_accelerator * A.scale_out_efficiency  # 50 GB/s × 0.9


def solve(**kwargs):
    base = {
        "model": LLAMA70,
        "fleet": H100_64,
        "batch_size": 512,
        "tp_size": 8,
        "pp_size": 4,
        "microbatch_count": 16,
    }
    return DistributedModel().solve(**(base | kwargs))


def test_ring_allreduce_known_answer():
    # 1 GB over 4 ranks at 100 GB/s, 10 us per step: 2*3/4 * 1e9/1e11 + 6 * 1e-5 = 15.06 ms
    assert ring_allreduce(1e9, 4, 100e9, 10e-6) == pytest.approx(0.01506, rel=1e-12)
    assert ring_allreduce(1e9, 1, 100e9, 10e-6) == 0.0


def test_defaults_are_the_frameworks():
    # Megatron-LM: selective recomputation, the distributed optimizer (ZeRO-1), one sequence per
    # micro-batch unless told otherwise.
    e = DistributedModel().solve(LLAMA70, H100_64, batch_size=512, tp_size=8, pp_size=4).estimate
    assert e.layout == "TP8 PP4 DP2 mbs1 selective"
    assert (e.data_parallel, e.microbatch_size, e.microbatches) == (2, 1, 256)


def test_microbatch_size_or_count():
    by_size = solve(microbatch_count=None, microbatch_size=16).estimate
    by_count = solve().estimate  # 512 sequences / (2 replicas × 16 micro-batches) = 16 each
    assert by_size == by_count
    assert (by_size.microbatch_size, by_size.microbatches) == (16, 16)


def test_memory_by_part_known_answer():
    # Llama 3 70B, TP8 PP4 DP2, mbs 1, 2048 tokens, bf16, ZeRO-1 (the default).
    spec = LLAMA70.spec
    e = solve(microbatch_count=None, microbatch_size=1, precision="bf16").estimate
    embedding = spec.vocab_size * spec.hidden_size
    per_layer = (spec.parameters - embedding) / spec.layers
    stage = (20 * per_layer + embedding) / 8  # first stage: 80/4 layers + embedding, over TP 8
    assert e.weights_memory == pytest.approx(2 * stage, rel=1e-12)  # bf16
    assert e.gradient_memory == pytest.approx(4 * stage, rel=1e-12)  # fp32 main gradients
    assert e.optimizer_memory == pytest.approx(12 * stage / 2, rel=1e-12)  # sharded over DP 2
    # Saved per token per layer: norms' inputs and outputs 4h, Q and attention output 2·d_attn,
    # K and V 2·8·128, SwiGLU up/gate/activation 3f = 4·8192 + 2·8192 + 2048 + 3·28672 = 137,216.
    saved = 4 * 8192 + 2 * 8192 + 2048 + 3 * 28672
    tokens = 2048 * 1 / 8  # sequence parallelism splits every tensor 8 ways
    layer = tokens * saved * 2
    # 1F1B: the first stage holds pp = 4 micro-batches of its 20 layers: 80 layer-micro-batches;
    # the last stage 20 plus fp32 logits (256 × 128,256 × 4 B), fewer.
    assert e.activation_memory == pytest.approx(80 * layer, rel=1e-12)
    assert e.memory_per_device == pytest.approx(
        e.weights_memory + e.gradient_memory + e.optimizer_memory + e.activation_memory, rel=1e-15
    )


def test_interleaving_holds_more_in_flight():
    # Narayanan et al. 2021 §2.2 / Megatron's warm-up: 2(p-1) + (v-1)p + 1 = 6 + 4 + 1 = 11 chunks of
    # L/(p·v) = 10 layers for p = 4, v = 2: 110 layer-micro-batches against 80 without.
    plain = solve(microbatch_count=None, microbatch_size=1).estimate
    chunked = solve(microbatch_count=None, microbatch_size=1, interleave=2).estimate
    assert chunked.activation_memory == pytest.approx(plain.activation_memory * 110 / 80, rel=1e-12)
    # Bubble (p - 1)/(v·m + p - 1) = 3 / (2·256 + 3).
    assert chunked.bubble_fraction == pytest.approx(3 / 515, rel=1e-12)


def test_zero_stages_shard_state():
    z = {s: solve(zero_stage=s).estimate for s in (0, 1, 2, 3)}
    assert z[0].optimizer_memory == pytest.approx(2 * z[1].optimizer_memory, rel=1e-12)  # DP 2
    assert z[1].gradient_memory == pytest.approx(2 * z[2].gradient_memory, rel=1e-12)
    assert z[2].weights_memory == pytest.approx(2 * z[3].weights_memory, rel=1e-12)
    memories = [z[s].memory_per_device for s in (0, 1, 2, 3)]
    assert memories == sorted(memories, reverse=True)


def test_fp8_training_keeps_sixteen_bit_weights():
    fp8, bf16 = solve(precision="fp8").estimate, solve(precision="bf16").estimate
    assert fp8.weights_memory == bf16.weights_memory and fp8.activation_memory == bf16.activation_memory
    assert fp8.compute_latency != bf16.compute_latency


def test_fp8_gpt3_reads_as_feasible_with_the_distributed_optimizer():
    # GPT-3 175B, FP8, TP8 PP8 on 1024 H100 (DP 16), global batch 1536: model state (2 + 4 + 12/16 B
    # per parameter on 175e9/64 per device) plus activations fits in 72 GB.
    r = DistributedModel().solve("GPT3_175B", "DGX_H100:1024:IB_NDR", 1536, "fp8", 8, 8, microbatch_size=1)
    assert r.feasible, r.constraint


def test_step_decomposes_into_its_parts():
    e = solve().estimate
    assert e.step_latency_total == pytest.approx(
        e.compute_latency
        + e.tp_communication_latency
        + e.pp_communication_latency
        + e.cp_communication_latency
        + e.ep_communication_latency
        + e.bubble_latency
        + e.dp_communication_latency
        + e.optimizer_latency,
        rel=1e-12,
    )
    assert e.data_parallel == 2 and e.microbatch_size == 16
    assert 0 < e.scaling_efficiency < 1 and 0 < e.mfu < e.hfu < 1


def test_throughput_and_flops_per_gpu_known_answer():
    e = solve(precision="fp16").estimate
    spec = LLAMA70.spec
    # Model FLOPs per step: 3 × (2·P per token + causal attention 2·L·s²·d_attn per sequence).
    flops = 3 * 512 * (2 * spec.parameters * 2048 + 2 * 80 * 2048**2 * spec.attention_width)
    assert e.flops_per_gpu == pytest.approx(flops / e.step_latency_total / 64, rel=1e-12)
    assert e.mfu == pytest.approx(e.flops_per_gpu / 989.4e12, rel=1e-12)
    assert e.tokens_per_s_per_gpu == pytest.approx(512 * 2048 / e.step_latency_total / 64, rel=1e-12)
    assert e.tokens_per_s == pytest.approx(64 * e.tokens_per_s_per_gpu, rel=1e-12)


def test_context_parallel_ring_known_answer():
    # Llama 3 8B, CP 16 over two DGX H100 nodes (so the ring crosses the fabric), 8192 tokens, no
    # recomputation, one sequence. Each layer all-gathers the sequence's K and V forward, again
    # backward, and reduce-scatters their gradients: 3 ring phases of (16-1)/16 × KV over the
    # fabric + 15 steps of latency, after NCCL's start; KV = 8192 tokens × 2·8·128 elements × 2 B.
    r = (
        DistributedModel()
        .solve(LLAMA8, "DGX_H100:16:IB_NDR", 1, "bf16", cp_size=16, seq_len=8192, recompute="none")
        .estimate
    )
    kv = 8192 * 2 * 8 * 128 * 2
    ring = 3 * 32 * (A.collective_launch_latency + 15 / 16 * kv / FABRIC + 15 * NDR.latency)
    # It overlaps the chunk's attention: 3 passes of 2·L·s²·d_attn over 16 ranks at 16-bit peak
    # times the attention efficiency.
    attention = 3 * 2 * 32 * 8192**2 * 4096 / 16 / (989.4e12 * A.training_attention_efficiency)
    assert r.cp_communication_latency == pytest.approx(ring - attention, rel=1e-9)
    assert r.cp_communication_latency > 0


def test_context_parallel_divides_activations():
    one = DistributedModel().solve(LLAMA8, "H100_8", 8, "bf16", seq_len=8192).estimate
    four = DistributedModel().solve(LLAMA8, "H100_8", 8, "bf16", cp_size=4, seq_len=8192).estimate
    assert four.activation_memory == pytest.approx(one.activation_memory / 4, rel=1e-12)


def test_expert_parallel_all_to_all_known_answer():
    # Mixtral 8x7B, EP 8 inside one DGX H100 (NVLink), 4096 tokens, one sequence per micro-batch,
    # selective recomputation: per MoE layer 4 all-to-alls (dispatch and combine, forward and
    # backward) of tokens × k × h × 2 B × capacity factor, (8-1)/8 of it over NVLink.
    mixtral = CATALOG.get("model", "Mixtral_8x7B").spec
    r = (
        DistributedModel()
        .solve("Mixtral_8x7B", "DGX_H100:16:IB_NDR", 16, "bf16", ep_size=8, seq_len=4096)
        .estimate
    )
    message = 4096 * mixtral.experts_per_token * mixtral.hidden_size * 2 * A.moe_capacity_factor
    # NVSwitch connects every pair: NCCL's direct exchange, one step after its start.
    a2a = A.collective_launch_latency + A.scale_up_latency + 7 / 8 * message / NVLINK
    assert r.ep_communication_latency == pytest.approx(r.microbatches * 4 * 32 * a2a, rel=1e-12)


def test_expert_parallel_divides_expert_state():
    base = {"model": "Mixtral_8x7B", "fleet": "DGX_H100:16:IB_NDR", "batch_size": 16, "precision": "bf16"}
    one = DistributedModel().solve(**base).estimate
    eight = DistributedModel().solve(**base, ep_size=8).estimate
    assert eight.weights_memory < one.weights_memory / 3


def test_gradient_accumulation_never_makes_a_step_cheaper_than_its_compute():
    # Reference defect: accumulation lowered the step time.
    for m in (1, 2, 4, 8, 16):
        e = DistributedModel().solve(LLAMA8, H100_64, 64 * 16, microbatch_count=m).estimate
        work = 64 * 16 * 2048 * 3 * 2 * LLAMA8.spec.parameters  # >= 6 N FLOPs per token
        assert e.step_latency_total >= work / (64 * 989.4e12)


def test_zero3_adds_traffic():
    # Reference defect: ZeRO-3 added no communication. Stage 3 all-gathers the parameters for the
    # forward and backward passes and reduce-scatters gradients: 3 volumes vs the all-reduce's 2 (1.5x);
    # full recomputation gathers once more for the recomputed forward: 4 volumes (2x).
    args = {"model": LLAMA8, "fleet": H100_64, "batch_size": 256, "microbatch_count": 4}
    for recompute, factor in (("none", 1.5), ("full", 2.0)):
        z1 = DistributedModel().solve(**args, zero_stage=1, recompute=recompute).estimate
        z3 = DistributedModel().solve(**args, zero_stage=3, recompute=recompute).estimate
        assert z3.dp_communication_latency == pytest.approx(factor * z1.dp_communication_latency, rel=1e-12)
        assert z3.memory_per_device < z1.memory_per_device


def test_overlapped_gradient_reduce_hides_behind_the_passes():
    args = {"model": LLAMA8, "fleet": H100_64, "batch_size": 256, "microbatch_count": 4}
    serial = DistributedModel().solve(**args).estimate
    hidden = DistributedModel().solve(**args, overlap_grad_reduce=True).estimate
    passes = serial.step_latency_total - serial.dp_communication_latency - serial.optimizer_latency
    assert hidden.step_latency_total == pytest.approx(
        max(passes, serial.dp_communication_latency) + serial.optimizer_latency, rel=1e-12
    )


def test_pipeline_stages_transfer_activations():
    # Reference defect: no stage-to-stage transfers.
    assert solve().estimate.pp_communication_latency > 0
    assert solve(pp_size=1, tp_size=8, batch_size=512).estimate.pp_communication_latency == 0


def test_infeasible_configuration_says_so_at_the_top():
    # Llama 3 70B, pure data parallel: weights (2 B), fp32 gradients (4 B) and 12 B of Adam state
    # over 64 replicas per parameter on one GPU exceed its 72 GB usable.
    r = DistributedModel().solve(LLAMA70, H100_64, batch_size=64, tp_size=1, pp_size=1)
    assert r.feasible is False and "GB per device" in r.constraint
    assert r.memory_per_device.to("GB").magnitude > 70.6 * (2 + 4 + 12 / 64)


def test_more_tp_lowers_memory_per_device():
    memories = [solve(tp_size=tp, pp_size=4, batch_size=512).memory_per_device for tp in (1, 2, 4, 8)]
    assert memories == sorted(memories, reverse=True)


def test_recompute_trades_memory_for_compute():
    full, none = solve(recompute="full").estimate, solve(recompute="none").estimate
    selective = solve(recompute="selective").estimate
    assert full.activation_memory < none.activation_memory
    assert full.compute_latency == pytest.approx(none.compute_latency * 4 / 3, rel=1e-12)
    # Flash attention keeps no score matrix, so re-running the core attention saves nothing and
    # costs a little.
    assert selective.activation_memory == none.activation_memory
    assert none.compute_latency < selective.compute_latency < full.compute_latency


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"tp_size": 3}, "tp_size"),
        ({"batch_size": 100}, "batch_size"),
        ({"microbatch_count": 0}, "microbatch_count"),
        ({"microbatch_size": 2}, "microbatch_count"),  # both given
        ({"zero_stage": 4}, "zero_stage"),
        ({"recompute": "some"}, "recompute"),
        ({"precision": "fp3"}, "precision"),
        ({"ep_size": 2}, "ep_size"),  # a dense model
        ({"cp_size": 3, "tp_size": 1, "pp_size": 1, "fleet": "DGX_H100:48:IB_NDR"}, "cp_size"),
        ({"interleave": 2, "pp_size": 1, "tp_size": 8}, "interleave"),
        ({"interleave": 3}, "interleave"),  # 4 × 3 does not divide 80 layers
        ({"pp_size": 81, "tp_size": 1, "fleet": "DGX_H100:648:IB_NDR"}, "pp_size"),
    ],
)
def test_bad_input(kwargs, argument):
    with pytest.raises(InvalidInputError) as caught:
        solve(**kwargs)
    assert caught.value.argument == argument


def test_expert_degree_must_divide_the_experts():
    with pytest.raises(InvalidInputError) as caught:
        DistributedModel().solve("Mixtral_8x7B", "DGX_H100:48:IB_NDR", 48, ep_size=3)
    assert caught.value.argument == "ep_size" and "8 experts" in str(caught.value)


def test_layout_text_is_what_a_config_states():
    e = (
        DistributedModel()
        .solve(LLAMA70, "DGX_H100:2048:IB_NDR", 1024, tp_size=8, pp_size=4, microbatch_size=1, interleave=2)
        .estimate
    )
    assert e.layout == "TP8 PP4 VPP2 DP64 mbs1 selective"
    assert math.isfinite(e.step_latency_total)


def test_1024_rank_data_parallel_all_reduce_is_priced_as_nccls_tree():
    # Llama 3 8B, pure data parallel on 128 DGX H100 (1024 GPUs) on NDR: the gradient all-reduce of
    # M = 2 B × parameters over 1024 ranks, 8 per node, one 400 Gb/s rail per node (β = 50 GB/s × 0.9).
    # NCCL's tree: 5 us start + a chain of 7 NVLink steps and a tree of depth log2(128) = 7 fabric
    # steps, both ways: 5 + 2·7·5 + 2·7·2 us, plus 2M/β. The ring would take 2046 steps (10.2 ms of
    # them at 5 us) to save 2M/(1024β) = 0.7 ms of bytes, so the step is charged the tree.
    nodes = mlsysim.load_catalog().get("node", "DGX_H100").spec
    ndr = mlsysim.load_catalog().get("fabric", "IB_NDR").spec
    fleet = FleetSpec("1024x H100", nodes, 128, ndr)
    e = training_step(LLAMA8.spec, fleet, 1024, Precision.BF16, A, zero_stage=1)
    m = LLAMA8.spec.parameters * 2
    beta = 50e9 * A.scale_out_efficiency
    assert e.data_parallel == 1024
    assert e.dp_communication_latency == pytest.approx(5e-6 + 70e-6 + 28e-6 + 2 * m / beta, rel=1e-9)
    ring_only = ring_allreduce(m, 1024, beta, ndr.latency)  # the charge before: 2046 fabric steps
    assert e.dp_communication_latency < ring_only
