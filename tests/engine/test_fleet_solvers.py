"""Economics, sustainability and reliability: known answers, invariants, reference defects."""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim import EconomicsModel, ReliabilityModel, SustainabilityModel
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.economics import economics

A = mlsysim.load_catalog().assumptions
H100_8 = mlsysim.Systems.Clusters.H100_8
H100_256 = mlsysim.Systems.Clusters.H100_256
DGX = mlsysim.Systems.Nodes.DGX_H100.spec
HYPERSCALE = mlsysim.Infra.Datacenters.hyperscale.spec


def test_tco_known_answer():
    # One DGX H100 for a year at $0.08/kWh: energy = 10.2 kW * 0.8 * 8760 h * PUE * $0.08;
    # CapEx = price / 4 years; maintenance = 5 % of price.
    c = EconomicsModel().solve(H100_8, 365, 0.08)
    energy = DGX.node_power / 1000 * A.average_power_fraction * 8760 * HYPERSCALE.pue * 0.08
    assert c.energy_cost_usd == pytest.approx(energy, rel=1e-12)
    assert c.capex_usd == pytest.approx(DGX.price / A.amortization_years, rel=1e-12)
    assert c.tco_usd == pytest.approx(c.capex_usd + energy + A.maintenance_fraction_per_year * DGX.price)
    assert c.cost_per_accelerator_hour == pytest.approx(c.tco_usd / (8 * 8760), rel=1e-12)


def test_node_power_not_gpu_tdp():
    # Reference defect: power counted GPU TDP only (8 x 700 W = 5.6 kW instead of 10.2 kW).
    c = EconomicsModel().solve(H100_8, 1, 0.1)
    assert c.it_energy.to("kWh").magnitude == pytest.approx(10.2 * A.average_power_fraction * 24, rel=1e-9)


def test_capex_stops_at_the_amortisation_period():
    five, ten = (EconomicsModel().solve(H100_8, 365 * y, 0.08).capex_usd for y in (5, 10))
    assert five == ten == pytest.approx(DGX.price)


def test_regional_price_is_used_when_none_is_given():
    # Reference defect: every region cost $0.12/kWh.
    prices = {g: EconomicsModel().solve(H100_8, 365, grid=g).energy_cost_usd for g in ("Quebec", "Germany")}
    assert prices["Quebec"] < prices["Germany"]
    quebec = mlsysim.Infra.Grids.Quebec.spec.electricity_price * 3.6e6
    c = EconomicsModel().solve(H100_8, 365, grid="Quebec")
    assert c.electricity_price.to("USD/kWh").magnitude == pytest.approx(quebec, rel=1e-12)


def test_missing_price_is_an_error():
    # Reference defect: a device without a price silently cost $0.
    fleet = H100_8.spec
    from dataclasses import replace

    unpriced = replace(fleet, node=replace(fleet.node, price=None))
    with pytest.raises(InvalidInputError, match="no price"):
        economics(unpriced, 365, 1e-8, HYPERSCALE, A)


def test_carbon_and_water_known_answer():
    r = SustainabilityModel().solve(H100_256, 30, mlsysim.Infra.Grids.Poland)
    it_kwh = 32 * 10.2 * A.average_power_fraction * 720
    poland = mlsysim.Infra.Grids.Poland.spec.carbon_intensity * 3.6e6  # kg per kWh
    assert r.it_energy.to("kWh").magnitude == pytest.approx(it_kwh, rel=1e-12)
    assert r.carbon_footprint_kg.to("kg").magnitude == pytest.approx(
        it_kwh * HYPERSCALE.pue * poland, rel=1e-12
    )
    # Reference defect: water charged on facility energy; WUE is per IT kWh.
    assert r.water_usage_liters == pytest.approx(it_kwh * HYPERSCALE.wue * 3.6e6, rel=1e-12)


