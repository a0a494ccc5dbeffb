"""File sweeps: chunked CSV and Parquet round trips, .xlsx, atomic and non-destructive writes.

A sweep larger than memory runs because input is read and output written ``chunk_rows`` rows at a
time; the tests use chunks of 7 rows so a 50-row file is 8 chunks, and check the result equals one
in-memory sweep of the whole frame.
"""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from mlsysim.errors import InvalidInputError
from mlsysim.sweeps import grid, sweep, sweep_file
from mlsysim.sweeps.columns import result_names

NAMES = list(result_names("serving"))


def scenarios(rows: int = 50) -> pd.DataFrame:
    frame = grid(
        model=["Llama3_8B", "Llama3_70B", "Mixtral_8x7B", "Nope", "ResNet50"],
        hardware=["H100", "L4"],
        seq_len=[512, 4096, 40_000],
        tp_size=[1, 2],
    ).head(rows)
    frame.insert(0, "scenario", [f"s{i}" for i in range(len(frame))])
    return frame


def assert_results_equal(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Results read back from a file equal the in-memory sweep (floats exactly: CSV writes repr)."""
    for name in NAMES:
        got, want = written[name], expected[name]
        if want.dtype == np.float64:
            np.testing.assert_array_equal(got.to_numpy(dtype=float), want.to_numpy(dtype=float))
        else:
            assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in want], name


def test_csv_round_trip_in_chunks(tmp_path):
    frame = scenarios()
    frame.to_csv(tmp_path / "in.csv", index=False)
    calls = []
    summary = sweep_file(
        tmp_path / "in.csv", tmp_path / "out.csv", chunk_rows=7, progress=lambda r, f: calls.append((r, f))
    )
    assert [rows for rows, _ in calls] == [7, 14, 21, 28, 35, 42, 49, 50]  # 8 chunks of <= 7 rows
    assert calls[-1][1] == 1.0 and all(0 < f <= 1 for _, f in calls)
    expected = sweep(frame)
    written = pd.read_csv(tmp_path / "out.csv", keep_default_na=False, na_values=[""])
    assert summary.rows == 50 and summary.errors == int(expected["error"].notna().sum()) > 0
    assert list(written.columns) == [*frame.columns, *NAMES]
    assert written["scenario"].tolist() == frame["scenario"].tolist()
    written["feasible"] = written["feasible"].map({True: True, False: False}, na_action="ignore")
    written["constraint"] = written["constraint"].where(written["error"].isna()).fillna("")
    expected = expected.assign(constraint=expected["constraint"].astype(object).fillna(""))
    assert_results_equal(written, expected)


def test_parquet_round_trip_in_chunks_keeps_column_types(tmp_path):
    frame = scenarios()
    frame.to_parquet(tmp_path / "in.parquet", index=False)
    calls = []
    sweep_file(
        tmp_path / "in.parquet", tmp_path / "out.parquet", chunk_rows=7, progress=lambda r, f: calls.append(r)
    )
    assert calls == [7, 14, 21, 28, 35, 42, 49, 50]
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("seq_len").type == pa.int64()  # as in the input file
    assert table.schema.field("ttft_ms").type == pa.float64()
    assert table.schema.field("feasible").type == pa.bool_()
    assert table.schema.field("error").type == pa.string()
    assert_results_equal(table.to_pandas(), sweep(frame))


def test_csv_to_parquet_and_back(tmp_path):
    frame = scenarios(20)
    frame.to_csv(tmp_path / "in.csv", index=False)
    sweep_file(tmp_path / "in.csv", tmp_path / "mid.parquet", chunk_rows=6)
    table = pq.read_table(tmp_path / "mid.parquet")
    assert table.schema.field("seq_len").type == pa.float64()  # a numeric argument read from text
    assert table.schema.field("scenario").type == pa.string()
    assert_results_equal(table.to_pandas(), sweep(frame))


def test_xlsx_round_trip_and_libreoffice_opens_it(tmp_path, soffice):
    frame = scenarios(12)
    frame.to_excel(tmp_path / "in.xlsx", index=False, sheet_name="scenarios")
    sweep_file(tmp_path / "in.xlsx", tmp_path / "out.xlsx", sheet="scenarios")
    written = pd.read_excel(tmp_path / "out.xlsx", sheet_name="results")
    expected = sweep(frame)
    # openpyxl writes 15 significant digits, as Excel keeps them.
    np.testing.assert_allclose(written["ttft_ms"], expected["ttft_ms"].to_numpy(dtype=float), rtol=1e-14)
    assert written["error"].fillna("").tolist() == expected["error"].astype(object).fillna("").tolist()
    # A real spreadsheet program reads the file: LibreOffice converts it to CSV headless.
    subprocess.run(
        [
            soffice,
            "--headless",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path / "lo"),
            str(tmp_path / "out.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    converted = pd.read_csv(tmp_path / "lo" / "out.csv")
    assert converted["scenario"].tolist() == frame["scenario"].tolist()
    np.testing.assert_allclose(converted["kv_cache_gb"], expected["kv_cache_gb"], rtol=1e-9)


def test_existing_output_is_kept_unless_overwrite(tmp_path):
    scenarios(5).to_csv(tmp_path / "in.csv", index=False)
    (tmp_path / "out.csv").write_text("keep me")
    with pytest.raises(InvalidInputError, match="already exists"):
        sweep_file(tmp_path / "in.csv", tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text() == "keep me"
    sweep_file(tmp_path / "in.csv", tmp_path / "out.csv", overwrite=True)
    assert len(pd.read_csv(tmp_path / "out.csv")) == 5
    with pytest.raises(InvalidInputError, match="is the scenarios file"):
        sweep_file(tmp_path / "in.csv", tmp_path / "in.csv", overwrite=True)


def test_a_failed_or_interrupted_sweep_leaves_no_file_behind(tmp_path):
    scenarios(20).to_csv(tmp_path / "in.csv", index=False)

    def interrupt_after_two_chunks(rows: int, fraction: float | None) -> None:
        if rows >= 14:
            raise KeyboardInterrupt  # Ctrl-C after two chunks were written to the temporary file

    for target in ("out.csv", "out.parquet"):
        with pytest.raises(KeyboardInterrupt):
            sweep_file(
                tmp_path / "in.csv", tmp_path / target, chunk_rows=7, progress=interrupt_after_two_chunks
            )
    scenarios(20).drop(columns=["seq_len"]).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InvalidInputError, match="seq_len"):
        sweep_file(tmp_path / "bad.csv", tmp_path / "out.parquet", chunk_rows=7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "in.csv"]


def test_header_only_input_gives_header_only_output(tmp_path):
    (tmp_path / "in.csv").write_text("model,hardware,seq_len\n")
    summary = sweep_file(tmp_path / "in.csv", tmp_path / "out.csv")
    assert summary.rows == 0
    assert (tmp_path / "out.csv").read_text().strip().split(",") == ["model", "hardware", "seq_len", *NAMES]


def test_unknown_formats_and_missing_files_are_input_errors(tmp_path):
    with pytest.raises(InvalidInputError, match=r"\.csv, \.parquet or \.xlsx"):
        sweep_file(tmp_path / "in.json", tmp_path / "out.csv")
    with pytest.raises(InvalidInputError, match="no such file"):
        sweep_file(tmp_path / "in.csv", tmp_path / "out.csv")
