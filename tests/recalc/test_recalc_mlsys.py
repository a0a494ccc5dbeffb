"""MLSYS_* cells: each equals the direct call of the engine to 1e-12 relative, with ids of the
packaged catalog and with rows of the workbook's own catalog sheets (an edited row counts)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
from mlsysim.catalog_loader import load_catalog
from mlsysim.enums import Precision
from mlsysim.macros.registry import REGISTRY
from mlsysim.macros.sheet_schema import catalog_rows, headers
from mlsysim.solvers.serving import serving
from mlsysim.workbooks.recalc import recalc
from recalc_support import cached_values, close

REL = 1e-12
HW_IDS = ("H100", "A100")
MODEL_IDS = ("Llama3_70B", "Llama3_8B")
FAST_BANDWIDTH = 6700.0  # GB/s: an edited copy of the H100 row, "H100_fast"
# model, hardware, seq, batch, precision, tp
SCENARIOS = [
    ("Llama3_8B", "H100", 2048, 1, "fp16", 1),
    ("Llama3_70B", "H100", 4096, 4, "fp8", 4),
    ("Llama3_8B", "A100", 1024, 8, "fp16", 1),
    ("Llama3_70B", "H100_fast", 4096, 1, "fp16", 8),
]
SERVING = ("MLSYS_TTFT", "MLSYS_ITL", "MLSYS_KV_CACHE", "MLSYS_FITS", "MLSYS_TOKENS_PER_S")


def _rows(kind: str, ids: tuple[str, ...]) -> list[tuple]:
    by_id = {r[0]: r for r in catalog_rows(kind)}
    return [by_id[i] for i in ids]


def _book(path: Path) -> Path:
    book = openpyxl.Workbook()
    calc = book.active
    calc.title = "Serving"
    hw = book.create_sheet("Hardware")
    hw.append(list(headers("hardware")))
    h100 = _rows("hardware", ("H100",))[0]
    bw = headers("hardware").index("Memory bandwidth (GB/s)")
    fast = ("H100_fast", *h100[1:bw], FAST_BANDWIDTH, *h100[bw + 1 :])
    for row in [*_rows("hardware", HW_IDS), fast]:
        hw.append(list(row))
    models = book.create_sheet("Models")
    models.append(list(headers("model")))
    for row in _rows("model", MODEL_IDS):
        models.append(list(row))
    last_hw, last_model = hw.max_row, models.max_row
    hw_cols, model_cols = hw.max_column, models.max_column
    hw_row = (
        f"INDEX(Hardware!$A$2:${openpyxl.utils.get_column_letter(hw_cols)}${last_hw},"
        f"MATCH(B{{r}},Hardware!$A$2:$A${last_hw},0),0)"
    )
    model_row = (
        f"INDEX(Models!$A$2:${openpyxl.utils.get_column_letter(model_cols)}${last_model},"
        f"MATCH(A{{r}},Models!$A$2:$A${last_model},0),0)"
    )
    calc.append(["model", "hardware", "seq", "batch", "precision", "tp", *SERVING, "TTFT from rows (ms)"])
    for r, scenario in enumerate(SCENARIOS, start=2):
        args = f"A{r},B{r},C{r},D{r},E{r},F{r}"
        rows = f"{model_row.format(r=r)},{hw_row.format(r=r)},C{r},D{r},E{r},F{r}"
        ids_ok = scenario[1] != "H100_fast"  # the edited row exists only in the workbook
        cells = [f"={name}({args})" if ids_ok else f"={name}({rows})" for name in SERVING]
        calc.append([*scenario, *cells, f"=MLSYS_TTFT({rows})"])
    calc["M2"] = '=MLSYS_TTFT("Llama3_8B","H100",2048,1,,2,"s")'  # omitted precision, unit s
    calc["M3"] = '=MLSYS_SPEC("hardware","H100","memory_bandwidth")'
    book.save(path)
    return path


def _expected(name: str, scenario: tuple, rows: dict[str, tuple]) -> object:
    model, hw, seq, batch, precision, tp = scenario
    return REGISTRY[name].python(rows.get(model, model), rows.get(hw, hw), seq, batch, precision, tp)


def test_mlsys_cells_equal_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    report = recalc(_book(tmp_path / "mlsys.xlsx"), out)
    assert report.exit_code == 0, report.errors
    values = cached_values(out)
    rows = {r[0]: list(r) for r in _rows("model", MODEL_IDS)}
    h100 = _rows("hardware", ("H100",))[0]
    bw = headers("hardware").index("Memory bandwidth (GB/s)")
    rows["H100_fast"] = ["H100_fast", *h100[1:bw], FAST_BANDWIDTH, *h100[bw + 1 :]]
    for r, scenario in enumerate(SCENARIOS, start=2):
        for col, name in zip("GHIJK", SERVING, strict=True):
            expected = _expected(name, scenario, rows if scenario[1] == "H100_fast" else {})
            assert close(values["Serving", f"{col}{r}"], expected, REL), (name, scenario)
        ttft_rows = _expected(
            "MLSYS_TTFT", scenario, rows | {"H100": list(h100), "A100": _rows("hardware", ("A100",))[0]}
        )
        assert close(values["Serving", f"L{r}"], ttft_rows, REL)
        assert close(values["Serving", f"L{r}"], values["Serving", f"G{r}"], REL)


def test_cells_match_the_solver_and_an_edited_row(tmp_path: Path) -> None:
    """The serving solver called directly (SI seconds -> ms), and the workbook's edited H100 row
    (bandwidth 6700 GB/s) giving the decode time of that edited spec, not the packaged one."""
    out = tmp_path / "out.xlsx"
    recalc(_book(tmp_path / "mlsys.xlsx"), out)
    values = cached_values(out)
    catalog = load_catalog()
    h100 = catalog.get("hardware", "H100").spec
    llama8, llama70 = (catalog.get("model", m).spec for m in ("Llama3_8B", "Llama3_70B"))
    direct = serving(llama8, h100, 2048, 1, Precision.FP16, catalog.assumptions)
    assert close(values["Serving", "G2"], direct.ttft * 1e3, REL)
    assert close(values["Serving", "H2"], direct.itl * 1e3, REL)
    assert close(values["Serving", "I2"], direct.kv_cache_size / 1e9, REL)
    fast = dataclasses.replace(h100, memory_bandwidth=FAST_BANDWIDTH * 1e9)
    edited = serving(llama70, fast, 4096, 1, Precision.FP16, catalog.assumptions, tp=8)
    packaged = serving(llama70, h100, 4096, 1, Precision.FP16, catalog.assumptions, tp=8)
    assert close(values["Serving", "H5"], edited.itl * 1e3, REL)
    assert not close(values["Serving", "H5"], packaged.itl * 1e3, 1e-3)
    # omitted precision (the device default) on tp=2, in seconds; a catalog value in GB/s
    omitted = serving(llama8, h100, 2048, 1, h100.default_precision, catalog.assumptions, tp=2)
    assert close(values["Serving", "M2"], omitted.ttft, REL)
    assert close(values["Serving", "M3"], 3350.0, REL)
