"""Whole training runs: known answers worked by hand from the step, the failure rates and Daly's
wall time, the energy bases, and the economics and sustainability facades for the same fleet and
duration (one equation, one place)."""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim import DistributedModel, EconomicsModel, SustainabilityModel
from mlsysim.api.training_run import ParallelismOptimizer, TrainingRunModel
from mlsysim.errors import InvalidInputError

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
FLEET = "DGX_H100:256:IB_NDR"  # 32 DGX H100 nodes
LAYOUT = {"tp_size": 8, "pp_size": 4, "microbatch_size": 1}
BASE = {"model": "Llama3_70B", "fleet": FLEET, "batch_size": 512, "seq_len": 4096, "precision": "bf16"}


def run(**kwargs):
    return TrainingRunModel().solve(**(BASE | {"tokens": 2e11} | LAYOUT | kwargs))


def test_run_known_answer():
    r = run().estimate
    step = (
        DistributedModel()
        .solve("Llama3_70B", FLEET, 512, "bf16", 8, 4, microbatch_size=1, seq_len=4096)
        .estimate
    )
    steps = math.ceil(2e11 / (512 * 4096))
    assert r.steps == steps and r.tokens == steps * 512 * 4096
    assert r.step_time == step.step_latency_total
    assert r.ideal_time == pytest.approx(steps * step.step_latency_total, rel=1e-12)
    # Failure rate of 256 GPUs in 32 DGX H100 nodes (per hour, assumptions and the node's HBM3
    # figure): GPU 256/108,000, memory 256/106,500, NICs 256/1.28e6, hosts 32/14,900, switch fabric
    # 256/4.58e7, software 256/119,000.
    rate = (256 / 108000 + 256 / 106500 + 256 / 1.28e6 + 32 / 14900 + 256 / 4.58e7 + 256 / 119000) / 3600
    mtbf = 1 / rate
    assert r.fleet_mtbf == pytest.approx(mtbf, rel=1e-12)
    # Checkpoint: weights (2 B) and Adam state (12 B) per parameter, 32 nodes writing at 800 Gb/s.
    size = CATALOG.get("model", "Llama3_70B").spec.parameters * 14
    write = size / (32 * 100e9)
    assert r.checkpoint_size == pytest.approx(size, rel=1e-12)
    assert r.checkpoint_write_time == pytest.approx(write, rel=1e-12)
    # Daly (2006): interval eq. 37, wall time eq. 20 with a 600 s restart.
    young = math.sqrt(2 * write * mtbf)
    ratio = write / (2 * mtbf)
    tau = young * (1 + math.sqrt(ratio) / 3 + ratio / 9) - write
    wall = mtbf * math.exp(600 / mtbf) * math.expm1((tau + write) / mtbf) * r.ideal_time / tau
    assert r.checkpoint_interval == pytest.approx(tau, rel=1e-12)
    assert r.wall_time == pytest.approx(wall, rel=1e-12)
    assert r.goodput == pytest.approx(r.ideal_time / wall, rel=1e-12)
    assert r.run_days == pytest.approx(wall / 86400, rel=1e-12)
    assert r.accelerator_hours == pytest.approx(256 * wall / 3600, rel=1e-12)
    assert r.expected_failures == pytest.approx(wall * rate, rel=1e-12)
    parts = (r.failures_gpu, r.failures_memory, r.failures_nic, r.failures_host)
    parts += (r.failures_network, r.failures_software)
    assert sum(parts) == pytest.approx(r.expected_failures, rel=1e-12)
    assert r.failures_host == pytest.approx(wall * 32 / 14900 / 3600, rel=1e-12)


