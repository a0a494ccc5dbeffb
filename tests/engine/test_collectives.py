"""Collectives: each algorithm's closed form, NCCL's choice by size, ranks and topology, and the same
numbers element-wise on arrays. Times are compared to 1e-12 relative unless stated."""

from __future__ import annotations

import dataclasses
import itertools

import mlsysim
import numpy as np
import pytest
from mlsysim.solvers.collectives import alphabeta as ab
from mlsysim.solvers.collectives import multi_node, scale_up
from mlsysim.solvers.collectives.scale_up import ALGORITHMS
from mlsysim.solvers.collectives.topology import MESH, RING, SWITCH, SWITCH_REDUCE, TORUS, topology_code
from mlsysim.solvers.ops import SCALAR
from mlsysim.sweeps.gather import ARRAY

A = mlsysim.load_catalog().assumptions
US = 1e-6
H100_LINK = 450e9  # NVLink 4: 900 GB/s both directions, 450 GB/s each way
A100_LINK = 300e9


def test_the_parameters_these_answers_assume():
    # Every known answer below is worked out with these catalog values.
    assert A.collective_launch_latency == pytest.approx(5 * US)
    assert (A.ll_hop_latency, A.ll128_hop_latency, A.scale_up_latency) == pytest.approx(
        (1 * US, 2 * US, 5 * US)
    )
    assert (A.ll_bandwidth_fraction, A.ll128_bandwidth_fraction) == (0.5, 0.9375)
    assert (A.scale_up_efficiency, A.nvls_efficiency) == (0.8, 0.61)
    assert (A.nvls_latency, A.oneshot_latency) == pytest.approx((65 * US, 5 * US))
    assert A.custom_allreduce_max_bytes == 8 * 2**20


# --- closed forms (alpha-beta) ------------------------------------------------------------------


def test_ring_allgather_known_answer():
    # Thakur et al. 2005: (p-1)α + (p-1)/p · M/β; 1 GB over 4 ranks at 100 GB/s, 10 us:
    # 3 · 10 us + 3/4 · 10 ms = 7.53 ms.
    assert ab.ring_allgather(1e9, 4, 100e9, 10 * US) == pytest.approx(7.53e-3, rel=1e-12)
    assert ab.ring_allgather(1e9, 1, 100e9, 10 * US) == 0.0


def test_double_binary_tree_known_answer():
    # Sanders et al. 2009: 2⌈log2 p⌉α + 2M/β. 1024 ranks: depth 10, 20 steps of 10 us + 2 · 10 ms.
    assert ab.tree_allreduce(1e9, 1024, 100e9, 10 * US, SCALAR) == pytest.approx(20.2e-3, rel=1e-12)
    # 1000 ranks still need depth ⌈log2 1000⌉ = 10; 3 ranks depth 2.
    assert ab.tree_allreduce(1e9, 1000, 100e9, 10 * US, SCALAR) == pytest.approx(20.2e-3, rel=1e-12)
    assert ab.tree_allreduce(0.0, 3, 100e9, 10 * US, SCALAR) == pytest.approx(40 * US, rel=1e-12)
    assert ab.tree_allreduce(1e9, 1, 100e9, 10 * US, SCALAR) == 0.0


def test_one_and_two_shot_known_answers():
    # One-shot reads p-1 peers' whole buffers in one step; two-shot reduce-scatters then all-gathers
    # directly, two steps of the ring's bytes. 16 KB on 8 ranks at 360 GB/s, 5 us per step:
    assert ab.oneshot_allreduce(16384, 8, 360e9, 5 * US) == pytest.approx(
        5 * US + 7 * 16384 / 360e9, rel=1e-12
    )  # 5.319 us
    assert ab.twoshot_allreduce(16384, 8, 360e9, 5 * US) == pytest.approx(
        10 * US + 2 * 7 / 8 * 16384 / 360e9, rel=1e-12
    )
    # The one-shot reads (p-1)·M, the two-shot 2(p-1)/p·M: two-shot wins once bytes dominate.
    big = 8 * 2**20
    assert ab.twoshot_allreduce(big, 8, 360e9, 5 * US) < ab.oneshot_allreduce(big, 8, 360e9, 5 * US)


def test_in_switch_reduction_is_flat_in_ranks():
    # NVLink SHARP: each rank sends its buffer once and receives the result once, whatever p.
    times = {p: ab.switch_allreduce(1e8, p, 274.5e9, 65 * US) for p in (2, 4, 8)}
    assert times[2] == times[4] == times[8] == pytest.approx(65 * US + 1e8 / 274.5e9, rel=1e-12)


