"""``mlsysim sweep``: a real run over a scenarios file, output safety, progress on a terminal only."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pandas as pd
import pytest
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


def test_ranges_add_band_columns_equal_to_the_facades_ranges(tmp_path):
    """``--ranges`` on a CSV (text cells, a pass-through column, a bad row): the Monte Carlo bounds
    of each row equal ``RangesModel``'s for the same inputs (same draws and seed), in CSV and
    Parquet alike, and the bad row keeps its message with empty bounds."""
    from mlsysim.api.ranges import RangesModel

    rows = [("H100_8", 365, 0.08, "rack a"), ("A100_64", 90, 0.12, "rack b"), ("H100_8x", 30, 0.1, "typo")]
    pd.DataFrame(rows, columns=["fleet", "duration_days", "kwh_price", "label"]).to_csv(
        tmp_path / "f.csv", index=False
    )
    for out in ("r.csv", "r.parquet"):
        flags = ("--ranges", "--draws", "200", "--seed", "3")
        result = run("sweep", "f.csv", "--solver", "economics", "-o", out, *flags, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        written = pd.read_csv(tmp_path / out) if out.endswith(".csv") else pd.read_parquet(tmp_path / out)
        assert written["label"].tolist() == ["rack a", "rack b", "typo"]
        for i, (fleet, days, price, _) in enumerate(rows[:2]):
            c = (
                RangesModel()
                .solve("economics", fleet=fleet, duration_days=days, kwh_price=price, draws=200, seed=3)
                .composite
            )
            assert written["tco_usd_p10"][i] == pytest.approx(c.low, rel=1e-12)
            assert written["tco_usd_p90"][i] == pytest.approx(c.high, rel=1e-12)
            assert c.low < written["tco_usd"][i] < c.high
        assert "H100_8x" in written["error"][2]
        assert pd.isna(written["tco_usd_p10"][2]) and pd.isna(written["tco_usd_p90"][2])


def test_ranges_with_bad_draws_is_one_line_error_and_no_output(tmp_path):
    pd.DataFrame({"fleet": ["H100_8"], "duration_days": [365]}).to_csv(tmp_path / "f.csv", index=False)
    result = run(
        "sweep", "f.csv", "--solver", "economics", "-o", "r.csv", "--ranges", "--draws", "1", cwd=tmp_path
    )
    assert_one_line_error(result, "draws", "1", ">= 2")
    assert not (tmp_path / "r.csv").exists()