def test_energy_on_three_bases():
    r = run().estimate
    node = CATALOG.get("node", "DGX_H100").spec
    # US average grid in a hyperscale facility (the site defaults).
    pue = CATALOG.get("datacenter", "hyperscale").spec.pue
    assert r.accelerator_energy == pytest.approx(
        256 * 700 * A.average_power_fraction * r.wall_time, rel=1e-12
    )
    assert r.it_energy == pytest.approx(
        32 * node.node_power * A.average_power_fraction * r.wall_time, rel=1e-12
    )
    assert r.facility_energy == pytest.approx(r.it_energy * pue, rel=1e-12)
    assert r.energy == r.facility_energy and r.energy_basis.startswith("facility")
    assert r.accelerator_energy < r.it_energy < r.facility_energy


def test_cost_and_carbon_equal_the_fleet_solvers_over_the_run():
    r = run(datacenter="Quebec").estimate
    tco = EconomicsModel().solve(FLEET, r.run_days, datacenter="Quebec").tco_usd
    carbon = SustainabilityModel().solve(FLEET, r.run_days, "Quebec").carbon_footprint_kg
    assert r.cost_usd == pytest.approx(tco, rel=1e-12)
    assert r.carbon_kg == pytest.approx(carbon.to("kg").magnitude, rel=1e-12)
    assert r.cost_per_accelerator_hour == pytest.approx(r.cost_usd / r.accelerator_hours, rel=1e-12)


def test_steps_and_wall_time_budgets():
    by_steps = run(tokens=None, steps=1000).estimate
    assert by_steps.steps == 1000 and by_steps.tokens == 1000 * 512 * 4096
    by_days = run(tokens=None, wall_days=30).estimate
    stretch = by_days.wall_time / by_days.ideal_time
    assert by_days.run_days <= 30
    assert 30 * 86400 - by_days.wall_time < by_days.step_time * stretch  # within one step
    assert by_days.tokens == by_days.steps * 512 * 4096


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"tokens": 0}, "tokens"),
        ({"tokens": -1e9}, "tokens"),
        ({"tokens": None}, "tokens"),  # no budget at all
        ({"steps": 10}, "tokens"),  # two budgets
        ({"tokens": None, "wall_days": 0}, "wall_days"),
        ({"tp_size": 3}, "tp_size"),
        ({"ep_size": 2}, "ep_size"),
    ],
)
def test_bad_input(kwargs, argument):
    with pytest.raises(InvalidInputError) as caught:
        run(**kwargs)
    assert caught.value.argument == argument


def test_a_run_that_does_not_fit_says_so_and_gives_no_numbers():
    r = run(tp_size=1, pp_size=1, fleet="DGX_H100:64:IB_NDR", batch_size=64)
    assert r.feasible is False and "GB per device" in r.constraint
    assert math.isnan(r.estimate.wall_time) and math.isnan(r.estimate.cost_usd)


def test_without_a_layout_the_run_takes_the_best_one():
    best = ParallelismOptimizer().solve("Llama3_70B", FLEET, 512, 4096, "bf16").best_layout
    r = TrainingRunModel().solve("Llama3_70B", FLEET, 512, 4096, "bf16", tokens=2e11)
    assert r.layout == best
    # The best layout's text, given back as a layout, gives the same run.
    again = TrainingRunModel().solve("Llama3_70B", FLEET, 512, 4096, "bf16", tokens=2e11, layout=best)
    assert again.estimate == r.estimate


def test_layout_text_equals_the_degrees():
    by_text = run(**dict.fromkeys(LAYOUT), layout="TP8 PP4 DP8 mbs1 selective").estimate
    assert by_text == run().estimate
    with pytest.raises(InvalidInputError) as caught:
        run(**dict.fromkeys(LAYOUT), layout="TP8 PP4 DP16 mbs1 selective")
    assert caught.value.argument == "layout" and "DP8" in str(caught.value)


