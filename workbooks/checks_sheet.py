"""The Checks sheet: every check behind the master check, one per row, plus information flags.

A check counts problems (rows in error, catalog rows missing a required value) and passes at zero;
a check that itself cannot be evaluated fails (``IFERROR(..., FALSE)``). The master check (defined
name ``MasterCheck``, shown on every sheet) is the AND of all checks. Infeasible scenarios are
flagged with a count but do not fail it: "does not fit" is an answer, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlsysim.macros.sheet_schema import schema
from openpyxl.formatting.rule import CellIsRule

from . import names, prices_sheet, styles
from .catalog_sheets import CatalogSheet, column_name
from .layout import FIRST_ROW, GREEN, HEADER_ROW, RED, TITLE_ROW, master_check_colours, protect, put_text
from .names import MASTER_CHECK

WIDTHS = {"A": 58.0, "B": 12.0, "C": 10.0, "D": 90.0}


@dataclass(frozen=True, slots=True)
class Check:
    label: str
    count: str  # formula: the number of problems
    where: str


def _catalog_checks(catalog: CatalogSheet) -> list[Check]:
    """One check per required column (rows that have an ID but no value there) and, on a sheet
    that looks values up on another, one for rows whose key is not found there."""
    sheet = schema(catalog.kind)
    ids = column_name(catalog.kind, "id")
    checks = []
    lookups = [c for c in sheet.columns if c.lookup]
    if lookups:  # one looked-up column tells whether each row's accelerator is found
        first = lookups[0]
        checks.append(
            Check(
                f"{sheet.sheet}: rows whose accelerator is not on the {first.lookup} sheet",
                f'=SUMPRODUCT(({ids}<>"")*ISERROR({column_name(catalog.kind, first.key)}))',
                f"{sheet.sheet} sheet: the Accelerator must be an ID of the {first.lookup} sheet.",
            )
        )
    for column in sheet.columns:
        if column.required and column.key != "id" and not column.lookup:
            target = column_name(catalog.kind, column.key)
            checks.append(
                Check(
                    f"{sheet.sheet}: rows missing '{column.header}'",
                    f'=SUMPRODUCT(({ids}<>"")*({target}=""))',
                    f"{sheet.sheet} sheet: fill the empty cell, or clear the row's ID.",
                )
            )
    return checks


def checks(tables: dict[str, Any], catalogs: dict[str, CatalogSheet]) -> tuple[list[Check], list[Check]]:
    """(checks that make the master check, information flags)."""
    serving, training, reliability = tables["serving"], tables["training"], tables["reliability"]
    tco, carbon = tables["tco"], tables["carbon"]
    failing = [
        Check(
            "Serving scenarios in error",
            f"=SUM({serving.column_range('error')})",
            "Serving sheet, amber rows: read the engine cell's #MLSYS! message.",
        ),
        Check(
            "Training scenarios in error",
            f"=SUM({training.column_range('error')})",
            "Training sheet, amber rows.",
        ),
        Check(
            "Reliability scenarios in error",
            f"=SUM({reliability.column_range('error')})",
            "Reliability sheet, amber rows.",
        ),
        Check(
            "TCO rows missing catalog data (price, power, PUE, electricity price)",
            f"=SUM({tco.column_range('missing')})",
            "TCO sheet, amber rows: complete the catalog sheets.",
        ),
        Check(
            "Carbon rows missing catalog data (PUE, carbon intensity, WUE)",
            f"=SUM({carbon.column_range('missing')})",
            "Carbon sheet, amber rows: complete the Regions sheet.",
        ),
    ]
    for kind in ("hardware", "model", "fleet", "region"):
        failing += _catalog_checks(catalogs[kind])
    failing += _price_checks()
    flags = [
        Check(
            "Serving scenarios that do not fit in memory",
            f"=COUNTIFS({serving.column_range('fits')},0)",
            "Red rows on the Serving sheet: raise TP or lower the batch or precision.",
        ),
        Check(
            "Training runs that do not fit in memory",
            f"=COUNTIFS({training.column_range('fits')},0)",
            "Red rows on the Training sheet: raise TP/PP.",
        ),
        Check(
            "TCO rows with no usable rental price (term not listed, or the offer rents another accelerator)",
            f'=COUNTIFS({tco.column_range("rent_rate")},"no price")'
            f'+COUNTIFS({tco.column_range("rent_rate")},"other accelerator")',
            "TCO sheet, Rental offer and term: pick an offer of the row's accelerator with that term.",
        ),
        Check(
            "TCO rows where renting is cheaper than owning (NPV, at the row's utilisation)",
            f'=COUNTIFS({tco.column_range("cheaper")},"rent")',
            "TCO sheet: Break-even utilisation; Summary sheet.",
        ),
    ]
    return failing, flags


def _price_checks() -> list[Check]:
    """The Prices sheet: each offer names a Hardware row, says when its price was read, and no rate
    is negative (an empty rate is a term not listed)."""
    ids, accelerators = prices_sheet.column_name("id"), prices_sheet.column_name("accelerator")
    return [
        Check(
            "Prices: rows whose accelerator is not on the Hardware sheet",
            f'=SUMPRODUCT(({ids}<>"")*ISERROR(MATCH({accelerators},{column_name("hardware", "id")},0)))',
            "Prices sheet: the Accelerator must be an ID of the Hardware sheet.",
        ),
        Check(
            "Prices: rows missing 'Read on'",
            f'=SUMPRODUCT(({ids}<>"")*({prices_sheet.column_name("date_read")}=""))',
            "Prices sheet: every price says when it was read (YYYY-MM-DD).",
        ),
        Check(
            "Prices: negative rates",
            f'=COUNTIFS({prices_sheet.column_name("rates")},"<0")',
            "Prices sheet: a price is at least 0; leave a term that is not listed empty.",
        ),
    ]


def write_checks(workbook: Any, tables: dict[str, Any], catalogs: dict[str, CatalogSheet]) -> Any:
    ws = workbook.create_sheet("Checks")
    for column, width in WIDTHS.items():
        ws.column_dimensions[column].width = width
    ws.cell(TITLE_ROW, 1, "Checks").style = styles.TITLE.name
    ws.cell(TITLE_ROW, 2, "Master check").style = styles.LABEL.name
    ws.cell(TITLE_ROW, 3, f'=IF({MASTER_CHECK},"OK","FAILED: see below")').style = styles.CHECK.name
    master_check_colours(ws, f"C{TITLE_ROW}")
    put_text(
        ws.cell(2, 1),
        "Each check counts problems and passes at 0. The master check is the AND of all checks.",
    )
    ws.cell(2, 1).style = styles.LABEL.name
    for k, header in enumerate(("Check", "Problems", "Passes", "Where to look"), start=1):
        ws.cell(HEADER_ROW, k, header).style = styles.HEADER.name
    failing, flags = checks(tables, catalogs)
    master_row = FIRST_ROW
    first, last = master_row + 1, master_row + len(failing)
    _row(
        ws,
        master_row,
        "MASTER CHECK: all checks below pass",
        "",
        f"=AND(C{first}:C{last})",
        "Shown on every sheet.",
    )
    names.define(workbook, MASTER_CHECK, ws.title, f"C{master_row}")
    master_check_colours(ws, f"C{master_row}")
    for row, check in enumerate(failing, start=first):
        _row(ws, row, check.label, check.count, f"=IFERROR(B{row}=0,FALSE)", check.where)
    flag_header = last + 2
    for k, header in enumerate(
        ("Flag (information; does not fail the master check)", "Count", "", "Where"), 1
    ):
        ws.cell(flag_header, k, header).style = styles.HEADER.name
    for row, flag in enumerate(flags, start=flag_header + 1):
        _row(ws, row, flag.label, flag.count, "", flag.where)
    _colour_passes(ws, f"C{first}:C{last}")
    ws.freeze_panes = f"A{FIRST_ROW}"
    protect(ws)
    return ws


def _row(ws: Any, row: int, label: str, count: str, passes: str, where: str) -> None:
    put_text(ws.cell(row, 1), label)
    ws.cell(row, 1).style = styles.LABEL.name
    if count:
        ws.cell(row, 2, count).style = styles.FORMULA.name
        ws.cell(row, 2).number_format = styles.WHOLE
    if passes:
        ws.cell(row, 3, passes).style = styles.CHECK.name
    put_text(ws.cell(row, 4), where)
    ws.cell(row, 4).style = styles.LABEL.name


def _colour_passes(ws: Any, area: str) -> None:
    ws.conditional_formatting.add(area, CellIsRule(operator="equal", formula=["TRUE"], fill=GREEN))
    ws.conditional_formatting.add(area, CellIsRule(operator="notEqual", formula=["TRUE"], fill=RED))
