"""LibreOffice opens the plan and recalculates it (one headless run for three files): native
formula cells show no error and equal our headless values to 1e-9; editing the H100_8 node price
moves exactly the TCO cells of the rows priced as its share, by the amounts derived below (and the
H100's own price, which no owned row uses, moves none); a hardware row and a scenario added by hand
work end to end (our recompute for the engine cells, LibreOffice for the native ones)."""

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

DELTA = 2500.0  # USD added to the H100 price and to the H100_8 node price
NODE = "H100_8"  # the Fleets row the H100 serving rows are priced as a share of (8 per node)
# Rent-versus-own and token cells that a node price moves too (checked against the engine over a
# grid of inputs in test_workbooks_finance_grid; here LibreOffice must agree with us on them).
FOLLOWS_PRICE = {
    "running_month", "own_npv", "breakeven", "crossover", "cheaper",
}  # fmt: skip
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
    fleets = book["Fleets"]
    node_price = schema("fleet").index("node_price") + 1
    for row in range(FIRST_ROW, _first_blank(fleets)):
        if fleets.cell(row, 1).value == NODE:
            fleets.cell(row, node_price).value += DELTA
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
            ws[f"{letters['priced_as']}{new}"] = None  # no node holds it: its price + the host share
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
    """The exact change of each TCO cell when the H100_8 node price rises by DELTA, on a row priced
    as its share with u accelerators: price per accelerator d = Δ/8; purchase u·d; CapEx u·d·MIN(365/
    365, 4)/4 = u·d/4; maintenance (and OpEx) u·d·0.05·365/365; TCO u·d·(0.25 + 0.05) = 0.3·u·d;
    per accelerator-hour 0.3·d/8,760; energy does not change."""
    d = DELTA / 8 if row["priced_as"] == NODE else 0.0
    u = row["accelerators"]
    tco = 0.3 * u * d
    return {
        "unit_price": d,
        "purchase": u * d,
        "capex": u * d / 4,
        "maintenance": 0.05 * u * d,
        "opex": 0.05 * u * d,
        "tco": tco,
        "per_accelerator_hour": tco / (u * 8760),
    }


def test_h100_node_price_moves_every_dependent_tco_cell_exactly(files):
    before = _tco_rows(files["ours"]["plan"])
    lo_after = _tco_rows(files["lo"]["price"])
    moved = 0
    for after_book in (files["lo"]["price"], files["ours"]["price"]):
        after = _tco_rows(after_book)
        for old, new, lo_new in zip(before, after, lo_after, strict=True):
            deltas = _expected_deltas(old)
            if after_book is files["lo"]["price"] and old["basis"] == "Serving":
                # a serving row prices the replicas the engine plans: LibreOffice cannot evaluate them
                assert new["accelerators"] == "#NAME?", old["name"]
                continue
            for key, value in old.items():
                engine_based = key in ("tokens_per_s", "prefill_share", "per_million_tokens")
                engine_based |= key in ("input_per_mtok", "output_per_mtok") and old["basis"] == "Serving"
                if engine_based and after_book is files["lo"]["price"]:
                    continue  # depend on the engine's throughput: LibreOffice cannot evaluate them
                if key == "per_million_tokens":
                    expected = value + deltas["tco"] / (old["tokens_per_s"] * 365 * 86400 / 1e6)
                elif engine_based and key in ("input_per_mtok", "output_per_mtok"):
                    expected = value * (old["tco"] + deltas["tco"]) / old["tco"]  # in proportion to TCO
                elif key in FOLLOWS_PRICE and deltas["tco"] > 0 and old["basis"] == "Serving":
                    # LibreOffice cannot size the replicas: the figure must move, by the amount
                    # test_rent_vs_own_equals_the_engine checks against the engine on every plan
                    if isinstance(value, str):
                        assert new[key] in ("own", "rent", "n/a"), (old["name"], key, new[key])
                    else:
                        assert isinstance(new[key], int | float) and new[key] != value, (old["name"], key)
                    continue
                elif key in FOLLOWS_PRICE and deltas["tco"] > 0:
                    expected = lo_new[key]  # moves; LibreOffice and our recompute agree on how much
                else:
                    expected = value + deltas.get(key, 0.0) if isinstance(value, int | float) else value
                assert close(new[key], expected), (old["name"], key, new[key], expected)
            moved += deltas["tco"] > 0
    assert moved == sum(1 for s in wb.load_scenarios().serving if s.hardware == "H100")
    fleets = files["lo"]["price"]["Fleets"]  # the fleets' accelerator columns follow the Hardware sheet
    price = schema("fleet").index("price") + 1
    h100 = mlsysim.load_catalog().get("hardware", "H100").spec.price
    assert fleets.cell(FIRST_ROW + 1, price).value == h100 + DELTA  # H100_64


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
    catalog = mlsysim.load_catalog()
    a = catalog.assumptions  # no node holds it: its price and TDP plus the host share
    node = NodeSpec(
        "lite", hw, 1, hw.tdp + a.host_power_per_accelerator, hw.price + a.host_price_per_accelerator
    )
    fleet = FleetSpec("lite", node, units, FabricSpec("none", 1.0, 1.0))
    grid, facility = catalog.get("grid", "France").spec, catalog.get("datacenter", "hyperscale").spec
    e = economics(fleet, 365, grid.electricity_price, facility, catalog.assumptions)
    assert (tco["name"], tco["item"], tco["accelerators"], tco["priced_as"]) == (
        NEW["name"],
        "H100_Lite",
        units,
        None,
    )
    assert close(tco["tco"], e.tco_usd) and close(tco["capex"], e.capex_usd)
    assert tco["rent_rate"] == "other accelerator"  # the copied offer rents an H100
    assert ours["Checks"]["C4"].value is True
    lo_tco = _tco_rows(lo)[-1]
    assert close(lo_tco["unit_price"], tco["unit_price"])  # the new Hardware row, natively
    # its cost follows the replicas the engine plans, which LibreOffice cannot evaluate: no number
    for key in ("capex", "energy", "energy_cost", "maintenance", "tco", "per_accelerator_hour"):
        assert lo_tco[key] == "#NAME?", key
    assert lo_tco["rent_rate"] == "other accelerator"