def test_pue_belongs_to_the_facility():
    grid = mlsysim.Infra.Grids.US_Average
    hyper = SustainabilityModel().solve(H100_256, 30, "hyperscale", grid=grid)
    enterprise = SustainabilityModel().solve(H100_256, 30, "enterprise", grid=grid)
    assert enterprise.pue > hyper.pue and enterprise.carbon_footprint_kg > hyper.carbon_footprint_kg


def test_cleaner_grid_lowers_carbon():
    grids = sorted(mlsysim.Infra.Grids, key=lambda g: g.spec.carbon_intensity)
    carbon = [SustainabilityModel().solve(H100_256, 30, g).carbon_footprint_kg for g in grids]
    assert carbon == sorted(carbon)


def test_reliability_known_answer():
    r = ReliabilityModel().solve(H100_256, 720, 120.0)
    # 32 DGX H100 nodes of 8 GPUs and 8 NICs; component MTBFs (h) from catalog/assumptions.toml, the
    # GPUs' HBM3 from the node entry: GPU 108,000, memory 106,500, NIC 1.28e6, host 14,900, switch
    # fabric 4.58e7 per GPU, software 119,000 per GPU.
    rate_per_hour = 256 / 108000 + 256 / 106500 + 256 / 1.28e6 + 32 / 14900 + 256 / 4.58e7 + 256 / 119000
    assert r.fleet_mtbf.to("hour").magnitude == pytest.approx(1 / rate_per_hour, rel=1e-3)
    m = r.fleet_mtbf.to("s").magnitude
    young = math.sqrt(2 * 120 * m)
    assert r.young_checkpoint_interval.to("s").magnitude == pytest.approx(young, rel=1e-12)
    ratio = 120 / (2 * m)
    daly = young * (1 + math.sqrt(ratio) / 3 + ratio / 9) - 120
    assert r.optimal_checkpoint_interval.to("s").magnitude == pytest.approx(daly, rel=1e-12)
    assert r.failure_probability == pytest.approx(1 - math.exp(-720 * 3600 / m), rel=1e-12)


def test_goodput_counts_lost_work_and_restarts():
    # Reference defect: goodput left out rework. Longer restarts and checkpoints lower it.
    base = ReliabilityModel().solve(H100_256, 720, 120.0, restart_time_s=0).goodput
    slow_restart = ReliabilityModel().solve(H100_256, 720, 120.0, restart_time_s=3600).goodput
    assert 0 < slow_restart < base < 1
    # Even with free restarts, checkpoints and rework cost: goodput < 1 - delta/tau.
    r = ReliabilityModel().solve(H100_256, 720, 120.0, restart_time_s=0)
    assert base < 1 - 120 / r.optimal_checkpoint_interval.to("s").magnitude


def test_longer_jobs_fail_more_often():
    probabilities = [ReliabilityModel().solve(H100_256, h, 60).failure_probability for h in (1, 24, 168, 720)]
    assert probabilities == sorted(probabilities) and probabilities[-1] < 1


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: EconomicsModel().solve(H100_8, 0, 0.08), "duration_days"),
        (lambda: EconomicsModel().solve(H100_8, 365, -0.1), "kwh_price"),
        (lambda: SustainabilityModel().solve(H100_8, -1), "duration_days"),
        (lambda: ReliabilityModel().solve(H100_8, 10, 0), "checkpoint_time_s"),
        # no embodied value for TPU v5p or its host in the catalog: an error, never 0 kg
        (lambda: SustainabilityModel().solve("TPUv5p_256", 30, include_embodied=True), "include_embodied"),
    ],
)
def test_bad_input(call, argument):
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert caught.value.argument == argument


def test_quantities_are_accepted_and_wrong_dimensions_raise():
    import pint

    q = mlsysim.Q_
    assert EconomicsModel().solve(H100_8, q(1, "year"), 0.08).tco_usd == pytest.approx(
        EconomicsModel().solve(H100_8, 365, 0.08).tco_usd, rel=1e-12
    )
    with pytest.raises(pint.DimensionalityError):
        EconomicsModel().solve(H100_8, q(1, "GB"), 0.08)
