"""The layout search: its ranked rows equal the scalar step of each layout, the rejection counts add
up, fixed degrees hold, and a search with nothing feasible says why."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim import DistributedModel
from mlsysim.api.training_run import ParallelismOptimizer
from mlsysim.solvers.layout_search import DIVIDE_FLEET, DIVIDE_HEADS, MEMORY, REASONS

FLEET = "DGX_H100:256:IB_NDR"


@pytest.fixture(scope="module")
def found():
    return ParallelismOptimizer().solve("Llama3_70B", FLEET, 512, 4096, "bf16", top_k=12)


def test_ranked_by_throughput(found):
    rates = [row.tokens_per_s for row in found.ranked]
    assert len(rates) == 12 and rates == sorted(rates, reverse=True)
    assert [row.rank for row in found.ranked] == list(range(1, 13))
    assert found.best_layout == found.ranked[0].layout


def test_every_row_equals_the_scalar_step(found):
    for row in found.ranked:
        e = (
            DistributedModel()
            .solve(
                "Llama3_70B",
                FLEET,
                512,
                "bf16",
                row.tp,
                row.pp,
                seq_len=4096,
                cp_size=row.cp,
                ep_size=row.ep,
                microbatch_size=row.microbatch_size,
                interleave=row.interleave,
                recompute=row.recompute,
                zero_stage=row.zero_stage,
            )
            .estimate
        )
        assert e.layout == row.layout and e.feasible
        assert e.step_latency_total == pytest.approx(row.step_time, rel=1e-9)
        assert e.memory_per_device == pytest.approx(row.memory_per_device, rel=1e-9)
        assert e.mfu == pytest.approx(row.mfu, rel=1e-9)
    assert found.estimate.best.step_latency_total == pytest.approx(found.ranked[0].step_time, rel=1e-9)


def test_rejections_add_up(found):
    e = found.estimate
    division = sum(count for reason, count in e.rejected.items() if reason != MEMORY)
    assert e.evaluated == e.divisible + division
    assert e.feasible_layouts == e.divisible - e.rejected.get(MEMORY, 0)
    assert set(e.rejected) <= set(REASONS)
    # 256 accelerators: tp·pp·cp = 5, 10, 20, 40, 80 (from the 80 layers' divisors) never divide.
    assert e.rejected[DIVIDE_FLEET] > 0


def test_fixed_degrees_hold():
    fixed = ParallelismOptimizer().solve("Llama3_70B", FLEET, 512, 4096, "bf16", tp_size=8, recompute="full")
    assert fixed.ranked and all(row.tp == 8 and row.recompute == "full" for row in fixed.ranked)


def test_nothing_fits_is_a_result_that_says_why():
    r = ParallelismOptimizer().solve("Llama3_1_405B", "H100_8", 8, 8192, "bf16")
    assert r.feasible is False and r.ranked == () and r.best is None
    assert "no layout fits in memory: the smallest need is" in r.constraint and "usable" in r.constraint
    assert r.rejected[MEMORY] == r.divisible > 0


def test_nothing_divides_is_a_result_that_says_why():
    r = ParallelismOptimizer().solve("Llama3_70B", "H100_64", 512, 2048, "bf16", tp_size=3)
    assert r.feasible is False and "no layout divides" in r.constraint
    assert DIVIDE_FLEET in r.constraint or DIVIDE_HEADS in r.constraint


def test_table_as_a_frame(found):
    frame = found.table()
    assert list(frame["layout"]) == [row.layout for row in found.ranked]
    assert frame["tokens_per_s"].is_monotonic_decreasing


def test_moe_search_uses_expert_parallelism():
    r = ParallelismOptimizer().solve("Mixtral_8x7B", "DGX_H100:64:IB_NDR", 256, 4096, "bf16")
    assert r.feasible and {row.ep for row in r.ranked} <= {1, 2, 4, 8}
    assert r.estimate.evaluated > r.estimate.divisible


def test_bad_fixed_degree_is_an_input_error():
    with pytest.raises(mlsysim.InvalidInputError) as caught:
        ParallelismOptimizer().solve("Llama3_70B", "H100_64", 512, 2048, tp_size=0)
    assert caught.value.argument == "tp_size"
