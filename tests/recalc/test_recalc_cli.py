"""``mlsysim recalc`` as CI runs it: exit codes, the error listing, --check, --summary, --in-place,
and a progress bar only on a terminal."""

from __future__ import annotations

import csv
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from recalc_support import cached_values, native_book, run_cli


def _with_check(path: Path, formula: str) -> Path:
    """``native_book`` plus a Checks sheet whose B1 is the master check (defined name MasterCheck)."""
    native_book(path)
    book = openpyxl.load_workbook(path)
    checks = book.create_sheet("Checks")
    checks["A1"] = "Master check"
    checks["B1"] = formula
    book.defined_names["MasterCheck"] = DefinedName("MasterCheck", attr_text="Checks!$B$1")
    book.save(path)
    return path


def _with_errors(path: Path, count: int) -> Path:
    native_book(path)
    book = openpyxl.load_workbook(path)
    for r in range(1, count + 1):
        book["Calc"][f"Z{r}"] = f"=1/(C2-3)+{r}"  # C2 is 3: #DIV/0!
    book.save(path)
    return path


def test_exit_0_writes_output_and_summary(tmp_path: Path) -> None:
    src = _with_check(tmp_path / "in.xlsx", "=Calc!W1>0")
    done = run_cli(
        "recalc", str(src), "-o", str(tmp_path / "out.xlsx"), "--summary", str(tmp_path / "s.json"), "--check"
    )
    assert done.returncode == 0, done.stderr
    assert "master check (MasterCheck): TRUE" in done.stdout
    assert cached_values(tmp_path / "out.xlsx")["Checks", "B1"] is True
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["master_check"] is True and summary["errors"] == 0
    totals, first = summary["sheets"]["Calc"][:2]
    assert totals["row"] == 1 and set(totals) == {"row", "scenario", "W", "X", "Y"}
    # s1: 3 units of h1 at 1000 USD -> capex F2 = 3000 (column F's header is "F", row 1)
    assert first["row"] == 2 and first["scenario"] == "s1" and first["F"] == 3000


def test_exit_1_lists_first_20_errors_and_count(tmp_path: Path) -> None:
    src = _with_errors(tmp_path / "in.xlsx", 25)
    done = run_cli("recalc", str(src), "-o", str(tmp_path / "out.xlsx"))
    assert done.returncode == 1
    listed = [line for line in done.stdout.splitlines() if "-> #DIV/0!" in line]
    assert len(listed) == 20
    assert listed[0].strip() == "Calc!Z1: =1/(C2-3)+1 -> #DIV/0!"
    assert "25 cells evaluate to an error" in done.stdout and "... and 5 more" in done.stdout
    assert "mlsysim recalc: 25 cells evaluate to an error" in done.stderr
    assert (tmp_path / "out.xlsx").exists()  # errors are reported, the workbook is still written


def test_check_fails_when_master_check_is_false(tmp_path: Path) -> None:
    src = _with_check(tmp_path / "in.xlsx", "=Calc!W1<0")
    without = run_cli("recalc", str(src))
    assert without.returncode == 0 and "master check (MasterCheck): FALSE" in without.stdout
    checked = run_cli("recalc", str(src), "--check")
    assert checked.returncode == 1 and "the master check is FALSE" in checked.stderr
    assert "no workbook written" in checked.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_check_needs_the_master_check_name(tmp_path: Path) -> None:
    done = run_cli("recalc", str(native_book(tmp_path / "in.xlsx")), "--check")
    assert done.returncode == 2 and "MasterCheck" in done.stderr


def test_in_place_and_refusing_to_overwrite_the_input(tmp_path: Path) -> None:
    src = native_book(tmp_path / "in.xlsx")
    refused = run_cli("recalc", str(src), "-o", str(src))
    assert refused.returncode == 2 and "--in-place" in refused.stderr
    assert ("Calc", "F2") not in cached_values(src)  # openpyxl wrote no cached values
    done = run_cli("recalc", str(src), "--in-place")
    assert done.returncode == 0
    assert cached_values(src)["Calc", "F2"] == 3000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]  # no temporary file left


def test_csv_summary_is_one_value_per_line(tmp_path: Path) -> None:
    src = native_book(tmp_path / "in.xlsx")
    assert run_cli("recalc", str(src), "--summary", str(tmp_path / "s.csv")).returncode == 0
    with (tmp_path / "s.csv").open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["sheet", "row", "scenario", "column", "value"]
    assert ["Calc", "2", "s1", "F", "3000"] in rows
    assert ["Calc", "2", "s1", "G", "small"] in rows
    assert ["Calc", "2", "s1", "J", "TRUE"] in rows


def _stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run the CLI with stderr on a pseudo-terminal; return what it drew there."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlsysim.cli.main", *args], stdout=subprocess.DEVNULL, stderr=child, env=env
    )
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(main)
    return b"".join(chunks).decode(errors="replace")


def test_progress_bar_on_a_terminal_only(tmp_path: Path) -> None:
    src = native_book(tmp_path / "in.xlsx")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    drawn = _stderr_on_a_terminal(["recalc", str(src)], env)
    assert "recalc [" in drawn and "100%" in drawn
    quiet = _stderr_on_a_terminal(["recalc", str(src)], env | {"CI": "true"})
    assert "recalc [" not in quiet
    piped = run_cli("recalc", str(src), env=env)
    assert "recalc [" not in piped.stderr
