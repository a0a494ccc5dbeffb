"""The default plan recomputed headless: every formula cell holds a value, the native TCO and
Carbon formulas give the engine's EconomicsModel/SustainabilityModel numbers (1e-9 relative), and
the engine cells give what the MLSYS_* functions return when called with catalog ids (1e-12)."""

from __future__ import annotations

import mlsysim
import openpyxl
import pytest
from mlsysim import EconomicsModel, SustainabilityModel
from mlsysim.api.pricing import node_share
from mlsysim.api.rent_vs_own import rent_vs_own
from mlsysim.api.token_cost import accelerator_cost_rate
from mlsysim.enums import Precision
from mlsysim.macros.registry import CALLABLES
from mlsysim.macros.sheet_schema import schema
from mlsysim.prices import cheapest
from mlsysim.solvers.economics import economics
from mlsysim.solvers.sustainability import sustainability
from mlsysim.systems.types import FabricSpec, FleetSpec, NodeSpec
from mlsysim.workbooks import (
    carbon_sheet,
    load_scenarios,
    reliability_sheet,
    serving_sheet,
    summary_sheet,
    tco_sheet,
    training_sheet,
)
from mlsysim.workbooks.layout import FIRST_ROW
from mlsysim.workbooks.summary import format_summary, summarize
from wbtest_support import (
    cached_values,
    close,
    computed_plan,
    formula_cells,
    is_error_value,
    planned_token_cost,
)