def test_compute_optimal_is_chinchilla():
    # Hoffmann et al. 2022: Chinchilla, 70e9 parameters on 1.4e12 tokens, is compute-optimal for
    # C = 6·N·D = 5.88e23 FLOPs at 20 tokens per parameter.
    sized = TrainingRunModel().compute_optimal(6 * 70e9 * 1.4e12)
    assert sized["parameters"] == pytest.approx(70e9, rel=1e-12)
    assert sized["tokens"] == pytest.approx(1.4e12, rel=1e-12)


def test_per_generation_memory_failures():
    a100 = run(model="Llama3_8B", fleet="A100_64", precision="bf16", tp_size=1, pp_size=1).estimate
    h100 = run(model="Llama3_8B", fleet="H100_64", precision="bf16", tp_size=1, pp_size=1).estimate
    # Per accelerator-hour: A100 HBM2e 1/142,000, H100 HBM3 1/106,500 (the nodes' own figures).
    assert a100.failures_memory / (64 * a100.wall_time / 3600) == pytest.approx(1 / 142000, rel=1e-12)
    assert h100.failures_memory / (64 * h100.wall_time / 3600) == pytest.approx(1 / 106500, rel=1e-12)
    # A node without its own figure: its accelerators' capacity over the HBM3 per-GB figure.
    b200 = CATALOG.get("hardware", "B200").spec
    node = CATALOG.get("node", "HGX_B300").spec
    assert node.accelerator_memory_mtbf is None
    fleet = run(model="Llama3_8B", fleet="HGX_B300:64:IB_NDR", tp_size=1, pp_size=1).estimate
    assert math.isnan(fleet.cost_usd) and "no price for node" in fleet.cost_basis  # unpriced, not free
    assert fleet.carbon_kg > 0
    capacity_gb = node.accelerator.memory_capacity / 1e9
    expected = 64 / (A.hbm_mtbf_per_gb / capacity_gb) * fleet.wall_time
    assert fleet.failures_memory == pytest.approx(expected, rel=1e-12)
    assert b200.memory_capacity > 0


def test_figures_kept_per_fleet_follow_the_fleet_site_and_restart():
    # A run keeps Daly's figures per second of work (per fleet, checkpoint and restart time) and
    # the node share's rate (per node, site and assumptions) from one call to the next. Runs that
    # alternate between fleets, sites, prices and restart times each still equal Daly's wall time
    # worked from the fleet's MTBF by hand and the economics facade's TCO over the run.
    node = CATALOG.get("node", "DGX_H100").spec
    size = CATALOG.get("model", "Llama3_70B").spec.parameters * 14  # weights and Adam state, B
    cases = [
        (fleet, grid, datacenter, restart, price)
        for restart in (600, 120)
        for fleet, grid, datacenter, price in (
            ("DGX_H100:256:IB_NDR", "Quebec", "hyperscale", None),
            ("DGX_H100:512:IB_NDR", "Poland", "enterprise", None),
            ("DGX_H100:256:IB_NDR", "Quebec", "colocation", 0.2),
        )
    ]
    for fleet, grid, datacenter, restart, price in cases * 2:
        r = run(fleet=fleet, grid=grid, datacenter=datacenter, restart_time_s=restart, kwh_price=price)
        r = r.estimate
        nodes = r.accelerators // 8
        mtbf = r.fleet_mtbf
        write = size / (nodes * 100e9)
        young = math.sqrt(2 * write * mtbf)
        ratio = write / (2 * mtbf)
        tau = young * (1 + math.sqrt(ratio) / 3 + ratio / 9) - write
        wall = mtbf * math.exp(restart / mtbf) * math.expm1((tau + write) / mtbf) * r.ideal_time / tau
        assert r.wall_time == pytest.approx(wall, rel=1e-12)
        assert r.checkpoint_interval == pytest.approx(tau, rel=1e-12)
        tco = EconomicsModel().solve(
            fleet, r.run_days, price, grid=grid, datacenter=datacenter, node_price=node.price
        )
        assert r.cost_usd == pytest.approx(tco.tco_usd, rel=1e-12)
