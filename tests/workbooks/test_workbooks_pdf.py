"""LibreOffice prints the computed plan to PDF headless (every sheet, charts included)."""

from __future__ import annotations

import re

import mlsysim.workbooks as wb
from wbtest_support import computed_plan, libreoffice


def test_libreoffice_converts_the_plan_to_pdf(tmp_path_factory):
    plan = computed_plan(tmp_path_factory)
    (pdf,) = libreoffice([plan], "pdf", tmp_path_factory.mktemp("pdf"), recalculate=False)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    assert len(pages) >= len(wb.SHEETS)  # at least a page per sheet
