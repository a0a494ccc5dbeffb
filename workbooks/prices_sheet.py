"""The Prices sheet: the catalog's cloud rental offers, one per row, USD per accelerator-hour by term.

Like the catalog sheets it is this workbook's own data: edit a price or add an offer in the blank
rows below and the TCO sheet's rent-versus-own columns follow. Each column has a defined name over
the data and spare rows (``Prices_id``, ``Prices_date_read``...); ``Prices_rates`` is the block of
the four term columns and ``RentalTerms`` the term keys written above them (row 2), so a formula
picks a rate with ``INDEX(Prices_rates, MATCH(offer, Prices_id, 0), MATCH(term, RentalTerms, 0))``.
An empty rate is a term the source does not list: a price that is not there, never $0.
"""

from __future__ import annotations

from typing import Any

from mlsysim.macros.sheet_export import sheet_value
from mlsysim.prices import SECONDS_PER_HOUR, Term
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName

from . import styles
from .layout import FIRST_ROW, NOTE_ROW, Col, Table, put_text
from .names import RENTAL_TERMS

SHEET = "Prices"
NOTE = "Rental offers, USD per accelerator-hour by term; empty: not listed (never $0). Check 'Read on'."
TERMS = tuple(Term)
USD_HOUR = '"$"#,##0.000'


def columns() -> list[Col]:
    i = styles.INPUT
    return [
        Col("id", "ID", i, styles.TEXT, 22.0),
        Col("name", "Name", i, styles.TEXT, 34.0),
        Col("provider", "Provider", i, styles.TEXT, 11.0),
        Col("instance", "Instance type", i, styles.TEXT, 18.0),
        Col("region", "Region", i, styles.TEXT, 11.0),
        Col("accelerator", "Accelerator (Hardware ID)", i, styles.TEXT, 12.0),
        Col("accelerators_per_instance", "Accelerators per instance", i, styles.WHOLE, 11.0),
        *(
            Col(t.value, f"{t.label.capitalize()} (USD per accelerator-hour)", i, USD_HOUR, 12.0)
            for t in TERMS
        ),
        Col("date_read", "Read on (YYYY-MM-DD)", i, styles.TEXT, 11.0),
        Col("source", "Source", i, styles.TEXT, 30.0),
    ]


def column_name(key: str) -> str:
    return f"{SHEET}_{key}"


def _record(entry: Any) -> dict[str, Any]:
    spec = entry.spec
    record: dict[str, Any] = {
        "id": entry.id,
        "name": entry.name,
        "provider": spec.provider,
        "instance": spec.instance,
        "region": spec.region,
        "accelerator": entry.accelerator.id,
        "accelerators_per_instance": spec.accelerators_per_instance,
        "date_read": spec.date_read,
        "source": "; ".join(sorted({m.source.id for m in entry.provenance.values()})),
    }
    for term, rate in spec.rates.items():
        record[term.value] = sheet_value(rate, 1.0 / SECONDS_PER_HOUR)
    if entry.origin != "packaged":
        record["source"] = f"user catalog {entry.origin}: {record['source']}"
    return record


def write_prices(workbook: Any, catalog: Any) -> Table:
    table = Table(workbook, SHEET, columns())
    table.frame("Cloud rental prices", NOTE, header_height=60.0)
    entries = list(catalog.entries["price"].values())
    table.write((_record(e) for e in entries), count=len(entries))
    ws = table.worksheet
    first = table.columns.index(next(c for c in table.columns if c.key == TERMS[0].value)) + 1
    for k, term in enumerate(TERMS):
        cell = ws.cell(NOTE_ROW, first + k)
        put_text(cell, term.value)
        cell.style = styles.LABEL.name
    for column in table.columns:
        _define(workbook, column_name(column.key), table.column_range(column.key))
    left, right = get_column_letter(first), get_column_letter(first + len(TERMS) - 1)
    _define(workbook, column_name("rates"), f"'{SHEET}'!${left}${FIRST_ROW}:${right}${table.last_row}")
    _define(workbook, RENTAL_TERMS, f"'{SHEET}'!${left}${NOTE_ROW}:${right}${NOTE_ROW}")
    table.dropdown("accelerator", "Hardware_id", "an ID from the Hardware sheet")
    table.protect()
    return table


def _define(workbook: Any, name: str, target: str) -> None:
    workbook.defined_names[name] = DefinedName(name, attr_text=target)