def test_alltoall_known_answers():
    # Direct links: one step, (p-1)/p · M. 8 ranks, 1 MB, 100 GB/s, 5 us: 5 us + 8.75 us.
    assert ab.direct_alltoall(1e6, 8, 100e9, 5 * US) == pytest.approx(13.75 * US, rel=1e-12)
    # Bidirectional ring, 16 ranks: the bisection carries p/8 = 2 · M/β, more than (p-1)/p:
    # 15 steps of 5 us + 2 · 10 us = 95 us.
    assert ab.ring_alltoall(1e6, 16, 100e9, 5 * US, SCALAR) == pytest.approx(95 * US, rel=1e-12)


def test_point_to_point_known_answer():
    assert ab.point_to_point(1e6, 100e9, 5 * US) == pytest.approx(15 * US, rel=1e-12)


# --- NCCL's choice inside a scale-up domain -------------------------------------------------------


def _pick(message, ranks, link, topology, **kwargs):
    choice = scale_up.allreduce(message, ranks, link, topology, A, SCALAR, **kwargs)
    return choice.time, ALGORITHMS[choice.algorithm]


def test_small_all_reduce_on_eight_h100_is_a_low_latency_ring():
    # 16 KB (Llama 3 70B's decode message, 8192 × 2 B) on 8 H100: LL ring = 5 us + 14 · 1 us +
    # 1.75 · 16384 / (450e9 · 0.8 · 0.5) = 19.16 us; LL128 33.1 us, Simple 75.1 us, NVLS 70.1 us.
    time, algorithm = _pick(16384, 8, H100_LINK, SWITCH_REDUCE)
    assert algorithm == "ring_ll"
    assert time == pytest.approx(19 * US + 1.75 * 16384 / 180e9, rel=1e-12)
    # Measured: NCCL all-reduce of 16 KB on 8 H100 takes 20.7 us (Triton-distributed issue #57).
    assert time == pytest.approx(20.7 * US, rel=0.1)


def test_the_engines_one_shot_kernel_takes_small_messages():
    # With the serving engine's custom all-reduce (messages <= 8 MiB): one-shot, 5 us + 7 · 16384 /
    # (450e9 · 0.8) = 5.32 us, nearly flat in p; SGLang PR #2904 measures 5.9 us at 512 B on 8 H100.
    time, algorithm = _pick(16384, 8, H100_LINK, SWITCH_REDUCE, custom_max=A.custom_allreduce_max_bytes)
    assert algorithm == "oneshot"
    assert time == pytest.approx(5 * US + 7 * 16384 / 360e9, rel=1e-12)
    two, _ = _pick(16384, 2, H100_LINK, SWITCH_REDUCE, custom_max=A.custom_allreduce_max_bytes)
    assert 5 * US < two < time < 6 * US
    # Above the engine's limit, NCCL again.
    _, algorithm = _pick(16 * 2**20, 8, H100_LINK, SWITCH_REDUCE, custom_max=A.custom_allreduce_max_bytes)
    assert algorithm != "oneshot" and algorithm != "twoshot"


def test_large_all_reduce_on_eight_h100_is_nvls():
    # 64 MiB: NVLS = 5 + 65 us + 67,108,864 / (450e9 · 0.61) = 314.5 us; LL128 = 33 us + 1.75 · M /
    # 337.5e9 = 381 us. Measured NCCL: 316 us (vLLM PR #42324).
    m = 64 * 2**20
    time, algorithm = _pick(m, 8, H100_LINK, SWITCH_REDUCE)
    assert algorithm == "nvls"
    assert time == pytest.approx(70 * US + m / (450e9 * 0.61), rel=1e-12)
    assert time == pytest.approx(316 * US, rel=0.05)
    # A runtime whose NCCL does not use NVLS (nvls=0) stays on rings.
    _, algorithm = _pick(m, 8, H100_LINK, SWITCH_REDUCE, nvls=0.0)
    assert algorithm == "ring_ll128"


def test_a100_switch_has_no_in_switch_reduction():
    # NVSwitch gen 2 cannot reduce: 64 MiB on 8 A100 is a ring. LL128: 5 + 28 us + 1.75 · M /
    # (300e9 · 0.8 · 0.9375) = 555.0 us; Simple: 5 + 70 us + 1.75 · M / 240e9 = 564.3 us.
    m = 64 * 2**20
    time, algorithm = _pick(m, 8, A100_LINK, SWITCH)
    assert algorithm == "ring_ll128"
    assert time == pytest.approx(33 * US + 1.75 * m / 225e9, rel=1e-12)


