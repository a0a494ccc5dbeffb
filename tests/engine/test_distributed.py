"""Distributed training: known answers, invariants and the reference's distributed defects."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import DistributedModel
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.collectives import ring_allreduce

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
