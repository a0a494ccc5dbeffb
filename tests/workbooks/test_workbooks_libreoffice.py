"""LibreOffice opens the plan and recalculates it (one headless run for three files): native
formula cells show no error and equal our headless values to 1e-9; editing the H100 price moves
exactly the TCO cells that depend on it, by the amounts derived below; a hardware row and a
scenario added by hand work end to end (our recompute for the engine cells, LibreOffice for the
native ones)."""

from __future__ import annotations

import shutil

import mlsysim
import mlsysim.workbooks as wb
import openpyxl
import pytest
from mlsysim.macros.registry import CALLABLES
from mlsysim.macros.sheet_schema import row_to_spec, schema
from mlsysim.solvers.economics import economics
from mlsysim.systems.types import FabricSpec, FleetSpec, NodeSpec
from mlsysim.workbooks import carbon_sheet, serving_sheet, tco_sheet
from mlsysim.workbooks.layout import FIRST_ROW
from openpyxl.formula.translate import Translator
from wbtest_support import close, computed_plan, engine_dependent, formula_cells, is_error_value, libreoffice

DELTA = 2500.0  # USD added to the H100 price
NEW = {
    "name": "Llama 3 8B on H100 Lite",
    "model": "Llama3_8B",
    "hardware": "H100_Lite",
    "precision": "fp16",
    "tp": 1,
    "prompt_tokens": 2048,
    "output_tokens": 256,
    "batch": 8,
    "peak_rps": 3,
    "ttft_target": 1000,
    "itl_target": 50,
    "percentile": 0.99,
    "region": "France",
}
TCO_LINKS = {
    "name": "name",
    "item": "hardware",
    "region": "region",
    "accelerators": "accelerators",
    "tokens_per_s": "tokens_total",
}


def _letters(columns):
    return {c.key: openpyxl.utils.get_column_letter(i) for i, c in enumerate(columns, start=1)}


def _first_blank(ws):
    row = FIRST_ROW
    while ws.cell(row, 1).value not in (None, ""):
        row += 1
    return row


def _copy_down(formula, row):
    """The formula of row FIRST_ROW as Excel pastes it into ``row`` (relative references move)."""
    return Translator(formula, f"A{FIRST_ROW}").translate_formula(f"A{row}")


def _edit_price(source, target):
    book = openpyxl.load_workbook(source)
    ws = book["Hardware"]
    price = schema("hardware").index("price") + 1
    for row in range(FIRST_ROW, _first_blank(ws)):
        if ws.cell(row, 1).value == "H100":
            ws.cell(row, price).value += DELTA
    book.save(target)


