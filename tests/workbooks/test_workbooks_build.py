"""The generated workbook read back with openpyxl (and its chart parts from the zip): sheets,
formulas, names, validations, styles, protection, charts, the About and Checks sheets."""

from __future__ import annotations

import os
import re
import zipfile
from xml.etree import ElementTree

import mlsysim
import mlsysim.workbooks as wb
import openpyxl
import pytest
from mlsysim.errors import InvalidInputError
from mlsysim.macros.registry import REGISTRY
from mlsysim.macros.sheet_schema import catalog_rows, schema
from mlsysim.workbooks import names
from mlsysim.workbooks.layout import FIRST_ROW, HEADER_ROW, SPARE_ROWS
from mlsysim.workbooks.portable import NATIVE, called_functions, lint
from openpyxl.formula.tokenizer import Token, Tokenizer
from wbtest_support import formula_cells

TABLE_SHEETS = (
    "Hardware",
    "Models",
    "Fleets",
    "Regions",
    "Serving",
    "Training",
    "TCO",
    "Carbon",
    "Reliability",
)
TRICKY_NAMES = ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("built")
    records = [
        {"name": name, "model": "Llama3_8B", "hardware": "H100", "region": "Quebec"} for name in TRICKY_NAMES
    ]
    records += [{"sheet": "training", "name": "t", "model": "Llama3_8B", "fleet": "H100_64", "tp": 2}]
    records += [{"sheet": "reliability", "name": "r", "fleet": "H100_64"}]
    path = wb.build(folder / "plan.xlsx", scenarios=records)
    return path, openpyxl.load_workbook(path)


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    path = wb.build(tmp_path_factory.mktemp("default") / "plan.xlsx")
    return path, openpyxl.load_workbook(path)


def _column(ws, header_prefix: str) -> str:
    for cell in ws[HEADER_ROW]:
        if isinstance(cell.value, str) and cell.value.startswith(header_prefix):
            return cell.column_letter
    raise AssertionError(f"{ws.title}: no column {header_prefix!r}")


def test_sheets_in_order(default):
    _, book = default
    assert tuple(book.sheetnames) == wb.SHEETS
    assert book.sheetnames[:13] == [
        "About", "Summary", "Hardware", "Models", "Fleets", "Regions", "Prices", "Serving",
        "Training", "TCO", "Carbon", "Reliability", "Checks",
    ]  # fmt: skip
    conf = book["xlwings.conf"]
    assert (conf["A1"].value, conf["B1"].value) == ("UDF Modules", "mlsysim.macros.xlwings_udfs")


def test_every_formula_is_in_the_portable_subset(default, built):
    for _, book in (default, built):
        assert lint(book) == []
    # the linter itself: a call outside the subset is found, a function name inside text is not
    probe = openpyxl.Workbook()
    probe.active["A1"] = "=VLOOKUP(1,B1:C2,2,FALSE)+SUM(1)"
    probe.active["A2"] = '=IF(TODAY()>1,"SUM(","x")'
    probe.active["A3"] = '="VLOOKUP(" & "x"'
    assert sorted(f.function for f in lint(probe)) == ["TODAY", "VLOOKUP"]
    assert called_functions('=IF(A1,"MAX(",MLSYS_TTFT(1))') == ["IF", "MLSYS_TTFT"]
    assert "VLOOKUP" not in NATIVE


def test_every_name_a_formula_uses_is_defined(default):
    _, book = default
    defined = set(book.defined_names)
    cell = re.compile(r"^('?[^!]+'?!)?\$?[A-Z]{1,3}\$?\d+(:\$?[A-Z]{1,3}\$?\d+)?$")
    for (sheet, coordinate), formula in formula_cells(book).items():
        for token in Tokenizer(formula).items:
            if token.type == Token.OPERAND and token.subtype == Token.RANGE and not cell.match(token.value):
                assert token.value in defined, f"{sheet}!{coordinate}: {token.value} in {formula}"


def test_mlsys_calls_match_the_registry(default):
    _, book = default
    calls = 0
    for formula in formula_cells(book).values():
        for name in called_functions(formula):
            if name.startswith("MLSYS_"):
                assert name in REGISTRY
                calls += 1
    assert calls > 0
    ws = book["Serving"]
    ttft = ws[f"{_column(ws, 'TTFT, static')}{FIRST_ROW}"].value
    # model row, hardware row, prompt, batch, precision, tp: the registry's argument order
    assert ttft == "=MLSYS_TTFT(INDEX(Models_table,N4,0),INDEX(Hardware_table,O4,0),F4,H4,D4,E4)"