DAYS = 365.0
J_PER_MWH = 3.6e9
SERVING_FUNCTIONS = (
    ("ttft", "MLSYS_TTFT"),
    ("itl", "MLSYS_ITL"),
    ("kv_cache", "MLSYS_KV_CACHE"),
    ("mem_util", "MLSYS_MEM_UTIL"),
    ("tokens_per_replica", "MLSYS_TOKENS_PER_S"),
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = computed_plan(tmp_path_factory)
    return path, openpyxl.load_workbook(path, data_only=True), openpyxl.load_workbook(path)


def _rows(book, sheet, columns):
    keys = [c.key for c in columns]
    found = []
    for row in book[sheet].iter_rows(min_row=FIRST_ROW, max_col=len(keys), values_only=True):
        if row[0] is None:
            break
        found.append(dict(zip(keys, row, strict=True)))
    return found


PLAN_FUNCTIONS = (
    ("replicas", "MLSYS_REPLICAS"),
    ("ttft_p", "MLSYS_TTFT_P"),
    ("itl_p", "MLSYS_ITL_P"),
    ("utilization", "MLSYS_UTILIZATION"),
    ("load_tokens_per_replica", "MLSYS_TOKENS_PER_REPLICA"),
)


def _plan_args(s):
    """A Serving scenario's arguments of the MLSYS_* capacity functions."""
    return (
        s.model,
        s.hardware,
        s.peak_rps,
        s.prompt_tokens,
        s.output_tokens,
        s.ttft_target_ms,
        s.itl_target_ms,
        s.percentile,
        s.precision,
        s.tp,
    )


def _fleets(plan=None):
    """(fleet spec, grid id) of every TCO row, in order: serving rows, then training rows. A
    serving row is priced per accelerator as its node share (``api.pricing.node_share``, host
    included): a fleet of one-accelerator nodes at that price and power, for the engine's
    economics()."""
    scenarios = load_scenarios()
    catalog = mlsysim.load_catalog()
    found = []
    for s in scenarios.serving:
        hw = catalog.get("hardware", s.hardware).spec
        share = node_share(catalog, hw)
        node = NodeSpec(s.hardware, hw, 1, share.power, share.price)
        found.append(
            (
                FleetSpec(
                    s.hardware,
                    node,
                    s.tp * int(CALLABLES["MLSYS_REPLICAS"](*_plan_args(s))),
                    FabricSpec("none", 1.0, 1.0),
                ),
                s.region,
            )
        )
    found += [(catalog.get("fleet", t.fleet).spec, t.region) for t in scenarios.training]
    return found


def test_every_formula_cell_carries_a_value(plan):
    path, values, formulas = plan
    cells = formula_cells(formulas)
    cached = cached_values(path)
    assert len(cells) > 500 and set(cached) == set(cells)
    for key, text in cached.items():
        assert text is not None, key  # a value is stored (possibly the empty text of a spare row)
        assert not is_error_value(values[key[0]][key[1]].value), (key, text)


def test_first_tco_row_by_hand(plan):
    # The first scenario's replicas needed R (Serving sheet) x TP8 = 8R H100, each an eighth of an
    # H100_8 node: $400,000 / 8 = $50,000 and 10.2 kW / 8 = 1.275 kW. Purchase 8R x $50,000 =
    # $400,000R; CapEx for 1 of 4 amortisation years $100,000R. IT power 8R x 1.275 kW x 0.8 =
    # 8.16R kW; x 8,760 h x PUE 1.1 = 78,629.76R kWh; x $0.08/kWh = $6,290.3808R. Maintenance 5 % of
    # the purchase = $20,000R. TCO = $126,290.3808R.
    _, values, _ = plan
    replicas = _rows(values, "Serving", serving_sheet.columns())[0]["replicas"]
    units = 8 * replicas
    row = _rows(values, "TCO", tco_sheet.columns())[0]
    assert (row["item"], row["accelerators"], row["priced_as"]) == ("H100", units, "H100_8")
    assert (row["unit_price"], row["unit_power"]) == (50_000, pytest.approx(1.275, rel=1e-12))
    assert row["capex"] == pytest.approx(100_000 * replicas, rel=1e-12)
    assert row["energy"] == pytest.approx(78.62976 * replicas, rel=1e-12)
    assert row["energy_cost"] == pytest.approx(6_290.3808 * replicas, rel=1e-12)
    assert row["maintenance"] == pytest.approx(20_000 * replicas, rel=1e-12)
    assert row["tco"] == pytest.approx(126_290.3808 * replicas, rel=1e-12)
    assert row["per_accelerator_hour"] == pytest.approx(126_290.3808 * replicas / (units * 8760), rel=1e-12)


def test_native_tco_equals_the_engine(plan):
    _, values, _ = plan
    catalog = mlsysim.load_catalog()
    facility = catalog.get("datacenter", "hyperscale").spec
    rows = _rows(values, "TCO", tco_sheet.columns())
    fleets = _fleets(plan)
    assert len(rows) == len(fleets)
    for row, (fleet, region) in zip(rows, fleets, strict=True):
        grid = catalog.get("grid", region).spec
        e = economics(fleet, DAYS, grid.electricity_price, facility, catalog.assumptions)
        assert close(row["purchase"], e.purchase_price_usd)
        assert close(row["capex"], e.capex_usd)
        assert close(row["energy"], e.facility_energy / J_PER_MWH)
        assert close(row["it_power"], e.average_it_power / 1000)
        assert close(row["energy_cost"], e.energy_cost_usd)
        assert close(row["maintenance"], e.maintenance_usd)
        assert close(row["opex"], e.total_opex_usd)
        assert close(row["tco"], e.tco_usd)
        assert close(row["per_accelerator_hour"], e.cost_per_accelerator_hour)
    # training rows are catalog fleets: the seed facade gives the same numbers
    first_training = len(load_scenarios().serving)
    for row, t in zip(rows[first_training:], load_scenarios().training, strict=True):
        facade = EconomicsModel().solve(fleet=t.fleet, duration_days=DAYS, datacenter=t.region)
        assert close(row["tco"], facade["tco_usd"]) and close(row["capex"], facade["capex_usd"])


def test_native_carbon_equals_the_engine(plan):
    _, values, _ = plan
    catalog = mlsysim.load_catalog()
    facility = catalog.get("datacenter", "hyperscale").spec
    rows = _rows(values, "Carbon", carbon_sheet.columns())
    for row, (fleet, region) in zip(rows, _fleets(plan), strict=True):
        s = sustainability(fleet, DAYS, catalog.get("grid", region).spec, facility, catalog.assumptions)
        assert close(row["it_energy"], s.it_energy / J_PER_MWH)
        assert close(row["energy"], s.energy / J_PER_MWH)
        assert close(row["emissions"], s.carbon_footprint_kg / 1000)
        assert close(row["water"], s.water_usage_liters / 1000)
    t = load_scenarios().training[0]
    facade = SustainabilityModel().solve(fleet=t.fleet, duration_days=DAYS, datacenter=t.region)
    row = rows[len(load_scenarios().serving)]
    assert close(row["emissions"], facade["carbon_footprint_kg"].to("kg").magnitude / 1000)


def test_region_totals_on_the_regions_sheet(plan):
    _, values, _ = plan
    carbon = _rows(values, "Carbon", carbon_sheet.columns())
    regions = values["Regions"]
    first = len(schema("region").columns) + 2
    grids = mlsysim.load_catalog().ids("grid")
    for r, region in enumerate(grids, start=FIRST_ROW):
        assert regions.cell(r, 1).value == region
        here, everything = regions.cell(r, first).value, regions.cell(r, first + 1).value
        assert close(here, sum(c["emissions"] for c in carbon if c["region"] == region))
        grid = mlsysim.load_catalog().get("grid", region).spec
        # all IT energy x PUE 1.1 x intensity; kg/J x J/MWh = kg/MWh, / 1000 = t/MWh
        expected = sum(c["it_energy"] for c in carbon) * 1.1 * grid.carbon_intensity * J_PER_MWH / 1000
        assert close(everything, expected)
    assert regions.cell(FIRST_ROW + len(grids), first).value is None  # "": spare rows wait for a region


def test_engine_cells_equal_the_functions_called_with_ids(plan):
    _, values, _ = plan
    scenarios = load_scenarios()
    for row, s in zip(_rows(values, "Serving", serving_sheet.columns()), scenarios.serving, strict=True):
        args = (s.model, s.hardware, s.prompt_tokens, s.batch, s.precision, s.tp)
        for key, name in SERVING_FUNCTIONS:
            assert close(row[key], CALLABLES[name](*args), rel=1e-12), (s.name, key)
        assert row["fits"] == 1 and CALLABLES["MLSYS_FITS"](*args) is True
        plan_args = _plan_args(s)
        for key, name in PLAN_FUNCTIONS:
            assert close(row[key], CALLABLES[name](*plan_args), rel=1e-12), (s.name, key)
        assert row["plan_ok"] == 1 and row["limit"] == CALLABLES["MLSYS_LIMIT"](*plan_args)
        assert row["accelerators"] == s.tp * row["replicas"]
        assert close(row["tokens_total"], s.peak_rps * s.output_tokens)
        assert close(row["latency"], (row["ttft"] + s.output_tokens * row["itl"]) / 1000)
    for row, t in zip(_rows(values, "Training", training_sheet.columns()), scenarios.training, strict=True):
        accelerators = mlsysim.load_catalog().spec("fleet", t.fleet).accelerators
        micro = t.global_batch / (accelerators / (t.tp * t.pp)) / t.microbatch_size
        assert close(row["microbatches"], micro)
        args = (t.model, t.fleet, t.global_batch, t.tp, t.pp, micro, t.precision, None, t.seq_len)
        assert close(row["step_time"], CALLABLES["MLSYS_STEP_TIME"](*args), rel=1e-12)
        assert close(row["tokens_per_s"], CALLABLES["MLSYS_TRAIN_TOKENS_PER_S"](*args), rel=1e-12)
        # The run of the row's layout in its region, as the Python facade computes it.
        run = (
            mlsysim.TrainingRunModel()
            .solve(
                t.model,
                t.fleet,
                t.global_batch,
                t.seq_len,
                t.precision,
                tokens=t.tokens,
                tp_size=t.tp,
                pp_size=t.pp,
                microbatch_size=t.microbatch_size,
                datacenter=t.region,
            )
            .estimate
        )
        assert close(row["run_days"], run.run_days, rel=1e-12)
        assert close(row["accelerator_hours"], run.accelerator_hours, rel=1e-12)
        assert close(row["run_cost_usd"], run.cost_usd, rel=1e-12)
        assert close(row["energy_facility_mwh"], run.facility_energy / J_PER_MWH, rel=1e-12)
        assert close(row["carbon_t"], run.carbon_kg / 1000, rel=1e-12)
        assert close(row["failures"], run.expected_failures, rel=1e-12)
        best = mlsysim.ParallelismOptimizer().solve(t.model, t.fleet, t.global_batch, t.seq_len, t.precision)
        assert row["best_layout"] == best.best_layout
        assert Precision(t.precision)
    for row, r in zip(
        _rows(values, "Reliability", reliability_sheet.columns()), scenarios.reliability, strict=True
    ):
        assert close(row["mtbf"], CALLABLES["MLSYS_MTBF"](r.fleet), rel=1e-12)
        assert close(
            row["goodput"], CALLABLES["MLSYS_GOODPUT"](r.fleet, r.job_hours, r.checkpoint_s), rel=1e-12
        )


def test_cost_per_million_tokens_equals_the_engine(plan):
    """Serving rows: the engine's token prices (``token_cost_core``, input and output priced apart)
    of the peak traffic the capacity plan's accelerators carry, at the owned node-share cost rate
    ``CostPerTokenModel`` uses; training rows: TCO over the tokens trained in the period."""
    _, values, _ = plan
    catalog = mlsysim.load_catalog()
    tco = _rows(values, "TCO", tco_sheet.columns())
    serving = _rows(values, "Serving", serving_sheet.columns())
    scenarios = load_scenarios()
    for t, row, s in zip(tco, serving, scenarios.serving, strict=False):
        device = catalog.get("hardware", s.hardware).spec
        rate, basis, _ = accelerator_cost_rate(catalog, device, 1.0, datacenter=s.region)
        assert basis.startswith("owned")
        cost, share, per_million = planned_token_cost(row, s, rate, 1.0)  # rate: USD/s
        # tokens/s at the peak by hand: requests/s x (prompt + output)
        assert close(t["tokens_per_s"], s.peak_rps * (s.prompt_tokens + s.output_tokens))
        assert close(cost.tokens_per_s, t["tokens_per_s"]) and close(t["prefill_share"], share)
        for key, want in per_million.items():
            assert close(t[key], want), (s.name, key)
        assert close(t["per_accelerator_hour"], rate * 3600)
        # what the deployment costs is what its tokens cost: input and output prices add up
        spent = cost.input_tokens_per_s * cost.input_cost_per_token
        spent += cost.output_tokens_per_s * cost.output_cost_per_token
        assert close(spent, s.tp * row["replicas"] * rate)
    training = _rows(values, "Training", training_sheet.columns())
    for t, row in zip(tco[len(serving) :], training, strict=True):
        assert close(t["per_million_tokens"], t["tco"] / (row["tokens_per_s"] * DAYS * 86400 / 1e6))


def test_rent_vs_own_equals_the_engine(plan):
    """Each TCO row against its default offer (the cheapest on-demand one for the accelerator):
    RentVsOwnModel's NPVs, break-even utilisation, crossover and answer."""
    _, values, _ = plan
    catalog = mlsysim.load_catalog()
    rows = _rows(values, "TCO", tco_sheet.columns())
    scenarios = load_scenarios()
    nodes = [None] * len(scenarios.serving)
    nodes += [catalog.get("fleet", t.fleet).spec.node for t in scenarios.training]
    for row, node in zip(rows, nodes, strict=True):
        device = (
            catalog.get("fleet", row["item"]).accelerator.spec
            if node
            else catalog.get("hardware", row["item"]).spec
        )
        assert row["offer"] == cheapest(catalog, device, "on_demand").id and row["term"] == "on_demand"
        e = rent_vs_own(
            catalog,
            device,
            row["offer"],
            row["term"],
            1.0,
            row["accelerators"],
            node=node,
            datacenter=row["region"],
        )
        assert close(row["rent_rate"], e.rental_hour_usd)
        assert row["price_date"] == e.price_date
        assert close(row["own_npv"], e.own_npv_usd)
        assert close(row["rent_npv"], e.rent_npv_usd)
        assert close(row["breakeven"], e.breakeven_utilization)
        assert close(row["crossover"], e.crossover_months)
        assert close(row["running_month"], e.own_monthly_usd)
        assert row["cheaper"] == e.cheaper
        assert close(row["rent_cost"], e.rental_hour_usd * row["accelerators"] * DAYS * 24)


def test_checks_pass_and_summary(plan):
    path, values, _ = plan
    assert values["Checks"]["C4"].value is True
    about = {c.value for row in values["About"].iter_rows() for c in row}
    assert "SNAPSHOT" in about
    summary = summarize(path)
    assert summary.master_check is True and summary.period_days == 365
    assert [line.name for line in summary.serving] == [s.name for s in load_scenarios().serving]
    text = format_summary(summary, path)
    assert "master check OK" in text and "TCO USD/year" in text
    assert load_scenarios().reliability[0].name in text


def test_summary_rows_follow_the_detail_sheets(plan):
    """Each Summary row is its TCO row (same order) with links into the detail sheets: a serving
    row's binding limit is the capacity plan's (Serving ``limit``, MLSYS_LIMIT), its accelerators
    TP x replicas needed; the period is a year, so per-year figures equal the period's."""
    _, values, _ = plan
    summary = _rows(values, "Summary", summary_sheet.columns())
    tco = _rows(values, "TCO", tco_sheet.columns())
    carbon = _rows(values, "Carbon", carbon_sheet.columns())
    serving = _rows(values, "Serving", serving_sheet.columns())
    assert len(summary) == len(tco) == len(carbon)
    for row, t, c in zip(summary, tco, carbon, strict=True):
        assert (row["name"], row["item"], row["accelerators"]) == (t["name"], t["item"], t["accelerators"])
        assert close(row["usd_year"], t["tco"]) and close(row["co2_year"], c["emissions"])
        assert row["cheaper"] == t["cheaper"]
    for row, s in zip(summary, serving, strict=False):
        assert row["binding"] == s["limit"] and row["accelerators"] == s["tp"] * s["replicas"]
        assert isinstance(s["limit"], str) and s["limit"]
