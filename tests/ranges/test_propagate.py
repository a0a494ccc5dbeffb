"""Propagation: seeded Monte Carlo on the array cores, the tornado and the two-way table."""

from __future__ import annotations

import math

import mlsysim
import numpy as np
import pytest
from mlsysim import InvalidInputError
from mlsysim.api.ranges import RangesModel
from mlsysim.ranges.propagate import Composite, monte_carlo, spread_driver
from mlsysim.ranges.sensitivity import tornado, two_way
from mlsysim.ranges.spreads import FACTOR, Spread

CATALOG = mlsysim.load_catalog()
ECONOMICS = {"fleet": "H100_64", "duration_days": 365, "kwh_price": 0.08, "utilization": 0.7}


def _linear(low: float, high: float) -> Composite:
    """y = 100 x with x ~ triangular(low, 1, high)."""
    driver = spread_driver(Spread("pue", low, high, 1.0, FACTOR))
    return Composite("y", "USD", (driver,), lambda v: 100.0 * v["pue"])


def test_monte_carlo_matches_the_triangular_quantiles():
    # Triangular(a=0.8, c=1, b=1.4): F(c) = (c - a)/(b - a) = 1/3, so
    # P10 = a + sqrt(0.1 (b - a)(c - a)) = 0.8 + sqrt(0.012) = 0.90954,
    # P90 = b - sqrt(0.1 (b - a)(b - c)) = 1.4 - sqrt(0.024) = 1.24508; y = 100 x.
    # 200,000 draws: sample quantiles within 0.5 % (their standard error is ~0.1 %).
    r = monte_carlo(_linear(0.8, 1.4), draws=200_000, seed=7)
    assert r.low == pytest.approx(100 * (0.8 + math.sqrt(0.012)), rel=5e-3)
    assert r.high == pytest.approx(100 * (1.4 - math.sqrt(0.024)), rel=5e-3)
    assert r.base == 100.0


def test_the_same_seed_gives_the_same_draws_and_another_seed_others():
    a, b = monte_carlo(_linear(0.8, 1.4), 1000, 3), monte_carlo(_linear(0.8, 1.4), 1000, 3)
    assert np.array_equal(a.draws, b.draws)
    assert not np.array_equal(a.draws, monte_carlo(_linear(0.8, 1.4), 1000, 4).draws)


@pytest.mark.parametrize(("draws", "seed"), [(1, 0), (10.5, 0), (100, -1), (True, 0)])
def test_bad_draws_or_seed_are_errors(draws, seed):
    with pytest.raises(InvalidInputError):
        monte_carlo(_linear(0.8, 1.4), draws, seed)


def test_tco_tornado_known_answers_from_the_facades_own_parts():
    report = RangesModel(CATALOG).solve("economics", **ECONOMICS)
    e = report.result.estimate
    assert report.composite.base == pytest.approx(e.tco_usd, rel=1e-12)  # same number as the facade
    bars = {b.driver: b for b in report.tornado}
    # TCO = price-proportional parts (CapEx + maintenance) + energy, linear in the price factor f:
    # at f = 0.85 and 1.2 the TCO is f (capex + maintenance) + energy cost.
    fixed = e.capex_usd + e.maintenance_usd
    assert bars["node_price"].at_low == pytest.approx(0.85 * fixed + e.energy_cost_usd, rel=1e-12)
    assert bars["node_price"].at_high == pytest.approx(1.2 * fixed + e.energy_cost_usd, rel=1e-12)
    # Energy cost is linear in the tariff and in PUE: x0.8 and x1.3 of the energy part.
    assert bars["electricity_price"].at_low == pytest.approx(fixed + 0.8 * e.energy_cost_usd, rel=1e-12)
    assert bars["pue"].at_high == pytest.approx(fixed + 1.1 * e.energy_cost_usd, rel=1e-12)
    swings = [b.swing for b in report.tornado]
    assert swings == sorted(swings, reverse=True)
    # the two-way table's corners are the two leading drivers at their ends together
    t = report.two_way
    assert (t.row_driver, t.column_driver) == (report.tornado[0].driver, report.tornado[1].driver)
    assert (
        t.row_values[0] == report.tornado[0].input_low and t.column_values[-1] == report.tornado[1].input_high
    )
    assert len(t.table) == 5 and all(len(row) == 5 for row in t.table)
    centre = t.table[2][2]  # both at the middle of their ranges, not necessarily the base
    assert t.table[0][0] <= centre <= t.table[-1][-1] or t.table[0][0] >= centre >= t.table[-1][-1]


