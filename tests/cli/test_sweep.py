"""``mlsysim sweep``: a real run over a scenarios file, output safety, progress on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pandas as pd
from mlsysim.sweeps import grid, sweep

from tests.cli.cli import assert_one_line_error, run


def scenarios(path):
    frame = grid(
        model=["Llama3_8B", "NotAModel"], hardware=["H100", "L4"], seq_len=[512, 4096], tp_size=[1, 2]
    )
    frame.to_csv(path, index=False)
    return frame


def test_csv_sweep_writes_inputs_results_and_errors(tmp_path):
    frame = scenarios(tmp_path / "s.csv")
    result = run("sweep", "s.csv", "--solver", "serving", "-o", "r.csv", "--chunk-rows", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = sweep(frame)
    errors = int(expected["error"].notna().sum())
    assert result.stdout.strip() == f"16 rows swept ({errors} with an error) -> r.csv"
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    written = pd.read_csv(tmp_path / "r.csv")
    assert list(written.columns) == list(expected.columns)
    assert written["ttft_ms"].equals(expected["ttft_ms"])
    assert written["error"].fillna("").tolist() == expected["error"].astype(object).fillna("").tolist()


def test_existing_output_needs_force_and_strict_fails_on_errors(tmp_path):
    scenarios(tmp_path / "s.csv")
    (tmp_path / "r.parquet").write_text("old")
    assert_one_line_error(run("sweep", "s.csv", "-o", "r.parquet", cwd=tmp_path), "already exists", "--force")
    assert (tmp_path / "r.parquet").read_text() == "old"
    result = run("sweep", "s.csv", "-o", "r.parquet", "--force", "--strict", cwd=tmp_path)
    assert result.returncode == 1  # NotAModel rows carry errors
    assert len(pd.read_parquet(tmp_path / "r.parquet")) == 16


def test_bad_files_are_one_line(tmp_path):
    assert_one_line_error(run("sweep", "missing.csv", "-o", "r.csv", cwd=tmp_path), "no such file")
    scenarios(tmp_path / "s.csv")
    assert_one_line_error(run("sweep", "s.csv", "-o", "r.json", cwd=tmp_path), ".csv, .parquet or .xlsx")
    assert_one_line_error(
        run("sweep", "s.csv", "--solver", "economics", "-o", "r.csv", cwd=tmp_path),
        "needs column(s) fleet, duration_days",
    )


def test_progress_bar_on_a_terminal(tmp_path):
    scenarios(tmp_path / "s.csv")
    controller, terminal = pty.openpty()
    process = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "sweep", "s.csv", "-o", "r.csv", "--chunk-rows", "4"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
        timeout=120,
        check=False,
    )
    os.close(terminal)
    drawn = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        drawn += chunk
    os.close(controller)
    assert process.returncode == 0
    text = drawn.decode()
    assert "sweep serving [" in text and "100%" in text and "16 rows" in text
    assert "#" * 30 in text  # the bar is full at the end