def test_custom_kernels_need_direct_links():
    # One-shot reads every peer directly: a mesh or a switch, not a ring or a torus.
    for topology in (MESH, SWITCH, SWITCH_REDUCE):
        assert _pick(16384, 8, H100_LINK, topology, custom_max=2**23)[1] == "oneshot"
    for topology in (RING, TORUS):
        assert _pick(16384, 8, H100_LINK, topology, custom_max=2**23)[1] == "ring_ll"


def test_torus_rings_run_along_each_dimension():
    # 16 chips as a 4×4 torus: 2(√16 − 1) = 6 steps per phase instead of 15; LL ring:
    # 5 + 12 · 1 us + 2 · 15/16 · 4096 / (200e9 · 0.4) us.
    time, algorithm = _pick(4096, 16, 200e9, TORUS)
    assert algorithm == "ring_ll"
    assert time == pytest.approx(17 * US + 2 * 15 / 16 * 4096 / 80e9, rel=1e-12)
    assert time < _pick(4096, 16, 200e9, RING)[0]


def test_one_rank_costs_nothing():
    assert scale_up.allreduce(1e9, 1, H100_LINK, SWITCH_REDUCE, A, SCALAR) == (0.0, 0)
    assert scale_up.allgather(1e9, 1, H100_LINK, SWITCH_REDUCE, A, SCALAR) == (0.0, 0)
    assert scale_up.alltoall(1e9, 1, H100_LINK, SWITCH_REDUCE, A, SCALAR) == (0.0, 0)


def test_allgather_and_alltoall_choices():
    # All-gather of a 1 MB result on 8 H100: LL ring = 5 + 7 · 1 us + 7/8 · 1e6 / 180e9 = 16.86 us;
    # LL128 = 5 + 14 + 7/8 · 1e6 / 337.5e9 = 21.6 us.
    ag = scale_up.allgather(1e6, 8, H100_LINK, SWITCH_REDUCE, A, SCALAR)
    assert ALGORITHMS[ag.algorithm] == "ring_ll"
    assert ag.time == pytest.approx(12 * US + 7 / 8 * 1e6 / 180e9, rel=1e-12)
    assert scale_up.reduce_scatter(1e6, 8, H100_LINK, SWITCH_REDUCE, A, SCALAR) == ag
    # All-to-all of 8 MB per rank: switched, one step: 5 + 5 us + 7/8 · 8e6 / 360e9.
    direct = scale_up.alltoall(8e6, 8, H100_LINK, SWITCH_REDUCE, A, SCALAR)
    assert ALGORITHMS[direct.algorithm] == "direct"
    assert direct.time == pytest.approx(10 * US + 7 / 8 * 8e6 / 360e9, rel=1e-12)
    ring = scale_up.alltoall(8e6, 8, H100_LINK, RING, A, SCALAR)
    assert ALGORITHMS[ring.algorithm] == "ring_simple" and ring.time > direct.time
    # Point-to-point: 5 us start + 5 us step + 1 MB at 360 GB/s.
    assert scale_up.send(1e6, H100_LINK, A) == pytest.approx(10 * US + 1e6 / 360e9, rel=1e-12)


def test_time_never_exceeds_the_ring_charged_before():
    # The old charge was a Simple ring with 2(p-1) steps of 5 us and no fixed start; NCCL's choice
    # includes that ring (plus its 5 us start), so it is never slower by more than the start.
    for message, ranks, topology in itertools.product((1e3, 1e5, 1e7, 1e9), (2, 4, 8), range(5)):
        old = ab.ring_allreduce(message, ranks, H100_LINK * 0.8, 5 * US)
        assert _pick(message, ranks, H100_LINK, topology)[0] <= (old + 5 * US) * (1 + 1e-12)


# --- across nodes -------------------------------------------------------------------------------

NDR = 50e9 * 0.9  # one 400 Gb/s rail per node, at the scale-out efficiency


