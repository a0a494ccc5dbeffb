"""Formats benchmark results as a plain-text table and writes them as JSON.

Every row has an ``ours`` and a ``reference`` cell: a measured ``value`` in the row's ``unit``,
or a ``status`` ("not available yet", "error", "n/a") with a reason. ``ratio`` is
how many times faster we are, for rows measured on both sides: reference / ours for a time,
ours / reference for a rate (a unit per second, e.g. ``layouts/s``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

_UNITS = {"us": "µs", "ms": "ms", "s": "s"}
_LABEL_W, _CELL_W = 54, 13


def ratio(ours: dict | None, ref: dict | None, unit: str = "us") -> float | None:
    """How many times faster we are when both sides have a positive measured value."""
    if not (ours and ref and (ours.get("value") or 0) > 0 and (ref.get("value") or 0) > 0):
        return None
    if unit.endswith("/s"):
        return ours["value"] / ref["value"]
    return ref["value"] / ours["value"]


def _cell(cell: dict | None, unit: str) -> str:
    if cell is None:
        return "n/a"
    if cell.get("value") is None:
        return cell.get("status", "n/a")
    v = cell["value"]
    # Three significant digits, never scientific notation (0 decimals from 100 up).
    digits = 0 if v >= 100 or v <= 0 else min(6, 2 - math.floor(math.log10(v)))
    return f"{v:,.{digits}f} {_UNITS.get(unit, unit)}"


def _ratio(r: float | None) -> str:
    if r is None:
        return "-"
    return f"{r:,.0f}x" if r >= 100 else f"{r:,.1f}x"


def table(results: dict) -> str:
    """The printed report: header (machine, versions), one block per section, then checks."""
    m, ref = results["machine"], results["reference"]
    lines = [
        f"MLSYSIM benchmark, {m['date']}" + (" (--quick)" if results["quick"] else ""),
        f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['os']}",
        f"load average (1/5/15 min) at start {m['load_average']}, "
        f"at end {m.get('load_average_end')}",
        f"ours: mlsysim {results['ours']['version']} (commit {m['commit']}), Python {m['python']}",
        f"reference: mlsysim {ref['packages'].get('mlsysim')} "
        f"(pint {ref['packages'].get('pint')}, pydantic {ref['packages'].get('pydantic')}), "
        f"Python {ref['python']}, venv {ref['venv']}",
        "",
        f"{'':<{_LABEL_W}}{'ours':>{_CELL_W}} {'reference':>{_CELL_W}}{'faster':>10}",
    ]
    for section in results["sections"]:
        lines.append(section["title"])
        if section.get("note"):
            lines.append(f"  ({section['note']})")
        for row in section["rows"]:
            label = "  " + row["row"]
            if len(label) > _LABEL_W - 1:
                label = label[: _LABEL_W - 2] + "…"
            lines.append(
                f"{label:<{_LABEL_W}}{_cell(row['ours'], row['unit']):>{_CELL_W}}"
                f" {_cell(row['reference'], row['unit']):>{_CELL_W}}{_ratio(row['ratio']):>10}"
            )
            for side in ("ours", "reference"):
                cell = row[side] or {}
                if cell.get("value") is None and cell.get("reason"):
                    lines.append(f"      {side}: {cell['reason']}")
    if results.get("checks"):
        lines += ["", "Same question on both sides (headline output of one call):"]
        for c in results["checks"]:
            lines.append(
                f"  {c['row']:<22}{_num(c['ours']):>16}{_num(c['reference']):>16}  {c['unit']}"
            )
    if results["errors"]:
        lines += ["", f"{len(results['errors'])} error(s): see stderr and the JSON 'errors'."]
    return "\n".join(lines)


def _num(v) -> str:
    if isinstance(v, int | float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return "-" if v is None else str(v)


def write_json(results: dict, path: Path) -> None:
    """Write the full results (including what was called on each side) to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
