"""The Carbon sheet: energy, operational emissions and water per scenario and per region, in native
formulas over the Regions sheet.

Equations (The Green Grid WP#49 for PUE and WP#35 for WUE; the same as
``mlsysim.solvers.sustainability``): IT energy = average IT power (from the TCO sheet) × period;
facility energy = IT energy × PUE; emissions = facility energy × grid carbon intensity; water =
IT energy × WUE (WUE is defined per IT kWh). With energy in MWh and intensity in gCO2e/kWh,
MWh × g/kWh = kg, so tCO2e = MWh × g/kWh / 1000; MWh × L/kWh = m³.

To the right, every region of the Regions sheet: the emissions planned there and what the whole
plan would emit if all of it ran there (IT energy × that region's PUE × its intensity).
"""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter

from . import styles
from .catalog_sheets import CatalogSheet, column_name
from .layout import AMBER, FIRST_ROW, HEADER_ROW, Col, Table, put_text
from .names import PERIOD_DAYS

NOTE = (
    "One row per TCO row (same order), all native formulas over the Regions sheet; to the right, the "
    "emissions by region. Amber rows lack catalog data."
)


def _lookup(key: str, id_cell: str) -> str:
    return f"INDEX({column_name('region', key)},MATCH({id_cell},{column_name('region', 'id')},0))"


def columns() -> list[Col]:
    f, link = styles.FORMULA, styles.LINK
    return [
        Col("name", "Scenario", link, styles.TEXT, 36.0, "={src_name}"),
        Col("region", "Region (ID)", link, styles.TEXT, 12.0, "={src_region}"),
        Col("it_power", "Average IT power (kW)", link, styles.KW, 12.0, "={src_it_power}"),
        Col("it_energy", "IT energy (MWh)", f, styles.MWH, 13.0, f"={{it_power}}*{PERIOD_DAYS}*24/1000"),
        Col("pue", "PUE", f, styles.NUMBER, 8.0, "=" + _lookup("pue", "{region}")),
        Col("energy", "Facility energy (MWh)", f, styles.MWH, 13.0, "={it_energy}*{pue}"),
        Col(
            "intensity",
            "Carbon intensity (gCO2e/kWh)",
            f,
            styles.NUMBER,
            12.0,
            "=" + _lookup("carbon_intensity", "{region}"),
        ),
        Col("emissions", "Emissions (tCO2e)", f, styles.TCO2E, 14.0, "={energy}*{intensity}/1000"),
        Col("wue", "WUE (L/kWh)", f, styles.NUMBER, 9.0, "=" + _lookup("wue", "{region}")),
        Col("water", "Water (m³)", f, styles.M3, 12.0, "={it_energy}*{wue}"),
        Col(
            "missing",
            "Missing catalog data (1 = yes)",
            f,
            styles.FLAG,
            10.0,
            "=IF(AND({pue}>=1,{intensity}>0,{wue}>=0),0,1)",
        ),
    ]


SUMMARY_HEADERS = ("Region", "Emissions planned here (tCO2e)", "Emissions if the whole plan ran here (tCO2e)")


def write_carbon(workbook: Any, tco: Table, regions: CatalogSheet) -> tuple[Table, tuple[int, int, int]]:
    """The Carbon sheet; also returns the summary block's (first column, first row, last row)."""
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
    block = _write_summary(table, regions)
    table.protect()
    return table, block


def _write_summary(table: Table, regions: CatalogSheet) -> tuple[int, int, int]:
    ws, palette = table.worksheet, table.palette
    first = len(table.columns) + 2
    letters = [get_column_letter(first + k) for k in range(3)]
    for k, header in enumerate(SUMMARY_HEADERS):
        cell = ws.cell(HEADER_ROW, first + k, header)
        cell.style = styles.HEADER.name
        ws.column_dimensions[letters[k]].width = 16.0 if k else 14.0
    emissions, where = table.column_range("emissions"), table.column_range("region")
    it_energy = table.column_range("it_energy")
    source = regions.table
    for index in range(regions.count):
        row = FIRST_ROW + index
        region = f"{letters[0]}{row}"
        cells = (
            (f"={source.cell_ref('id', FIRST_ROW + index)}", styles.LINK, styles.TEXT),
            (f"=SUMIFS({emissions},{where},{region})", styles.FORMULA, styles.TCO2E),
            (
                f"=SUM({it_energy})*{_lookup('pue', region)}*{_lookup('carbon_intensity', region)}/1000",
                styles.FORMULA,
                styles.TCO2E,
            ),
        )
        for k, (formula, role, fmt) in enumerate(cells):
            palette.apply(ws.cell(row, first + k, formula), role, fmt)
    note = ws.cell(FIRST_ROW + regions.count, first)
    put_text(note, "Regions added later: extend this block by copying its last row down.")
    note.style = styles.LABEL.name
    return first, FIRST_ROW, FIRST_ROW + regions.count - 1
