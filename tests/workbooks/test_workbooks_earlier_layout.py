"""A workbook written by an earlier version still recomputes (architecture, decision 5).

``data/plan_milestone1.xlsx`` is the default plan as milestone 1 wrote it (``git archive 8126a5b``,
installed in a fresh virtualenv, ``mlsysim plan``): its catalog sheets have the milestone-1 columns,
without the ones added since (Peak FP4, scale-up topology and domain, carbon basis). Every MLSYS_*
cell passes such a row; read by key, the added columns empty, they must all compute.
"""

from __future__ import annotations

from pathlib import Path

import mlsysim
import openpyxl
import pytest
from mlsysim.macros.sheet_schema import catalog_rows, row_to_spec, schema
from mlsysim.workbooks import recalc

EARLIER = Path(__file__).parent / "data" / "plan_milestone1.xlsx"


def test_milestone1_plan_recomputes_without_errors(tmp_path):
    out = tmp_path / "again.xlsx"
    report = recalc(EARLIER, out, check=True)
    assert not report.errors and report.master_check is True and report.exit_code == 0
    book = openpyxl.load_workbook(out, data_only=True)
    serving = book["Serving"]
    headers = [c.value for c in next(serving.iter_rows(min_row=1, max_row=10)) if c.value]
    assert headers  # the sheet kept its layout
    # The first serving scenario (Llama 3 70B, H100, TP8, 4,096-token prompts, batch 16, 256 out):
    # the TTFT cell holds what the current engine computes from the workbook's own (milestone-1)
    # rows, whose H100 has no scale-up topology (a ring, where the catalog now says NVLink SHARP).
    rows = {
        sheet: {r[0]: list(r) for r in book[sheet].iter_rows(values_only=True) if r and r[0]}
        for sheet in ("Hardware", "Models")
    }
    h100 = row_to_spec("hardware", rows["Hardware"]["H100"])
    llama = row_to_spec("model", rows["Models"]["Llama3_70B"])
    assert h100.scale_up_topology in ("", None)
    expected = mlsysim.ServingModel().solve(
        llama, h100, seq_len=4096, batch_size=16, precision="fp16", output_len=256, tp_size=8
    )
    values = [c.value for row in serving.iter_rows() for c in row if isinstance(c.value, float)]
    assert any(v == pytest.approx(expected.ttft.to("ms").magnitude, rel=1e-9) for v in values)


@pytest.mark.parametrize("kind", ["hardware", "fleet", "region"])
def test_an_earlier_row_reads_by_key(kind):
    sheet = schema(kind)
    (earlier,) = sheet.earlier
    row = catalog_rows(kind)[0]
    old = [cell for column, cell in zip(sheet.columns, row, strict=True) if column.key in earlier]
    emptied = [
        cell if column.key in earlier else None for column, cell in zip(sheet.columns, row, strict=True)
    ]
    assert len(old) == len(earlier) < len(row)
    assert row_to_spec(kind, old) == row_to_spec(kind, emptied)
