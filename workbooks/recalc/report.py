"""What a recompute found: counts, the cells that evaluate to an error, the master check, timings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

MAX_LISTED = 20  # errors printed by the CLI; the count covers all


@dataclass(frozen=True, slots=True)
class CellError:
    """A formula cell whose value is an error: where, its formula, and the error it shows."""

    sheet: str
    cell: str
    formula: str
    error: str

    @property
    def label(self) -> str:
        return f"{self.sheet}!{self.cell}"

    def __str__(self) -> str:
        return f"{self.label}: ={self.formula} -> {self.error}"


@dataclass(frozen=True)
class RecalcReport:
    """Result of ``recalc``. ``exit_code``: 0 all formulas evaluate (and, when checked, the master
    check holds), 1 otherwise. Unusable input raises ``UnusableWorkbookError`` instead (exit 2)."""

    source: Path
    output: Path | None
    summary_path: Path | None
    formula_cells: int
    compiled_formulas: int  # distinct formulas (copies down a column count once)
    levels: int
    errors: tuple[CellError, ...]
    master_check: bool | None  # None when the workbook defines no MasterCheck name
    checked: bool  # whether the master check decides the exit code
    tables: Callable[[], dict[str, list[dict[str, Any]]]] = field(repr=False, compare=False)
    seconds: dict[str, float] = field(default_factory=dict)

    @cached_property
    def scenarios(self) -> dict[str, list[dict[str, Any]]]:
        """{sheet: [record, ...]}: the summary's tables (see ``summary``), built when first read."""
        return self.tables()

    @property
    def ok(self) -> bool:
        return not self.errors and not (self.checked and self.master_check is not True)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def lines(self) -> list[str]:
        """The human-readable account the CLI prints."""
        out = [
            f"{self.formula_cells} formula cells ({self.compiled_formulas} distinct formulas, "
            f"{self.levels} dependency levels) evaluated in {sum(self.seconds.values()):.2f} s"
        ]
        if self.errors:
            out.append(f"{len(self.errors)} cells evaluate to an error:")
            out += [f"  {e}" for e in self.errors[:MAX_LISTED]]
            if len(self.errors) > MAX_LISTED:
                out.append(f"  ... and {len(self.errors) - MAX_LISTED} more")
        if self.master_check is not None:
            out.append(f"master check (MasterCheck): {'TRUE' if self.master_check else 'FALSE'}")
        if self.output:
            out.append(f"wrote {self.output}")
        if self.summary_path:
            out.append(f"wrote {self.summary_path}")
        return out
