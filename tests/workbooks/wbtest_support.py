"""Shared helpers of the workbook tests: the computed default plan (built once per test session),
LibreOffice conversions, and which formula cells depend on MLSYS_* functions.

Not a conftest: tests/ has sibling folders named like top-level packages (macros, workbooks), so
the helpers live in a module with a name of its own.
"""

from __future__ import annotations

import subprocess
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import mlsysim.workbooks as wb
from conftest import soffice_path
from openpyxl.formula.tokenizer import Token, Tokenizer
from openpyxl.utils.cell import get_column_letter, range_boundaries

_CACHE: dict[str, Path] = {}
SOFFICE_TIMEOUT_S = 600

# LibreOffice's setting "Recalculation on file load" for OOXML files (0 = always recalculate);
# without it LibreOffice shows the cached values, as a user opening the file does.
_ALWAYS_RECALC = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def computed_plan(tmp_path_factory: Any) -> Path:
    """The default planning workbook, built and recomputed headless once per session (read only:
    copy it before editing)."""
    if "plan" not in _CACHE:
        folder = tmp_path_factory.mktemp("computed_plan")
        path = wb.build(folder / "plan.xlsx", computed_at=datetime.now(UTC))
        report = wb.recalc(path, in_place=True)
        assert not report.errors, report.errors[:3]
        _CACHE["plan"] = path
    return _CACHE["plan"]


def libreoffice(inputs: Iterable[Path], fmt: str, outdir: Path, *, recalculate: bool) -> list[Path]:
    """Convert ``inputs`` with one headless LibreOffice run; ``recalculate`` forces a full
    recalculation on load (a fresh profile per call, so settings never leak between runs)."""
    inputs = list(inputs)
    soffice = soffice_path()
    profile = outdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    if recalculate:
        (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALC, "utf-8")
    converted = outdir / "converted"
    command = [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(converted),
        *map(str, inputs),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SOFFICE_TIMEOUT_S, check=False)
    outputs = [converted / f"{p.stem}.{fmt}" for p in inputs]
    missing = [str(p) for p in outputs if not p.exists()]
    assert not missing, f"soffice produced no {missing}: {done.stdout} {done.stderr}"
    return outputs


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def cached_values(path: Path) -> dict[tuple[str, str], str | None]:
    """(sheet, cell) -> the text of the cached value ``<v>`` of every formula cell, None when the
    file holds none (openpyxl reads an empty-text result and a missing value alike as None)."""
    found: dict[tuple[str, str], str | None] = {}
    with zipfile.ZipFile(path) as z:
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target").lstrip("/").removeprefix("xl/") for r in rels}
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        for sheet in book.iter(f"{_MAIN}sheet"):
            part = ElementTree.fromstring(z.read("xl/" + targets[sheet.get(f"{_REL}id")]))
            for cell in part.iter(f"{_MAIN}c"):
                if cell.find(f"{_MAIN}f") is not None:
                    value = cell.find(f"{_MAIN}v")
                    found[(sheet.get("name"), cell.get("r"))] = None if value is None else (value.text or "")
    return found


def formula_cells(workbook: Any) -> dict[tuple[str, str], str]:
    return {
        (ws.title, cell.coordinate): cell.value
        for ws in workbook.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


def _cells(reference: str, sheet: str, names: dict[str, str]) -> set[tuple[str, str]]:
    reference = names.get(reference, reference)
    if "!" in reference:
        sheet, reference = reference.rsplit("!", 1)
        sheet = sheet.strip("'")
    reference = reference.replace("$", "")
    if not any(ch.isdigit() for ch in reference):  # a name that is not a cell reference
        return set()
    min_col, min_row, max_col, max_row = range_boundaries(reference)
    return {
        (sheet, f"{get_column_letter(c)}{r}")
        for c in range(min_col, max_col + 1)
        for r in range(min_row, max_row + 1)
    }


def engine_dependent(workbook: Any) -> set[tuple[str, str]]:
    """Formula cells that call an MLSYS_* function or depend on one, directly or through others."""
    names = {name: d.attr_text for name, d in workbook.defined_names.items()}
    formulas = formula_cells(workbook)
    readers: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for key, formula in formulas.items():
        for token in Tokenizer(formula).items:
            if token.type == Token.OPERAND and token.subtype == Token.RANGE:
                for precedent in _cells(token.value, key[0], names):
                    readers[precedent].add(key)
    dependent = {key for key, formula in formulas.items() if "MLSYS_" in formula.upper()}
    stack = list(dependent)
    while stack:
        for reader in readers[stack.pop()]:
            if reader not in dependent:
                dependent.add(reader)
                stack.append(reader)
    return dependent


def is_error_value(value: Any) -> bool:
    """An error shown in a cell: Excel's #NAME?, #VALUE!... or LibreOffice's Err:nnn."""
    return isinstance(value, str) and (value.startswith(("#N", "#V", "#R", "#D", "Err:")) or value == "#NUM!")


def close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= rel * max(abs(a), abs(b)) or a == b
    return a == b


def planned_token_cost(serving_row: dict[str, Any], scenario: Any, rate: float, utilization: float) -> Any:
    """The engine's token prices of a Serving row's capacity plan (``token_cost_core``): TP x
    replicas needed accelerators at ``rate`` USD per accelerator-second carry the peak traffic,
    peak requests/s x prompt input and x output tokens per second while busy; input tokens carry
    the static batch's prefill share TTFT / (TTFT + (n - 1) ITL) of the cost."""
    from mlsysim.solvers.token_cost import TOKENS_PER_MILLION, static_batch_rates, token_cost_core

    _, _, share = static_batch_rates(
        ttft=serving_row["ttft"] / 1000,
        itl=serving_row["itl"] / 1000,
        batch=scenario.batch,
        seq_len=scenario.prompt_tokens,
        output_len=scenario.output_tokens,
    )
    cost = token_cost_core(
        cost_rate=scenario.tp * serving_row["replicas"] * rate,
        input_tokens_per_s=scenario.peak_rps * scenario.prompt_tokens,
        output_tokens_per_s=scenario.peak_rps * scenario.output_tokens,
        prefill_share=share,
        utilization=utilization,
    )
    per_million = {
        "per_million_tokens": cost.cost_per_token * TOKENS_PER_MILLION,
        "input_per_mtok": cost.input_cost_per_token * TOKENS_PER_MILLION,
        "output_per_mtok": cost.output_cost_per_token * TOKENS_PER_MILLION,
    }
    return cost, share, per_million