def test_two_way_evaluates_each_cell_like_the_composite():
    c = Composite(
        "z",
        "USD",
        (
            spread_driver(Spread("pue", 0.5, 2.0, 1.0, FACTOR)),
            spread_driver(Spread("utilization", 0.5, 1.0, 1.0, FACTOR)),
        ),
        lambda v: v["pue"] * 10 + v["utilization"],
    )
    t = two_way(c, "pue", "utilization", steps=3)
    # rows pue 0.5, 1.25, 2.0; columns utilisation 0.5, 0.75, 1.0: cell = 10 pue + u
    assert t.table[1][2] == pytest.approx(12.5 + 1.0) and t.table[2][0] == pytest.approx(20.5)
    assert [b.driver for b in tornado(c)] == ["pue", "utilization"]
    with pytest.raises(InvalidInputError, match="driver"):
        two_way(c, "pue", "pue")


@pytest.mark.parametrize(
    ("solver", "inputs", "field"),
    [
        ("economics", ECONOMICS, "tco_usd"),
        (
            "sustainability",
            {"fleet": "H100_64", "duration_days": 30, "utilization": 0.8},
            "operational_carbon_kg",
        ),
        ("run_cost", {"fleet": "H100_256", "hours": 720}, "cost_usd"),
        ("run_cost", {"fleet": "H100_256", "hours": 720, "offer": "cheapest"}, "cost_usd"),
        (
            "token_cost",
            {"model": "Llama3_8B", "hardware": "H100", "seq_len": 2048, "batch_size": 16, "utilization": 0.6},
            "cost_per_million_tokens_usd",
        ),
        (
            "token_cost",
            {
                "model": "Llama3_8B",
                "hardware": "H100",
                "seq_len": 2048,
                "batch_size": 16,
                "offer": "cheapest",
            },
            "cost_per_million_tokens_usd",
        ),
        (
            "run",
            {
                "model": "Llama3_8B",
                "fleet": "H100_64",
                "batch_size": 256,
                "seq_len": 4096,
                "tokens": 1e11,
                "tp_size": 1,
                "pp_size": 1,
            },
            "cost_usd",
        ),
    ],
)
def test_the_composite_at_base_is_the_facades_number(solver, inputs, field):
    report = RangesModel(CATALOG).solve(solver, **inputs)
    expected = getattr(report.result.estimate, field)
    assert report.composite.name == field
    assert report.composite.base == pytest.approx(expected, rel=1e-9)
    assert report.composite.low < report.composite.high
    assert report.tornado and report.tornado[0].swing >= report.tornado[-1].swing


def test_token_cost_carries_the_model_bands_and_run_cost_the_step_band():
    report = RangesModel(CATALOG).solve(
        "token_cost", model="Llama3_8B", hardware="H100", seq_len=2048, batch_size=16, utilization=0.6
    )
    drivers = {b.driver for b in report.tornado}
    assert {"ttft_model", "itl_model", "utilization", "node_price"} <= drivers
    assert "leave-one-out" in next(b.source for b in report.tornado if b.driver == "itl_model")


def test_stacked_rows_give_each_rows_own_monte_carlo():
    from mlsysim.api.ranges import token_cost_inputs
    from mlsysim.ranges.composites import token_cost_composite
    from mlsysim.ranges.rows import row_bands, stacked

    rows = [
        {"model": "Llama3_8B", "hardware": "H100", "seq_len": 2048, "batch_size": 16, "utilization": 0.6},
        {"model": "Llama3_70B", "hardware": "A100", "seq_len": 1024, "batch_size": 4, "tp_size": 8},
    ]
    resolved = [token_cost_inputs(CATALOG, r) for r in rows]
    a = CATALOG.assumptions
    base, (low, high) = row_bands(token_cost_composite(a=a, **stacked(resolved)), (0.1, 0.9), 1000, 5)
    for j, one in enumerate(resolved):
        alone = monte_carlo(token_cost_composite(a=a, **one), 1000, 5)
        assert (base[j], low[j], high[j]) == pytest.approx((alone.base, alone.low, alone.high), rel=1e-12)


def test_site_carbon_at_base_is_the_sustainability_facades_number():
    from mlsysim.api.site import resolve_site
    from mlsysim.ranges.composites import site_carbon_composite

    fleet = CATALOG.spec("fleet", "H100_64", mlsysim.systems.types.FleetSpec)
    grid, facility = resolve_site(CATALOG, None, None)
    c = site_carbon_composite(
        power=fleet.nodes * fleet.node.node_power,
        carbon_intensity=grid.carbon_intensity,
        pue=facility.pue,
        days=30.0,
        utilization=0.8,
        a=CATALOG.assumptions,
    )
    expected = (
        mlsysim.SustainabilityModel(CATALOG).solve("H100_64", 30, utilization=0.8).operational_carbon_kg
    )
    assert c.base() == pytest.approx(
        expected.to("kg").magnitude if hasattr(expected, "to") else expected, rel=1e-12
    )
    # carbon is linear in PUE and in grid intensity: their tornado ends are the factors x base
    bars = {b.driver: b for b in tornado(c)}
    assert bars["carbon_intensity"].at_high == pytest.approx(1.2 * c.base(), rel=1e-12)
    assert bars["pue"].at_low == pytest.approx(0.95 * c.base(), rel=1e-12)