def _add_hardware_and_scenario(source, target):
    """What a user does: type a Hardware row, copy the last Serving, TCO and Carbon rows down and
    point the new TCO row at the new scenario."""
    book = openpyxl.load_workbook(source)
    hw = book["Hardware"]
    h100 = next(r for r in range(FIRST_ROW, _first_blank(hw)) if hw.cell(r, 1).value == "H100")
    new_hw = _first_blank(hw)
    sheet = schema("hardware")
    for column in range(1, len(sheet.columns) + 1):
        hw.cell(new_hw, column).value = hw.cell(h100, column).value
    lite = {"id": "H100_Lite", "name": "H100 Lite (test)", "memory_capacity": 64, "price": 20000, "tdp": 500}
    for key, value in lite.items():
        hw.cell(new_hw, sheet.index(key) + 1).value = value

    serving, serving_letters = book["Serving"], _letters(serving_sheet.columns())
    new_s = _first_blank(serving)
    for i, column in enumerate(serving_sheet.columns(), start=1):
        if column.formula:
            serving.cell(new_s, i).value = _copy_down(serving.cell(FIRST_ROW, i).value, new_s)
        else:
            serving.cell(new_s, i).value = NEW[column.key]
    for sheet_name, columns in (("TCO", tco_sheet.columns()), ("Carbon", carbon_sheet.columns())):
        ws = book[sheet_name]
        new = _first_blank(ws)
        for i in range(1, len(columns) + 1):
            first = ws.cell(FIRST_ROW, i).value
            is_formula = isinstance(first, str) and first.startswith("=")
            ws.cell(new, i).value = _copy_down(first, new) if is_formula else first
        if sheet_name == "TCO":
            letters = _letters(columns)
            for key, source_key in TCO_LINKS.items():
                ws[f"{letters[key]}{new}"] = f"='Serving'!{serving_letters[source_key]}{new_s}"
    book.save(target)
    return new_hw, new_s


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("libreoffice")
    plan = folder / "plan.xlsx"
    shutil.copy(computed_plan(tmp_path_factory), plan)
    price, added = folder / "price.xlsx", folder / "added.xlsx"
    _edit_price(plan, price)
    rows = _add_hardware_and_scenario(plan, added)
    for path in (price, added):
        wb.recalc(path, in_place=True)
    converted = libreoffice([plan, price, added], "xlsx", folder, recalculate=True)
    load = openpyxl.load_workbook
    return {
        "formulas": load(plan),
        "ours": {
            name: load(p, data_only=True) for name, p in (("plan", plan), ("price", price), ("added", added))
        },
        "lo": {
            name: load(p, data_only=True)
            for name, p in zip(("plan", "price", "added"), converted, strict=True)
        },
        "added_formulas": load(added),
        "rows": rows,
    }


def test_libreoffice_recalculates_native_cells_to_our_values(files):
    book = files["formulas"]
    ours, lo = files["ours"]["plan"], files["lo"]["plan"]
    engine = engine_dependent(book)
    native = [key for key in formula_cells(book) if key not in engine]
    assert len(native) > 300 and {s for s, _ in native} >= {"TCO", "Carbon", "Fleets", "Checks"}
    for sheet, coordinate in native:
        theirs = lo[sheet][coordinate].value
        assert not is_error_value(theirs), (sheet, coordinate, theirs)
        assert close(theirs, ours[sheet][coordinate].value), (sheet, coordinate, theirs)
    # the engine cells are what LibreOffice cannot evaluate: it says so, it does not invent numbers
    assert lo["Serving"]["P4"].value == "#NAME?"


def _tco_rows(book):
    keys = [c.key for c in tco_sheet.columns()]
    return [
        dict(zip(keys, row, strict=True))
        for row in book["TCO"].iter_rows(min_row=FIRST_ROW, max_col=len(keys), values_only=True)
        if row[0] is not None
    ]


def _expected_deltas(row):
    """The exact change of each TCO cell when the H100 price rises by DELTA: purchase u·Δ; CapEx
    u·Δ·MIN(365/365, 4)/4 = u·Δ/4; maintenance u·Δ·0.05·365/365; TCO u·Δ·(0.25 + 0.05) = 0.3·u·Δ;
    per accelerator-hour 0.3·Δ/8,760 (u accelerators for 8,760 h); energy does not change."""
    u = row["units"] if (row["basis"], row["item"]) == ("Serving", "H100") else 0
    tco = 0.3 * u * DELTA
    return {
        "unit_price": DELTA if u else 0.0,
        "purchase": u * DELTA,
        "capex": u * DELTA / 4,
        "maintenance": 0.05 * u * DELTA,
        "opex": 0.05 * u * DELTA,
        "tco": tco,
        "per_accelerator_hour": tco / (row["accelerators"] * 8760),
    }