def test_defined_names(default):
    _, book = default
    a = mlsysim.load_catalog().assumptions
    expected = {
        names.AMORTIZATION_YEARS: a.amortization_years,
        names.MAINTENANCE_FRACTION: a.maintenance_fraction_per_year,
        names.AVERAGE_POWER_FRACTION: a.average_power_fraction,
        names.PERIOD_DAYS: 365,
        names.DAYS_PER_YEAR: 365,
    }
    for name, value in expected.items():
        sheet, coordinate = next(book.defined_names[name].destinations)
        assert (sheet, book[sheet][coordinate.replace("$", "")].value) == ("About", value)
    assert book.defined_names[names.MASTER_CHECK].attr_text == "'Checks'!$C$4"
    n = len(catalog_rows("hardware"))
    last = FIRST_ROW + n + SPARE_ROWS - 1
    assert book.defined_names[
        "Hardware_price"
    ].attr_text == f"'Hardware'!${_column(book['Hardware'], 'Price')}$4:$" + (
        f"{_column(book['Hardware'], 'Price')}${last}"
    )
    assert book.defined_names["Hardware_table"].attr_text.endswith(f"${last}")


def test_dropdowns_from_the_catalog_sheets(default):
    _, book = default
    expected = {
        "Serving": {
            "Model": "Models_id",
            "Hardware": "Hardware_id",
            "Region": "Regions_id",
            "Precision": '"fp64,',
        },
        "Training": {
            "Model": "Models_id",
            "Fleet": "Fleets_id",
            "Region": "Regions_id",
            "Precision": '"fp64,',
        },
        "Reliability": {"Fleet": "Fleets_id"},
    }
    for sheet, columns in expected.items():
        ws = book[sheet]
        lists = {
            str(v.sqref).split(":")[0][:-1]: v.formula1
            for v in ws.data_validations.dataValidation
            if v.type == "list"
        }
        for header, source in columns.items():
            letter = _column(ws, header)
            assert lists[letter].startswith(source), (sheet, header, lists[letter])
        whole = [v for v in ws.data_validations.dataValidation if v.type in ("whole", "decimal")]
        assert whole and all(v.showErrorMessage for v in whole)
    spans = {str(v.sqref) for v in book["Serving"].data_validations.dataValidation}
    rows = len(wb.load_scenarios().serving)
    assert f"C4:C{FIRST_ROW + rows + SPARE_ROWS - 1}" in spans  # the spare rows have dropdowns too


def test_styles_protection_freeze_and_formats(default):
    _, book = default
    for ws in book.worksheets:
        assert ws.protection.sheet and not ws.protection.password, ws.title
    for title in TABLE_SHEETS:
        assert book[title].freeze_panes == f"B{FIRST_ROW}", title
    ws = book["Serving"]
    for coordinate in ("A4", "B4", "C4", "E4", "J4"):
        assert ws[coordinate].style == "mlsys Input" and ws[coordinate].protection.locked is False
    engine = ws[f"{_column(ws, 'TTFT, static')}4"]
    assert engine.style == "mlsys Engine" and engine.protection.locked is True
    assert engine.number_format.endswith('" ms"')
    native = book["TCO"][f"{_column(book['TCO'], 'TCO for')}4"]
    assert (
        native.style == "mlsys Formula"
        and native.protection.locked
        and native.number_format.startswith('"$"')
    )
    assert book["TCO"][f"{_column(book['TCO'], 'Scenario')}4"].style == "mlsys Link"
    spare = FIRST_ROW + len(wb.load_scenarios().serving) + 5
    assert ws[f"B{spare}"].style == "mlsys Input" and ws[f"B{spare}"].protection.locked is False
    for cell in ws[HEADER_ROW]:
        assert cell.style == "mlsys Header" and cell.protection.locked
    assert book["Hardware"]["A4"].protection.locked is False  # the catalog sheets are inputs
    fleets = book["Fleets"]
    assert fleets[f"{_column(fleets, 'Accelerator price')}4"].protection.locked is True  # looked up
    assert {s.name for s in book._named_styles} >= {
        "mlsys Input",
        "mlsys Formula",
        "mlsys Engine",
        "mlsys Check",
    }


def test_master_check_on_every_sheet_and_checks_sheet(default):
    _, book = default
    for title in wb.SHEETS[:11]:
        assert "MasterCheck" in book[title]["C1"].value, title
    checks = book["Checks"]
    assert checks["C4"].value.startswith("=AND(C5:C")
    labels = [checks.cell(r, 1).value for r in range(5, checks.max_row + 1)]
    assert "Serving scenarios in error" in labels
    assert "Hardware: rows missing 'TDP (W)'" in labels
    assert "Serving scenarios that do not fit in memory" in labels
    assert "Fleets: rows whose accelerator is not on the Hardware sheet" in labels
    assert "Fleets: rows missing 'Node power (kW)'" in labels