def test_1024_rank_data_parallel_all_reduce_uses_the_tree():
    # Llama 3 8B gradients (16.06e9 B, bf16) over 1024 H100 = 128 nodes of 8, one NDR rail, 2 us per
    # fabric step. Ring: 5 us + 2046 · 5 us + 254 · 2 us + 2·1023/1024 · M/β; tree: 5 us + 14 · 5 us
    # (chain) + 14 · 2 us (depth 7) + 2M/β. The tree's extra bytes, 2M/(1024β) = 0.70 ms, cost less
    # than the ring's 10.7 ms of steps: NCCL picks the tree.
    m = mlsysim.Models.Language.Llama3_8B.spec.parameters * 2
    choice = multi_node.allreduce(m, 1024, 8, H100_LINK, SWITCH_REDUCE, NDR, 2 * US, A, SCALAR)
    assert ALGORITHMS[choice.algorithm] == "tree"
    assert choice.time == pytest.approx(5 * US + 70 * US + 28 * US + 2 * m / NDR, rel=1e-12)
    ring = 5 * US + 2046 * 5 * US + 254 * 2 * US + 2 * 1023 / 1024 * m / NDR
    assert choice.time < ring
    # The ring-only charge of before (2046 fabric steps) is slower too.
    assert choice.time < ab.ring_allreduce(m, 1024, NDR, 2 * US)


def test_few_nodes_and_huge_messages_keep_the_ring():
    # 4 nodes of 8, 100 GB: the ring's bandwidth term is 31/32 of the tree's, saving 2M/(32β) = 139 ms,
    # far more than its steps.
    choice = multi_node.allreduce(100e9, 32, 8, H100_LINK, SWITCH_REDUCE, NDR, 2 * US, A, SCALAR)
    assert ALGORITHMS[choice.algorithm] == "ring_simple"
    expected = 5 * US + 62 * 5 * US + 6 * 2 * US + 2 * 31 / 32 * 100e9 / NDR
    assert choice.time == pytest.approx(expected, rel=1e-12)


def test_one_node_is_the_scale_up_choice():
    one = multi_node.allreduce(16384, 8, 8, H100_LINK, SWITCH_REDUCE, NDR, 2 * US, A, SCALAR)
    assert one == scale_up.allreduce(16384, 8, H100_LINK, SWITCH_REDUCE, A, SCALAR)


# --- vectorised ---------------------------------------------------------------------------------


def test_arrays_give_the_scalar_numbers_element_by_element():
    grid = list(
        itertools.product((8.0, 16384.0, 2.0**20, 2.0**26), (1, 2, 4, 8, 16), range(5), (0.0, 2.0**23))
    )
    message, ranks, topology, custom = (np.array(column, dtype=float) for column in zip(*grid, strict=True))
    vector = scale_up.allreduce(message, ranks, H100_LINK, topology, A, ARRAY, custom_max=custom)
    fast = scale_up.allreduce_time(message, ranks, H100_LINK, topology, A, ARRAY, custom_max=custom)
    spread = multi_node.allreduce(message, ranks * 8, 8.0, H100_LINK, topology, NDR, 2 * US, A, ARRAY)
    # Ranks 1-16 in groups of 8: one node up to 8 ranks, two beyond.
    mixed = multi_node.allreduce_time(message, ranks, 8.0, H100_LINK, topology, NDR, 2 * US, A, ARRAY)
    for i, (m, p, t, c) in enumerate(grid):
        time, algorithm = scale_up.allreduce(m, p, H100_LINK, t, A, SCALAR, custom_max=c)
        assert vector.time[i] == time == fast[i] and vector.algorithm[i] == algorithm
        assert scale_up.allreduce_time(m, p, H100_LINK, t, A, SCALAR, custom_max=c) == time
        many = multi_node.allreduce(m, p * 8, 8, H100_LINK, t, NDR, 2 * US, A, SCALAR)
        assert spread.time[i] == many.time
        assert multi_node.allreduce_time(m, p * 8, 8, H100_LINK, t, NDR, 2 * US, A, SCALAR) == many.time
        some = multi_node.allreduce(m, p, 8, H100_LINK, t, NDR, 2 * US, A, SCALAR).time
        assert mixed[i] == some


def test_topology_names():
    assert topology_code(None) == RING and topology_code("switch_reduce") == SWITCH_REDUCE
    with pytest.raises(KeyError):
        topology_code("hypercube")


def test_a_slower_start_changes_the_choice():
    # Not hard-wired: with a 100 us LL step the ring gives way to NVLS even for small messages.
    slow = dataclasses.replace(
        A, ll_hop_latency=100 * US, ll128_hop_latency=100 * US, scale_up_latency=100 * US
    )
    choice = scale_up.allreduce(16384, 8, H100_LINK, SWITCH_REDUCE, slow, SCALAR)
    assert ALGORITHMS[choice.algorithm] == "nvls"