def test_h100_price_moves_every_dependent_tco_cell_exactly(files):
    before = _tco_rows(files["ours"]["plan"])
    moved = 0
    for after_book in (files["lo"]["price"], files["ours"]["price"]):
        after = _tco_rows(after_book)
        for old, new in zip(before, after, strict=True):
            deltas = _expected_deltas(old)
            if after_book is files["lo"]["price"] and old["basis"] == "Serving":
                # a serving row prices the replicas the engine plans: LibreOffice cannot evaluate them
                assert new["accelerators"] == "#NAME?", old["name"]
                continue
            for key, value in old.items():
                if key in ("tokens_per_s", "per_million_tokens") and after_book is files["lo"]["price"]:
                    continue  # depend on the engine's throughput: LibreOffice cannot evaluate them
                if key == "per_million_tokens":
                    expected = value + deltas["tco"] / (old["tokens_per_s"] * 365 * 86400 / 1e6)
                else:
                    expected = value + deltas.get(key, 0.0) if isinstance(value, int | float) else value
                assert close(new[key], expected), (old["name"], key, new[key], expected)
            moved += deltas["tco"] > 0
    assert moved == sum(1 for s in wb.load_scenarios().serving if s.hardware == "H100")
    fleets = files["lo"]["price"]["Fleets"]  # the fleets' accelerator columns follow the Hardware sheet
    price = schema("fleet").index("price") + 1
    assert fleets.cell(FIRST_ROW + 1, price).value == 27500 + DELTA  # H100_64


def test_new_hardware_row_and_scenario_work_end_to_end(files):
    new_hw, new_s = files["rows"]
    ours, lo = files["ours"]["added"], files["lo"]["added"]
    row = [c.value for c in ours["Hardware"][new_hw][: len(schema("hardware").columns)]]
    serving = {
        c.key: ours["Serving"].cell(new_s, i).value for i, c in enumerate(serving_sheet.columns(), start=1)
    }
    args = ("Llama3_8B", row, 2048, 8, "fp16", 1)
    assert serving["fits"] == 1
    assert close(serving["ttft"], CALLABLES["MLSYS_TTFT"](*args), rel=1e-12)
    assert close(serving["itl"], CALLABLES["MLSYS_ITL"](*args), rel=1e-12)
    # the new accelerator is not the H100 it was copied from: 500 W and 64 GB change the answer
    assert not close(
        serving["mem_util"], CALLABLES["MLSYS_MEM_UTIL"]("Llama3_8B", "H100", 2048, 8, "fp16", 1)
    )
    # the plan sizes replicas of the new accelerator for 3 requests/s within the targets
    plan = ("Llama3_8B", row, 3, 2048, 256, 1000, 50, 0.99, "fp16", 1)
    assert serving["plan_ok"] == 1
    assert close(serving["replicas"], CALLABLES["MLSYS_REPLICAS"](*plan), rel=1e-12)
    units = serving["accelerators"]
    assert units == serving["replicas"]  # TP1
    tco = _tco_rows(ours)[-1]
    hw = row_to_spec("hardware", row)
    fleet = FleetSpec("lite", NodeSpec("lite", hw, 1, hw.tdp, hw.price), units, FabricSpec("none", 1.0, 1.0))
    catalog = mlsysim.load_catalog()
    grid, facility = catalog.get("grid", "France").spec, catalog.get("datacenter", "hyperscale").spec
    e = economics(fleet, 365, grid.electricity_price, facility, catalog.assumptions)
    assert (tco["name"], tco["item"], tco["units"]) == (NEW["name"], "H100_Lite", units)
    assert close(tco["tco"], e.tco_usd) and close(tco["capex"], e.capex_usd)
    assert close(tco["per_million_tokens"], e.tco_usd / (serving["tokens_total"] * 365 * 86400 / 1e6))
    assert ours["Checks"]["C4"].value is True
    lo_tco = _tco_rows(lo)[-1]
    assert close(lo_tco["unit_price"], tco["unit_price"])  # the new Hardware row, natively
    # its cost follows the replicas the engine plans, which LibreOffice cannot evaluate: no number
    for key in ("capex", "energy", "energy_cost", "maintenance", "tco", "per_accelerator_hour"):
        assert lo_tco[key] == "#NAME?", key
