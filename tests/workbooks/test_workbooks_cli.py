"""``mlsysim plan`` run as a user runs it (a subprocess): builds and computes plan.xlsx, prints the
summary, never replaces a file without --force, and fails with one line and exit 2 on bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
from mlsysim.workbooks import load_scenarios
from wbtest_support import cached_values


def _plan(*args, cwd):
    command = [sys.executable, "-m", "mlsysim.cli.main", "plan", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=600, check=False)


def test_plan_builds_computes_and_summarises(tmp_path):
    done = _plan(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "plan.xlsx"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]  # no temporary file left
    assert "master check OK" in done.stdout
    scenarios = load_scenarios()
    for s in (*scenarios.serving, *scenarios.training, *scenarios.reliability):
        assert s.name[:50] in done.stdout
    assert "TCO USD/year" in done.stdout and "tCO2e/year" in done.stdout
    assert all(v is not None for v in cached_values(target).values())  # computed, not just built
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask

    before = target.read_bytes()
    again = _plan(cwd=tmp_path)
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.count("\n") == 1 and "--force" in again.stderr
    assert target.read_bytes() == before


def test_scenarios_file_replaces_defaults_and_flags_what_does_not_fit(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text(
        "sheet,name,model,hardware,fleet,tp,batch,job_hours\n"
        "serving,fits on eight,Llama3_70B,H100,,8,4,\n"
        "serving,one GPU is not enough,Llama3_70B,H100,,1,1,\n"
        "reliability,a week,,,H100_64,,,168\n",
        "utf-8",
    )
    (tmp_path / "out.xlsx").write_bytes(b"old")
    done = _plan("-o", "out.xlsx", "--scenarios", csv, "--force", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # does-not-fit is a flag, not a failed check
    lines = {line.split("  ")[0]: line for line in done.stdout.splitlines()}
    assert "yes" in lines["fits on eight"]
    assert "NO" in lines["one GPU is not enough"] and "does not fit" in lines["one GPU is not enough"]
    book = openpyxl.load_workbook(tmp_path / "out.xlsx", data_only=True)
    flags = {book["Checks"].cell(r, 1).value: book["Checks"].cell(r, 2).value for r in range(4, 40)}
    assert flags["Serving scenarios that do not fit in memory"] == 1
    assert book["Checks"]["C4"].value is True
    assert [r[0] for r in book["Serving"].iter_rows(min_row=4, max_row=5, values_only=True)] == [
        "fits on eight",
        "one GPU is not enough",
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[serving]]\nname = "typo"\nmodel = "Llama3_70B"\nhardware = "H10"\n', "utf-8")
    done = _plan("--scenarios", bad, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "'H10'" in done.stderr and "H100" in done.stderr
    wrong = _plan("-o", "plan.xls", cwd=tmp_path)
    assert wrong.returncode == 2 and ".xlsx" in wrong.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]
