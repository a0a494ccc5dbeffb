"""One equation, one place: the TCO and Carbon sheets' native formulas give the engine's numbers over
a grid of inputs, not only the defaults. Each variant edits the About sheet's assumptions (WACC
positive, zero and negative; residual value; idle and average power; maintenance; amortisation;
period; host share), a region's electricity price and each TCO row's utilisation, rental offer,
term and node-share basis, recomputes headless, and compares every row with the engine's own
functions on the same inputs (economics, sustainability, the token-price core, rent_vs_own's
``compare``), to 1e-9 relative."""

from __future__ import annotations

import dataclasses
import math
import shutil
from typing import Any

import mlsysim
import mlsysim.workbooks as wb
import openpyxl
import pytest
from mlsysim.api.pricing import NodeShare, node_share, rental
from mlsysim.api.rent_vs_own import compare
from mlsysim.errors import MlsysimError
from mlsysim.macros.sheet_schema import schema
from mlsysim.solvers.economics import economics
from mlsysim.solvers.ownership import owned_cost_core
from mlsysim.solvers.sustainability import sustainability
from mlsysim.systems.types import FabricSpec, FleetSpec, NodeSpec
from mlsysim.workbooks import carbon_sheet, names, serving_sheet, tco_sheet
from mlsysim.workbooks.layout import FIRST_ROW
from wbtest_support import close, computed_plan, planned_token_cost

CATALOG = mlsysim.load_catalog()
J_PER_MWH = 3.6e9
KWH = 3.6e6
TERMS = ("on_demand", "reserved_1yr", "on_demand", "spot", "on_demand", "reserved_3yr")

# name on the About sheet -> Assumptions field
FIELDS = {
    names.DISCOUNT_RATE: "discount_rate",
    names.RESIDUAL_VALUE: "residual_value_fraction",
    names.IDLE_POWER_FRACTION: "idle_power_fraction",
    names.AVERAGE_POWER_FRACTION: "average_power_fraction",
    names.MAINTENANCE_FRACTION: "maintenance_fraction_per_year",
    names.AMORTIZATION_YEARS: "amortization_years",
    names.HOST_PRICE: "host_price_per_accelerator",
}
VARIANTS = [
    {
        "about": {names.DISCOUNT_RATE: 0.12, names.RESIDUAL_VALUE: 0.2, names.IDLE_POWER_FRACTION: 0.3,
                  names.AMORTIZATION_YEARS: 3, names.PERIOD_DAYS: 180},
        "kwh": {"US_Average": 0.12},
        "utilization": [0.3, 0.55, 0.8, 1.0, 0.45, 0.65, 0.9, 0.25, 0.7],
        "terms": TERMS,
        "offers": {},
        "host_share": set(),
    },
    {
        "about": {names.DISCOUNT_RATE: 0.0, names.RESIDUAL_VALUE: 0.0, names.IDLE_POWER_FRACTION: 0.1,
                  names.MAINTENANCE_FRACTION: 0.08, names.AVERAGE_POWER_FRACTION: 0.7, names.PERIOD_DAYS: 30},
        "kwh": {"Texas": 0.2},
        "utilization": [1.0, 0.2, 0.05, 0.6, 0.35, 0.95, 0.5, 0.75, 0.15],
        "terms": ("reserved_1yr", "on_demand", "on_demand", "spot", "on_demand"),
        "offers": {"H100": "AWS_p5_48xlarge", "A100": "AWS_p4d_24xlarge"},  # p4d rents A100 40GB
        "host_share": {0},  # the first row priced as its accelerator plus the host share
    },
    {
        "about": {names.DISCOUNT_RATE: -0.05, names.RESIDUAL_VALUE: 0.15, names.AMORTIZATION_YEARS: 5,
                  names.PERIOD_DAYS: 730, names.HOST_PRICE: 8000},
        "kwh": {},
        "utilization": [0.85, 0.4, 0.6, 0.1, 1.0, 0.3, 0.55, 0.9, 0.05],
        "terms": ("spot", "on_demand", "reserved_3yr", "on_demand", "on_demand", "reserved_1yr"),
        "offers": {"H100": "GCP_a3_highgpu_8g", "H200": "AWS_p5e_48xlarge", "B200": "cheapest"},
        "host_share": {1, 3},
    },
]  # fmt: skip


