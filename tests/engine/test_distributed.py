"""Distributed training: known answers, invariants and the reference's distributed defects."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import DistributedModel
from mlsysim.enums import Precision
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.collectives import ring_allreduce
from mlsysim.solvers.distributed import training_step
from mlsysim.systems.types import FleetSpec

LLAMA70 = mlsysim.Models.Language.Llama3_70B
LLAMA8 = mlsysim.Models.Language.Llama3_8B
H100_64 = mlsysim.Systems.Clusters.H100_64
A = mlsysim.load_catalog().assumptions


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


def test_bubble_fraction_known_answer_and_monotone():
    assert solve().bubble_fraction == pytest.approx(3 / 19, rel=1e-12)  # (p-1)/(m+p-1)
    bubbles = [solve(microbatch_count=m, batch_size=2 * m * 8).bubble_fraction for m in (4, 8, 16, 32)]
    assert bubbles == sorted(bubbles, reverse=True)


def test_step_decomposes_into_its_parts():
    e = solve().estimate
    assert e.step_latency_total == pytest.approx(
        e.compute_latency
        + e.tp_communication_latency
        + e.pp_communication_latency
        + e.bubble_latency
        + e.dp_communication_latency
        + e.optimizer_latency,
        rel=1e-12,
    )
    assert e.data_parallel == 2 and e.microbatch_size == 16
    assert 0 < e.scaling_efficiency < 1 and 0 < e.mfu < e.hfu < 1


def test_gradient_accumulation_never_makes_a_step_cheaper_than_its_compute():
    # Reference defect: accumulation lowered the step time.
    for m in (1, 2, 4, 8, 16):
        e = (
            DistributedModel()
            .solve(
                LLAMA8, H100_64, batch_size=64 * 16, tp_size=1, pp_size=1, microbatch_count=m, zero_stage=1
            )
            .estimate
        )
        work = 64 * 16 * 2048 * 4 * 2 * LLAMA8.spec.parameters  # >= 8 N FLOPs per token (full recompute)
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


def test_pipeline_stages_transfer_activations():
    # Reference defect: no stage-to-stage transfers.
    assert solve().estimate.pp_communication_latency > 0
    assert solve(pp_size=1, tp_size=8, batch_size=512).estimate.pp_communication_latency == 0


def test_infeasible_configuration_says_so_at_the_top():
    # Llama 3 70B, pure data parallel: 70.6e9 * 16 B of weights, grads and Adam state per GPU.
    r = DistributedModel().solve(LLAMA70, H100_64, batch_size=64, tp_size=1, pp_size=1)
    assert r.feasible is False and "GB per device" in r.constraint
    assert r.memory_per_device.to("GB").magnitude > 70.6 * 16


def test_more_tp_lowers_memory_per_device():
    memories = [solve(tp_size=tp, pp_size=4, batch_size=512).memory_per_device for tp in (1, 2, 4, 8)]
    assert memories == sorted(memories, reverse=True)


def test_recompute_trades_memory_for_compute():
    full, none = solve(recompute="full").estimate, solve(recompute="none").estimate
    assert full.activation_memory < none.activation_memory
    assert full.compute_latency == pytest.approx(none.compute_latency * 4 / 3, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"tp_size": 3}, "tp_size"),
        ({"batch_size": 100}, "batch_size"),
        ({"microbatch_count": 0}, "microbatch_count"),
        ({"zero_stage": 4}, "zero_stage"),
        ({"recompute": "some"}, "recompute"),
        ({"precision": "fp3"}, "precision"),
    ],
)
def test_bad_input(kwargs, argument):
    with pytest.raises(InvalidInputError) as caught:
        solve(**kwargs)
    assert caught.value.argument == argument


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
