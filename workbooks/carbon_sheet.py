"""The Carbon sheet: energy, operational emissions and water per scenario and per region, in native
formulas over the Regions sheet.

Equations (The Green Grid WP#49 for PUE and WP#35 for WUE; the same as
``mlsysim.solvers.sustainability``), each column naming its energy basis (``mlsysim.solvers.power``):
IT energy = average IT power (node wall power at the row's utilisation, from the TCO sheet) × period;
facility energy = IT energy × PUE; emissions = facility energy × grid carbon intensity; water =
IT energy × WUE (WUE is defined per IT kWh). With energy in MWh and intensity in gCO2e/kWh,
MWh × g/kWh = kg, so tCO2e = MWh × g/kWh / 1000; MWh × L/kWh = m³.

On the Regions sheet, right of each region: the emissions planned there and what the whole plan
would emit if all of it ran there (IT energy × that region's PUE × its intensity).
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from . import styles
from .catalog_sheets import CatalogSheet, column_name
from .layout import AMBER, FIRST_ROW, HEADER_ROW, Col, Table
from .names import PERIOD_DAYS

NOTE = (
    "One row per TCO row (same order), all native formulas over the Regions sheet; emissions by "
    "region are on the Regions sheet, right of each region. Amber rows lack catalog data."
)


def _lookup(key: str, id_cell: str) -> str:
    return f"INDEX({column_name('region', key)},MATCH({id_cell},{column_name('region', 'id')},0))"


def columns() -> list[Col]:
    f, link = styles.FORMULA, styles.LINK
    return [
        Col("name", "Scenario", link, styles.TEXT, 36.0, "={src_name}"),
        Col("region", "Region (ID)", link, styles.TEXT, 12.0, "={src_region}"),
        Col(
            "it_power",
            "Average IT power: node wall power, no PUE (kW)",
            link,
            styles.KW,
            12.0,
            "={src_it_power}",
        ),
        Col(
            "it_energy",
            "IT energy: node wall power, no PUE (MWh)",
            f,
            styles.MWH,
            13.0,
            f"={{it_power}}*{PERIOD_DAYS}*24/1000",
        ),
        Col("pue", "PUE", f, styles.NUMBER, 8.0, "=" + _lookup("pue", "{region}")),
        Col("energy", "Facility energy = IT x PUE (MWh)", f, styles.MWH, 13.0, "={it_energy}*{pue}"),
        Col(
            "intensity",
            "Carbon intensity (gCO2e/kWh)",
            f,
            styles.NUMBER,
            12.0,
            "=" + _lookup("carbon_intensity", "{region}"),
        ),
        Col(
            "emissions",
            "Emissions: facility energy x intensity (tCO2e)",
            f,
            styles.TCO2E,
            14.0,
            "={energy}*{intensity}/1000",
        ),
        Col("wue", "WUE (L/kWh)", f, styles.NUMBER, 9.0, "=" + _lookup("wue", "{region}")),
        Col("water", "Water: IT energy x WUE (m³)", f, styles.M3, 12.0, "={it_energy}*{wue}"),
        Col(
            "missing",
            "Missing catalog data (1 = yes)",
            f,
            styles.FLAG,
            10.0,
            "=IF(AND({pue}>=1,{intensity}>0,{wue}>=0),0,1)",
        ),
    ]


TOTAL_HEADERS = ("Emissions planned here (tCO2e)", "Emissions if the whole plan ran here (tCO2e)")


def write_carbon(workbook: Any, tco: Table, regions: CatalogSheet) -> tuple[Table, tuple[int, int, int]]:
    """The Carbon sheet, and the per-region totals on the Regions sheet (returned as their first
    column, first row and last row of the regions there now, for the chart)."""
    table = Table(workbook, "Carbon", columns())
    table.frame("Carbon and water", NOTE, header_height=60.0)

    def links(index: int, row: int) -> dict[str, str]:
        src = FIRST_ROW + index
        return {
            "src_name": tco.cell_ref("name", src),
            "src_region": tco.cell_ref("region", src),
            "src_it_power": tco.cell_ref("it_power", src),
        }

    table.write([{}] * tco.rows, count=tco.rows, links=links)
    table.highlight_rows(f"${table.letter('missing')}{FIRST_ROW}=1", AMBER)
    table.protect()
    return table, _write_region_totals(table, regions)


def _write_region_totals(carbon: Table, regions: CatalogSheet) -> tuple[int, int, int]:
    """Two columns right of the Regions sheet's catalog block (outside the row the MLSYS_*
    functions read), on every data and spare row, so a region typed into a blank row gets its
    totals too: what is planned there (SUMIFS over the Carbon sheet) and what the whole plan would
    emit there (all IT energy × this region's PUE × its carbon intensity)."""
    ws, palette, sheet = regions.table.worksheet, regions.table.palette, regions.table
    first = len(sheet.columns) + 2
    for k, header in enumerate(TOTAL_HEADERS):
        ws.cell(HEADER_ROW, first + k, header).style = styles.HEADER.name
        ws.column_dimensions[get_column_letter(first + k)].width = 16.0
    emissions, where = carbon.column_range("emissions"), carbon.column_range("region")
    it_energy = carbon.column_range("it_energy")
    for row in range(FIRST_ROW, sheet.last_row + 1):
        region = f"${sheet.letter('id')}{row}"
        pue, intensity = f"{sheet.letter('pue')}{row}", f"{sheet.letter('carbon_intensity')}{row}"
        formulas = (
            f'=IF({region}="","",SUMIFS({emissions},{where},{region}))',
            f'=IF({region}="","",SUM({it_energy})*{pue}*{intensity}/1000)',
        )
        for k, formula in enumerate(formulas):
            palette.apply(ws.cell(row, first + k, formula), styles.FORMULA, styles.TCO2E)
    return first, FIRST_ROW, FIRST_ROW + regions.count - 1