def test_infeasible_and_error_rows_are_highlighted(default):
    _, book = default
    ws = book["Serving"]
    rules = [r.formula[0] for rs in ws.conditional_formatting._cf_rules.values() for r in rs]
    fits = _column(ws, "Fits")
    assert f'AND(${fits}4<>"",${fits}4=0)' in rules
    assert f"${_column(ws, 'Error')}4=1" in rules
    assert f"${_column(book['TCO'], 'Missing')}4=1" in [
        r.formula[0] for rs in book["TCO"].conditional_formatting._cf_rules.values() for r in rs
    ]


def test_catalog_sheets_hold_the_packaged_catalog(default):
    _, book = default
    for kind in ("hardware", "model", "fleet", "region"):
        sheet = schema(kind)
        ws = book[sheet.sheet]
        assert tuple(c.value for c in ws[HEADER_ROW])[: len(sheet.headers)] == sheet.headers
        for offset, row in enumerate(catalog_rows(kind)):
            for column, (spec, value) in enumerate(zip(sheet.columns, row, strict=True), start=1):
                cell = ws.cell(FIRST_ROW + offset, column)
                if spec.lookup:
                    assert cell.value.startswith("=IF(INDEX(Hardware_"), cell.coordinate
                else:
                    assert cell.value == value, (sheet.sheet, cell.coordinate)


def test_text_that_looks_like_a_formula_stays_text(built):
    _, book = built
    ws = book["Serving"]
    for offset, name in enumerate(TRICKY_NAMES):
        cell = ws.cell(FIRST_ROW + offset, 1)
        assert (cell.value, cell.data_type) == (name, "s")
    assert lint(book) == []


def test_charts(default):
    path, _ = default
    with zipfile.ZipFile(path) as z:
        charts = [ElementTree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("xl/charts/chart")]
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}

    def find(title_part):
        for chart in charts:
            texts = "".join(
                t.text or "" for t in chart.iter("{http://schemas.openxmlformats.org/drawingml/2006/main}t")
            )
            if title_part in texts:
                return chart
        raise AssertionError(title_part)

    tco = find("TCO for the period")
    assert tco.find(".//c:barChart/c:grouping", ns).get("val") == "stacked"
    refs = [f.text for f in tco.findall(".//c:ser/c:val/c:numRef/c:f", ns)]
    assert len(refs) == 3 and all(r.startswith("'TCO'!$") for r in refs)
    assert tco.find(".//c:ser/c:cat/c:strRef/c:f", ns).text.startswith("'TCO'!$A$4")
    carbon = find("Emissions by region")
    # from the per-region totals right of each region on the Regions sheet
    sources = [f.text.split("!")[0] for f in carbon.findall(".//c:ser/c:val/c:numRef/c:f", ns)]
    assert sources == ["'Regions'"] * 2
    latency = find("TTFT and ITL")
    assert latency.find(".//c:barChart", ns) is not None and latency.find(".//c:lineChart", ns) is not None


def test_about_sheet(default, tmp_path):
    _, book = default
    ws = book["About"]
    text = {str(c.value) for row in ws.iter_rows() for c in row if c.value is not None}
    assert f"mlsysim {mlsysim.__version__}" in text
    assert "NOT COMPUTED" in text  # build() alone computes nothing
    assert set(REGISTRY) <= text  # every MLSYS_* function is listed
    assert any("mlsysim recalc" in t for t in text) and any("xlwings" in t for t in text)
    _, coordinate = next(book.defined_names[names.CATALOG_VERSION].destinations)
    assert re.fullmatch(
        r"sources read up to \d{4}-\d\d-\d\d, sha256 [0-9a-f]{12}",
        ws[coordinate.strip("$").replace("$", "")].value,
    )
    from datetime import UTC, datetime

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    computed = wb.build_workbook(computed_at=when)
    about = computed["About"]
    values = {str(c.value) for row in about.iter_rows() for c in row if c.value is not None}
    assert {"SNAPSHOT", "2026-01-02 03:04:05 UTC"} <= values
    assert computed.calculation.fullCalcOnLoad is False and book.calculation.fullCalcOnLoad is True


def test_build_writes_atomically_and_never_overwrites(tmp_path):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"keep me")
    with pytest.raises(InvalidInputError, match="exists"):
        wb.build(target)
    assert target.read_bytes() == b"keep me"
    with pytest.raises(InvalidInputError, match=r"\.xlsx"):
        wb.build(tmp_path / "plan.xls")
    wb.build(target, overwrite=True, scenarios=[{"model": "Llama3_8B", "hardware": "A100"}])
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temporary file left
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # as any new file, not private
