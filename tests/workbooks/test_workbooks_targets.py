"""The planning workbook written for each runtime (``mlsysim plan --target``) and in block mode
(``--functions block``): the formulas read back with openpyxl spell the functions as that runtime
stores them, ``mlsysim recalc`` recomputes every one headless to the classic workbook's values,
and LibreOffice (no recalculation on load, as a user opens the file) shows those cached values."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import mlsysim
import mlsysim.workbooks as wb
import openpyxl
import pytest
from mlsysim.macros import REGISTRY
from mlsysim.workbooks import reliability_sheet, serving_sheet, training_sheet
from mlsysim.workbooks.engine_calls import Target
from mlsysim.workbooks.layout import FIRST_ROW
from mlsysim.workbooks.portable import called_functions, lint
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from wbtest_support import close, is_error_value, libreoffice

VARIANTS = {
    "classic": (Target.named("classic"), "cell"),
    "lite": (Target.named("lite"), "cell"),
    "server": (Target.named("server"), "cell"),
    "server-no-namespace": (Target.named("server", ""), "cell"),
    "classic-block": (Target.named("classic"), "block"),
    "lite-block": (Target.named("lite"), "block"),
}
# About rows that say how the file was made differ between variants by design
ABOUT_DIFFERS = ("Computed at", "Written for", "Engine calls", "Live in Excel")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("targets")
    out = {}
    for name, (target, functions) in VARIANTS.items():
        path = wb.build(
            folder / f"{name}.xlsx", computed_at=datetime.now(UTC), target=target, functions=functions
        )
        report = wb.recalc(path, in_place=True, check=True)
        out[name] = (path, report)
    return out


def _mlsys_calls(path):
    book = openpyxl.load_workbook(path)
    calls = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value.text if isinstance(cell.value, ArrayFormula) else cell.value
                if cell.data_type == "f" or isinstance(cell.value, ArrayFormula):
                    calls += [f for f in called_functions(text) if "MLSYS_" in f]
    return book, calls


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_formulas_read_back_spelled_for_the_runtime(built, name):
    target, functions = VARIANTS[name]
    book, calls = _mlsys_calls(built[name][0])
    assert calls, name
    spelled = {target.spelled(n).upper() for n in REGISTRY}
    assert set(calls) <= spelled, set(calls) - spelled
    prefix = {"classic": "MLSYS_", "lite": "_XLDUDF_MLSYS_"}.get(target.runtime)
    prefix = prefix or ("_XLDUDF_XLWINGS_MLSYS_" if target.namespace else "_XLDUDF_MLSYS_")
    assert all(c.startswith(prefix) for c in calls)
    assert lint(book) == []  # the portable subset knows every runtime's spelling
    blocks = [c for c in calls if c.endswith("_BLOCK")]
    if functions == "block":
        # one call per block of engine columns (two on Serving: the static batch and the plan; two on
        # Training: the step and the run) and the engine check on the About sheet: a handful in all
        assert len(blocks) == 5 and len(calls) == 6, calls
    else:
        assert not blocks and len(calls) > 50


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_recalc_recomputes_every_variant_to_the_classic_values(built, name):
    path, report = built[name]
    assert report.errors == () and report.master_check is True
    ours = openpyxl.load_workbook(path, data_only=True)
    classic = openpyxl.load_workbook(built["classic"][0], data_only=True)
    compared = 0
    for ws in classic.worksheets:
        for row in ws.iter_rows():
            if ws.title == "About" and str(row[0].value).startswith(ABOUT_DIFFERS):
                continue
            for cell in row:
                if cell.value is not None:
                    assert close(ours[ws.title][cell.coordinate].value, cell.value), (
                        ws.title,
                        cell.coordinate,
                    )
                    compared += 1
    assert compared > 1500


def test_block_mode_fills_the_helper_columns_in_one_array_formula_per_sheet(built):
    path, _ = built["classic-block"]
    book = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    plans = (
        (serving_sheet, serving_sheet.BLOCK, "Serving"),
        (serving_sheet, serving_sheet.CAPACITY_BLOCK, "Serving"),
        (training_sheet, training_sheet.BLOCK, "Training"),
        (training_sheet, training_sheet.RUN_BLOCK, "Training"),
        (reliability_sheet, reliability_sheet.BLOCK, "Reliability"),
    )
    for module, plan, sheet in plans:
        ws = book[sheet]
        letters = {c.key: get_column_letter(i) for i, c in enumerate(module.columns(block=True), start=1)}
        first, last = (letters[f"block_{key}"] for key in (plan.outputs[0][0], plan.outputs[-1][0]))
        array = ws[f"{first}{FIRST_ROW}"].value
        assert isinstance(array, ArrayFormula) and array.text.startswith(f"={plan.function}(")
        top, bottom = array.ref.split(":")
        assert top == f"{first}{FIRST_ROW}" and bottom.startswith(last)
        rows = range(FIRST_ROW, FIRST_ROW + sum(1 for c in ws["A"][FIRST_ROW - 1 :] if c.value))
        for key, _, suffix in plan.outputs:
            for row in rows:  # each engine cell links its helper cell, with the same value
                assert ws[f"{letters[key]}{row}"].value == f"={letters['block_' + key]}{row}{suffix}"
                shown = values[ws.title][f"{letters[key]}{row}"].value
                helper = values[ws.title][f"{letters['block_' + key]}{row}"].value
                assert shown == (helper * 1 if suffix else helper), (ws.title, key, row)


def _soffice_or_skip():
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is required under CI=true")
    pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")


def _array_cells(path) -> set[tuple[str, str]]:
    book = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, ArrayFormula)
        for line in ws[cell.value.ref]
        for c in line
    }


def test_libreoffice_shows_the_cached_values_of_every_variant(built, tmp_path):
    """Every cell shows our value, except the block mode's helper columns: LibreOffice (7.4 here)
    recomputes an array formula whose function it does not know on load and shows #NAME? there
    (macros/README.md says so); the engine columns that link to them keep their values."""
    _soffice_or_skip()
    names = sorted(VARIANTS)
    converted = libreoffice([built[n][0] for n in names], "xlsx", tmp_path, recalculate=False)
    for name, shown_path in zip(names, converted, strict=True):
        ours = openpyxl.load_workbook(built[name][0], data_only=True)
        shown = openpyxl.load_workbook(shown_path, data_only=True)
        arrays = _array_cells(built[name][0])
        assert bool(arrays) == (VARIANTS[name][1] == "block")
        checked = 0
        for ws in ours.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if (ws.title, cell.coordinate) in arrays:
                        continue
                    if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                        value = shown[ws.title][cell.coordinate].value
                        assert not is_error_value(value), (name, ws.title, cell.coordinate, value)
                        assert close(value, cell.value), (name, ws.title, cell.coordinate, value, cell.value)
                        checked += 1
        assert checked > 1000, name


def _plan(*args, cwd):
    command = [sys.executable, "-m", "mlsysim.cli.main", "plan", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=600, check=False)


def test_plan_command_writes_for_a_target_in_block_mode(tmp_path):
    done = _plan("-o", "lite.xlsx", "--target", "lite", "--functions", "block", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "master check OK" in done.stdout
    _, calls = _mlsys_calls(tmp_path / "lite.xlsx")
    assert sorted(calls) == [
        "_XLDUDF_MLSYS_CAPACITY_BLOCK",
        "_XLDUDF_MLSYS_RELIABILITY_BLOCK",
        "_XLDUDF_MLSYS_RUN_BLOCK",
        "_XLDUDF_MLSYS_SERVING_BLOCK",
        "_XLDUDF_MLSYS_TRAINING_BLOCK",
        "_XLDUDF_MLSYS_VERSION",
    ]
    shown = openpyxl.load_workbook(tmp_path / "lite.xlsx", data_only=True)["About"]
    facts = {row[0].value: row[1].value for row in shown.iter_rows() if row[0].value}
    assert facts["Written for"] == "xlwings Lite" and facts["Engine calls"] == "block"
    assert facts["Engine check"] == f"mlsysim-workbook {mlsysim.__version__}"  # computed headless


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ("--target", "classic", "--namespace", "ACME"),
            "invalid --namespace='ACME': only with --target server",
        ),
        (
            ("--target", "server", "--namespace", "ACME"),
            "invalid namespace='ACME': 'XLWINGS' or '' for server",
        ),
        (("--functions", "row"), "argument --functions: invalid choice: 'row'"),
    ],
)
def test_plan_command_refuses_a_target_it_cannot_write(tmp_path, args, fragment):
    done = _plan("-o", "x.xlsx", *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert fragment in done.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_about_sheet_gives_the_set_up_steps_and_xlwings_conf_is_editable(built):
    book = openpyxl.load_workbook(built["classic"][0])
    text = " ".join(str(c.value) for row in book["About"].iter_rows() for c in row if c.value)
    for step in ("Trust access to the VBA project object model", "Unblock", "Import Functions", ".xlsm"):
        assert step in text, step
    conf = book["xlwings.conf"]
    assert conf.protection.sheet  # the sheet stays protected ...
    assert [conf.cell(r, c).protection.locked for r in (1, 2, 20) for c in (1, 2)] == [
        False
    ] * 6  # ... not A:B
    assert (conf["A2"].value, conf["B2"].value) == (None, None)  # no key with an empty value
    lite = " ".join(
        str(c.value)
        for row in openpyxl.load_workbook(built["lite"][0])["About"].iter_rows()
        for c in row
        if c.value
    )
    assert "requirements.txt" in lite and "_xldudf_" in lite and "Find & Replace" in lite