class _WithAssumptions:
    """The packaged catalog with edited assumptions, as the engine's functions read a catalog."""

    def __init__(self, catalog: Any, assumptions: Any) -> None:
        self._catalog, self.assumptions = catalog, assumptions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._catalog, name)


def _cell(book: Any, name: str) -> Any:
    sheet, coordinate = next(book.defined_names[name].destinations)
    return book[sheet][coordinate.replace("$", "")]


def _letters(columns) -> dict[str, str]:
    return {c.key: openpyxl.utils.get_column_letter(i) for i, c in enumerate(columns, start=1)}


def _edit(source, target, variant) -> list[dict]:
    """Write the variant into a copy of the plan; returns each TCO row's inputs."""
    shutil.copy(source, target)
    book = openpyxl.load_workbook(target)
    for name, value in variant["about"].items():
        _cell(book, name).value = value
    regions = book["Regions"]
    price_col = schema("region").index("electricity_price") + 1
    for row in range(FIRST_ROW, FIRST_ROW + 200):
        region = regions.cell(row, 1).value
        if region in variant["kwh"]:
            regions.cell(row, price_col).value = variant["kwh"][region]
    tco, letters = book["TCO"], _letters(tco_sheet.columns())
    inputs = []
    for k in range(200):
        row = FIRST_ROW + k
        if tco[f"A{row}"].value is None:
            break
        item = tco[f"{letters['item']}{row}"].value  # a link: the default plan's ids below
        inputs.append({"row": row})
        tco[f"{letters['utilization']}{row}"] = _utilization(variant, k)
        tco[f"{letters['term']}{row}"] = variant["terms"][k % len(variant["terms"])]
        if k in variant["host_share"]:
            tco[f"{letters['priced_as']}{row}"] = None
        inputs[-1]["formula_item"] = item
    for k, entry in enumerate(inputs):
        hw = _accelerator(k)
        if hw in variant["offers"]:
            offer = variant["offers"][hw]
            if offer == "cheapest":
                offer = mlsysim.prices.cheapest(CATALOG, hw, "on_demand").id
            tco[f"{letters['offer']}{entry['row']}"] = offer
    book.save(target)
    return inputs


def _utilization(variant: dict, k: int) -> float:
    return variant["utilization"][k % len(variant["utilization"])]


def _accelerator(k: int) -> str:
    plan = wb.load_scenarios()
    if k < len(plan.serving):
        return plan.serving[k].hardware
    return CATALOG.get("fleet", plan.training[k - len(plan.serving)].fleet).accelerator.id


def _rows(book, sheet, columns):
    keys = [c.key for c in columns]
    return [
        dict(zip(keys, r, strict=True))
        for r in book[sheet].iter_rows(min_row=FIRST_ROW, max_col=len(keys), values_only=True)
        if r[0] is not None
    ]


@pytest.fixture(scope="module", params=range(len(VARIANTS)), ids=["wacc12", "wacc0", "wacc-5"])
def variant(request, tmp_path_factory):
    spec = VARIANTS[request.param]
    path = tmp_path_factory.mktemp("grid") / "plan.xlsx"
    _edit(computed_plan(tmp_path_factory), path, spec)
    report = wb.recalc(path, in_place=True)
    assert not report.errors, report.errors[:3]
    return spec, openpyxl.load_workbook(path, data_only=True)


def _assumptions(spec, values):
    edits = {FIELDS[n]: float(v) for n, v in spec["about"].items() if n in FIELDS}
    return dataclasses.replace(CATALOG.assumptions, **edits)


def _expect_text(got, value):
    if isinstance(value, str):
        assert got == value
    elif value == math.inf:
        assert got == "never", got
    else:
        assert close(got, value), (got, value)


