"""The TCO sheet: total cost of ownership per scenario in native formulas a finance reviewer audits.

Equations (Barroso, Hölzle & Ranganathan 2018, *The Datacenter as a Computer*, ch. 6; the same as
``mlsysim.solvers.economics``):

- purchase = units × unit price; CapEx for the period = purchase × MIN(period / year, A) / A,
  straight-line over A = ``AmortizationYears`` and nothing once paid off;
- average IT power = units × power per unit × ``AveragePowerFraction``; facility energy =
  IT power × period × PUE; energy cost = facility energy × electricity price;
- maintenance = purchase × ``MaintenanceFractionPerYear`` × period / year;
- TCO = CapEx + energy cost + maintenance; $/accelerator-hour = TCO / (accelerators × hours);
  $/million tokens = TCO / (throughput × seconds / 10⁶).

A serving row prices its accelerators alone (Hardware sheet: price and TDP); a training row prices
whole nodes of its fleet (Fleets sheet: node price and node power), exactly as the engine's
``EconomicsModel`` does for a fleet.
"""

from __future__ import annotations

from typing import Any

from . import styles
from .catalog_sheets import column_name
from .layout import AMBER, FIRST_ROW, Col, Table
from .names import (
    AMORTIZATION_YEARS,
    AVERAGE_POWER_FRACTION,
    DAYS_PER_YEAR,
    MAINTENANCE_FRACTION,
    PERIOD_DAYS,
)

NOTE = (
    "One row per Serving and Training scenario, all native formulas over the catalog sheets and the "
    f"assumptions on the About sheet ({PERIOD_DAYS}, {AMORTIZATION_YEARS}, ...). "
    "Amber rows lack catalog data."
)


def _lookup(kind: str, key: str, id_cell: str) -> str:
    return f"INDEX({column_name(kind, key)},MATCH({id_cell},{column_name(kind, 'id')},0))"


def columns() -> list[Col]:
    f, link, label = styles.FORMULA, styles.LINK, styles.LABEL
    return [
        Col("name", "Scenario", link, styles.TEXT, 36.0, "={src_name}"),
        Col("basis", "Sheet", label, styles.TEXT, 9.0),
        Col("item", "Hardware or fleet (ID)", link, styles.TEXT, 14.0, "={src_item}"),
        Col("region", "Region (ID)", link, styles.TEXT, 12.0, "={src_region}"),
        Col("accelerators", "Accelerators", link, styles.WHOLE, 11.0, "={src_accelerators}"),
        Col("units", "Units priced", f, styles.WHOLE, 9.0, "={units_expr}"),
        Col("unit_kind", "Unit", label, styles.TEXT, 11.0),
        Col("unit_price", "Unit price (USD)", f, styles.USD, 12.0, "={price_expr}"),
        Col("purchase", "Purchase price (USD)", f, styles.USD, 14.0, "={units}*{unit_price}"),
        Col("amortization", "Amortisation (years)", f, styles.NUMBER, 11.0, f"={AMORTIZATION_YEARS}"),
        Col(
            "capex",
            "CapEx for the period (USD)",
            f,
            styles.USD,
            14.0,
            f"={{purchase}}*MIN({PERIOD_DAYS}/{DAYS_PER_YEAR},{{amortization}})/{{amortization}}",
        ),
        Col("unit_power", "Power per unit (kW)", f, styles.KW, 11.0, "={power_expr}"),
        Col(
            "it_power",
            "Average IT power (kW)",
            f,
            styles.KW,
            12.0,
            f"={{units}}*{{unit_power}}*{AVERAGE_POWER_FRACTION}",
        ),
        Col("pue", "PUE", f, styles.NUMBER, 8.0, "=" + _lookup("region", "pue", "{region}")),
        Col(
            "kwh_price",
            "Electricity price (USD/kWh)",
            f,
            styles.USD_PRECISE,
            11.0,
            "=" + _lookup("region", "electricity_price", "{region}"),
        ),
        Col(
            "energy",
            "Facility energy (MWh)",
            f,
            styles.MWH,
            13.0,
            f"={{it_power}}*{PERIOD_DAYS}*24*{{pue}}/1000",
        ),
        Col("energy_cost", "Energy cost (USD)", f, styles.USD, 13.0, "={energy}*1000*{kwh_price}"),
        Col(
            "maintenance",
            "Maintenance (USD)",
            f,
            styles.USD,
            13.0,
            f"={{purchase}}*{MAINTENANCE_FRACTION}*{PERIOD_DAYS}/{DAYS_PER_YEAR}",
        ),
        Col("opex", "OpEx (USD)", f, styles.USD, 13.0, "={energy_cost}+{maintenance}"),
        Col("tco", "TCO for the period (USD)", f, styles.USD, 14.0, "={capex}+{opex}"),
        Col(
            "per_accelerator_hour",
            "Cost per accelerator-hour (USD)",
            f,
            styles.USD_CENTS,
            13.0,
            f"={{tco}}/({{accelerators}}*{PERIOD_DAYS}*24)",
        ),
        Col("tokens_per_s", "Throughput (tokens/s)", link, styles.TOKENS_S, 13.0, "={src_tokens}"),
        Col(
            "per_million_tokens",
            "Cost per million tokens at this throughput all period (USD)",
            f,
            styles.USD_PRECISE,
            13.0,
            f'=IFERROR({{tco}}/({{tokens_per_s}}*{PERIOD_DAYS}*86400/1000000),"n/a")',
        ),
        Col(
            "missing",
            "Missing catalog data (1 = yes)",
            f,
            styles.FLAG,
            10.0,
            "=IF(AND({unit_price}>0,{unit_power}>0,{pue}>=1,{kwh_price}>0),0,1)",
        ),
    ]


def _links(serving: Table, training: Table, tco: Table):
    """Per-row placeholders: the source scenario's cells and the basis-specific look-ups."""

    def links(index: int, row: int) -> dict[str, str]:
        item = f"{tco.letter('item')}{row}"
        if index < serving.rows:
            src, src_row = serving, FIRST_ROW + index
            out = {
                "src_item": serving.cell_ref("hardware", src_row),
                "src_tokens": serving.cell_ref("tokens_total", src_row),
                "units_expr": f"{tco.letter('accelerators')}{row}",
                "price_expr": _lookup("hardware", "price", item),
                "power_expr": _lookup("hardware", "tdp", item) + "/1000",
            }
        else:
            src, src_row = training, FIRST_ROW + index - serving.rows
            out = {
                "src_item": training.cell_ref("fleet", src_row),
                "src_tokens": training.cell_ref("tokens_per_s", src_row),
                "units_expr": _lookup("fleet", "nodes", item),
                "price_expr": _lookup("fleet", "node_price", item),
                "power_expr": _lookup("fleet", "node_power", item),
            }
        out["src_name"] = src.cell_ref("name", src_row)
        out["src_region"] = src.cell_ref("region", src_row)
        out["src_accelerators"] = src.cell_ref("accelerators", src_row)
        return out

    return links


def write_tco(workbook: Any, serving: Table, training: Table) -> Table:
    table = Table(workbook, "TCO", columns())
    table.frame("Total cost of ownership", NOTE, header_height=60.0)
    records = [{"basis": "Serving", "unit_kind": "accelerator"}] * serving.rows
    records += [{"basis": "Training", "unit_kind": "node"}] * training.rows
    table.write(records, count=len(records), links=_links(serving, training, table))
    table.highlight_rows(f"${table.letter('missing')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table
