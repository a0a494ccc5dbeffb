"""``mlsysim sweep`` on files made by hand and hostile files (issue 15): one-line errors (exit 2)
instead of tracebacks, bounded reading of a sheet with a stray far cell, and text that looks like
a formula written as text, never as a live formula."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import openpyxl
import pandas as pd
import pytest
from mlsysim.sweeps import sweep_file

from tests.cli.cli import assert_one_line_error, run

HEADER = "model,hardware,seq_len,note\n"
MB = 1 << 20


def test_a_csv_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "s.csv").write_bytes((HEADER + "Llama3_8B,H100,512,caf\xe9\n").encode("latin-1"))
    assert_one_line_error(run("sweep", "s.csv", "-o", "r.csv", cwd=tmp_path), "s.csv", "UTF-8")
    assert not (tmp_path / "r.csv").exists()


def test_a_ragged_csv_is_one_line(tmp_path):
    (tmp_path / "s.csv").write_text(HEADER + "Llama3_8B,H100,512,a,extra,fields\n")
    assert_one_line_error(run("sweep", "s.csv", "-o", "r.csv", cwd=tmp_path), "s.csv", "one field per")


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_a_damaged_file_is_one_line(tmp_path, suffix):
    (tmp_path / f"s{suffix}").write_bytes(
        b"PAR1 not really" if suffix == ".parquet" else b"PK\x03\x04 no zip"
    )
    assert_one_line_error(run("sweep", f"s{suffix}", "-o", "r.csv", cwd=tmp_path), f"s{suffix}")


def test_parquet_without_the_extra_names_the_extra(tmp_path):
    (tmp_path / "s.csv").write_text(HEADER + "Llama3_8B,H100,512,a\n")
    code = "import sys; sys.modules['pyarrow'] = None; from mlsysim.cli.main import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "sweep", "s.csv", "-o", "r.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert_one_line_error(done, "mlsysim-workbook[sweeps]")
    assert not (tmp_path / "r.parquet").exists()


def test_a_stray_cell_in_column_xfd_costs_one_cell(tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["model", "hardware", "seq_len"])
    ws.append(["Llama3_8B", "H100", 512])
    ws["XFD1048576"] = "stray"
    book.save(tmp_path / "s.xlsx")
    tracemalloc.start()
    try:
        summary = sweep_file(tmp_path / "s.xlsx", tmp_path / "r.csv")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary.rows == 1 and summary.errors == 0
    assert peak < 64 * MB


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "@SUM(A1)", "-2+3", "\t=1", "-5"]


def _with_notes(path):
    frame = pd.DataFrame(
        {"model": ["Llama3_8B"] * len(FORMULAS), "hardware": "H100", "seq_len": 512, "note": FORMULAS}
    )
    frame.to_csv(path, index=False)
    return frame


def test_formula_like_text_stays_text_in_csv_output(tmp_path):
    _with_notes(tmp_path / "s.csv")
    assert run("sweep", "s.csv", "-o", "r.csv", cwd=tmp_path).returncode == 0
    notes = pd.read_csv(tmp_path / "r.csv", dtype=str, keep_default_na=False)["note"].tolist()
    assert notes == ["'" + f for f in FORMULAS[:5]] + ["-5"]  # a plain number stays a number


def test_formula_like_text_stays_text_in_xlsx_output(tmp_path):
    _with_notes(tmp_path / "s.csv")
    assert run("sweep", "s.csv", "-o", "r.xlsx", cwd=tmp_path).returncode == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    header = [c.value for c in ws[1]]
    column = header.index("note") + 1
    cells = [ws.cell(r, column) for r in range(2, 2 + len(FORMULAS))]
    assert [c.value for c in cells] == FORMULAS and all(c.data_type == "s" for c in cells)
