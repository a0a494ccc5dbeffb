"""LibreOffice prints the computed plan to PDF headless (every sheet, charts included), as
``mlsysim plan --pdf`` does: about one or two pages per sheet, the Summary on one page, every page
footed with its sheet, page number and computed-at date, and no table split across pages side by
side (each page of a table starts at its first column and reaches its last; a sheet's charts print
on a page of their own).

The page text is read with LibreOffice's own PDF reader (``xpdfimport``, installed with it): one
``drawChar`` line per character with its position."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
from pathlib import Path

import mlsysim.workbooks as wb
import openpyxl
import pytest
from mlsysim.workbooks.layout import HEADER_ROW
from mlsysim.workbooks.pdf import to_pdf
from mlsysim.workbooks.print_setup import column_cm
from wbtest_support import computed_plan, libreoffice

FOOTER = re.compile(r"(?P<sheet>.+?) - page (?P<page>\d+) of (?P<pages>\d+) - computed (?P<when>.+)$")
CHART_TITLES = ("TCO for the period by component", "Emissions by region", "TTFT and ITL per serving")
MAX_PAGES_PER_SHEET = 4  # the About sheet: set-up steps and the function list


def _xpdfimport() -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is required: apt-get install libreoffice-calc"
    reader = Path(soffice).resolve().parent / "xpdfimport"
    assert reader.exists(), f"LibreOffice's PDF reader is not beside {soffice}"
    return reader


def pdf_pages(pdf: Path) -> list[list[str]]:
    """Each page's text lines, top to bottom (characters ordered by position)."""
    out = subprocess.run([str(_xpdfimport()), str(pdf)], capture_output=True, timeout=300, check=True).stdout
    pages: list[dict[int, list[tuple[float, str]]]] = []
    for line in out.split(b"\n"):
        if line.startswith(b"startPage"):
            pages.append(collections.defaultdict(list))
        elif line.startswith(b"drawChar") and pages:
            parts = line.split(b" ", 10)
            char = parts[10].decode("utf-8", "replace") if len(parts) > 10 else " "
            pages[-1][round(float(parts[2]))].append((float(parts[1]), char))
    return [
        ["".join(c for _, c in sorted(chars)).strip() for _, chars in sorted(page.items())] for page in pages
    ]


def _single(text: str) -> str:
    """Chart text is drawn twice per glyph (``TTFFTT``): collapse runs of a repeated character."""
    return re.sub(r"(.)\1+", r"\1", text)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    plan = computed_plan(tmp_path_factory)
    pdf = to_pdf(plan, tmp_path_factory.mktemp("pdf") / "plan.pdf")
    return plan, pdf, pdf_pages(pdf)


def test_libreoffice_converts_the_plan_to_pdf(tmp_path_factory):
    plan = computed_plan(tmp_path_factory)
    (pdf,) = libreoffice([plan], "pdf", tmp_path_factory.mktemp("pdf"), recalculate=False)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    assert len(pages) >= len(wb.SHEETS)  # at least a page per sheet


def _sheet_of(lines: list[str]) -> re.Match:
    found = [m for m in map(FOOTER.search, lines) if m]
    assert len(found) == 1, lines[:3]
    return found[0]


def test_page_count_is_about_one_or_two_per_sheet(printed):
    pages = printed[2]
    feet = [_sheet_of(lines) for lines in pages]
    by_sheet = collections.Counter(m["sheet"] for m in feet)
    assert list(by_sheet) == list(wb.SHEETS)  # every sheet, in order
    assert len(pages) <= 2 * len(wb.SHEETS), by_sheet
    assert max(by_sheet.values()) <= MAX_PAGES_PER_SHEET, by_sheet
    assert by_sheet["Summary"] == 1
    for k, m in enumerate(feet, start=1):
        assert (int(m["page"]), int(m["pages"])) == (k, len(pages))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", m["when"].strip())


def _table_edges(book, sheet: str) -> tuple[str, str | None] | None:
    """(title prefix in A1, the last header's first word when it fits its column unwrapped) of a
    table sheet; None for a sheet without a header row."""
    ws = book[sheet]
    headers = [c for c in ws[HEADER_ROW] if isinstance(c.value, str) and c.value]
    if not isinstance(ws["A1"].value, str) or len(headers) < 3:
        return None
    last = headers[-1]
    word = re.split(r"[\s(:,]", last.value)[0]
    fits = len(word) * 0.21 + 0.2 <= column_cm(ws, last.column)  # ~0.21 cm a character at 11 pt
    return ws["A1"].value[:6], word if fits else None


def test_no_table_is_split_across_pages(printed):
    plan, _, pages = printed
    book = openpyxl.load_workbook(plan)
    checked = collections.Counter()
    for lines in pages:
        sheet = _sheet_of(lines)["sheet"]
        edges = _table_edges(book, sheet)
        if edges is None:
            continue
        text = "\n".join(lines)
        title, last_word = edges
        if "Master" in text:  # the table's own page: from column A (title, B1) ...
            assert title in text, (sheet, title)
            if last_word is not None:  # ... out to its last column
                assert last_word in text, (sheet, last_word)
            checked["table"] += 1
        else:  # any other page holds the sheet's charts, never the rest of its columns
            flat = _single(text)
            assert any(_single(t) in flat for t in CHART_TITLES), (sheet, lines[:5])
            checked["chart"] += 1
    assert checked["table"] >= 10 and checked["chart"] >= 3