def test_native_formulas_equal_the_engine_over_the_grid(variant):
    spec, values = variant
    a = _assumptions(spec, values)
    catalog = _WithAssumptions(CATALOG, a)
    days = float(spec["about"].get(names.PERIOD_DAYS, 365))
    facility = CATALOG.get("datacenter", "hyperscale").spec
    tco = _rows(values, "TCO", tco_sheet.columns())
    carbon = _rows(values, "Carbon", carbon_sheet.columns())
    serving = _rows(values, "Serving", serving_sheet.columns())
    plan = wb.load_scenarios()
    checked = {"rent": 0, "text": 0, "never": 0}
    for k, (row, co2) in enumerate(zip(tco, carbon, strict=True)):
        u = _utilization(spec, k)
        assert row["utilization"] == u
        grid = CATALOG.get("grid", row["region"]).spec
        kwh = spec["kwh"].get(row["region"], grid.electricity_price * KWH)
        device = CATALOG.get("hardware", _accelerator(k)).spec
        if k in spec["host_share"]:
            share = NodeShare(
                device.price + a.host_price_per_accelerator, device.tdp + a.host_power_per_accelerator, "host"
            )
        elif k < len(plan.serving):
            share = node_share(catalog, device)
        else:
            fleet_spec = CATALOG.get("fleet", row["item"]).spec
            per_node, node_spec = fleet_spec.node.accelerators_per_node, fleet_spec.node
            share = NodeShare(node_spec.price / per_node, node_spec.node_power / per_node, "fleet")
        node = NodeSpec("share", device, 1, share.power, share.price)
        fleet = FleetSpec("share", node, row["accelerators"], FabricSpec("none", 1.0, 1.0))
        e = economics(fleet, days, kwh / KWH, facility, a, utilization=u)
        for key, want in (
            ("unit_price", share.price), ("unit_power", share.power / 1000),
            ("purchase", e.purchase_price_usd), ("capex", e.capex_usd),
            ("it_power", e.average_it_power / 1000),
            ("energy", e.facility_energy / J_PER_MWH), ("energy_cost", e.energy_cost_usd),
            ("maintenance", e.maintenance_usd), ("opex", e.total_opex_usd), ("tco", e.tco_usd),
            ("per_accelerator_hour", e.cost_per_accelerator_hour),
        ):  # fmt: skip
            assert close(row[key], want, 1e-9), (k, key, row[key], want)
        s = sustainability(fleet, days, grid, facility, a, utilization=u)
        assert close(co2["it_energy"], s.it_energy / J_PER_MWH, 1e-9)
        assert close(co2["energy"], s.facility_energy / J_PER_MWH, 1e-9)
        assert close(co2["emissions"], s.carbon_footprint_kg / 1000, 1e-9)
        assert close(co2["water"], s.water_usage_liters / 1000, 1e-9)
        if k < len(plan.serving):  # the engine's token prices at this utilisation
            sv, sc = serving[k], plan.serving[k]
            owned = owned_cost_core(
                price=share.price, power=share.power, electricity_price=kwh / KWH, pue=facility.pue,
                utilization=u, assumptions=a,
            )  # fmt: skip
            _, _, t = planned_token_cost(sv, sc, owned.total, u)
            if days <= 365 * a.amortization_years:  # the sheet's CapEx is capped past amortisation
                for key, want in t.items():
                    assert close(row[key], want, 1e-9), (k, key, row[key], want)
        try:
            rent = rental(catalog, device, row["offer"], row["term"])
        except MlsysimError:
            assert row["rent_rate"] in ("no price", "other accelerator"), (k, row["offer"], row["term"])
            for key in ("rent_cost", "rent_npv", "breakeven", "crossover", "cheaper"):
                assert row[key] == "n/a", (k, key, row[key])
            checked["text"] += 1
            continue
        r = compare(a, share, kwh / KWH, facility.pue, rent, u, row["accelerators"],
                    a.amortization_years, a.discount_rate, a.residual_value_fraction, 0.0, False)  # fmt: skip
        assert close(row["rent_rate"], r.rental_hour_usd, 1e-9) and row["price_date"] == r.price_date
        billed = 1.0 if rent.term.bills_idle else u
        assert close(row["rent_cost"], r.rental_hour_usd * row["accelerators"] * days * 24 * billed, 1e-9)
        assert close(row["running_month"], r.own_monthly_usd, 1e-9)
        assert close(row["own_npv"], r.own_npv_usd, 1e-9)
        assert close(row["rent_npv"], r.rent_npv_usd, 1e-9)
        _expect_text(row["breakeven"], r.breakeven_utilization)
        _expect_text(row["crossover"], r.crossover_months)
        assert row["cheaper"] == r.cheaper
        checked["rent"] += 1
        checked["never"] += r.crossover_months == math.inf
    assert checked["rent"] >= 4 and checked["text"] >= 1, checked
