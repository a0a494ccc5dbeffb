"""Evaluation order: which formula cells each formula cell reads, levels, and circular references.

A formula cell depends on every formula cell inside the areas its references cover (and, for a
range built with ``:`` from INDEX results, inside the box around the areas it is built from); a cell
of an array formula's range counts as that formula. Level 0 cells read only constants; a cell's
level is one more than the highest level it reads (Kahn's algorithm, which also finds circular
references: the cells it never reaches). Cells of one compiled formula
on one level do not read each other, so they can be evaluated together.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .cellref import label


@dataclass(slots=True)
class Instance:
    """One formula cell: where it is and which compiled formula it runs at which offset."""

    sheet: int
    row: int
    col: int
    template: Any
    dr: int
    dc: int
    level: int = 0
    spill: tuple[int, int, int, int] | None = None  # an array formula's range (r1, c1, r2, c2)


class CircularReference(Exception):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


class _Index:
    """Formula cells by position, and per (sheet, column) their sorted rows, for area queries."""

    def __init__(self, instances: list[Instance]) -> None:
        self.at: dict[tuple[int, int, int], int] = {}
        columns: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for i, cell in enumerate(instances):
            self.at[cell.sheet, cell.row, cell.col] = i
            columns[cell.sheet, cell.col].append((cell.row, i))
            if cell.spill:  # every cell of an array formula's range is computed by it
                r1, c1, r2, c2 = cell.spill
                for row in range(r1, r2 + 1):
                    for col in range(c1, c2 + 1):
                        if (row, col) != (cell.row, cell.col):
                            self.at[cell.sheet, row, col] = i
                            columns[cell.sheet, col].append((row, i))
        self.rows: dict[tuple[int, int], list[int]] = {}
        self.ids: dict[tuple[int, int], list[int]] = {}
        self.sheet_cols: dict[int, list[int]] = defaultdict(list)
        for (sheet, col), entries in columns.items():
            entries.sort()
            self.rows[sheet, col] = [r for r, _ in entries]
            self.ids[sheet, col] = [i for _, i in entries]
            self.sheet_cols[sheet].append(col)
        for cols in self.sheet_cols.values():
            cols.sort()

    def inside(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[int]:
        if r1 == r2 and c1 == c2:
            hit = self.at.get((sheet, r1, c1))
            return [] if hit is None else [hit]
        cols = self.sheet_cols.get(sheet, ())
        found: list[int] = []
        for k in range(bisect.bisect_left(cols, c1), bisect.bisect_right(cols, c2)):
            col = cols[k]
            rows = self.rows[sheet, col]
            lo, hi = bisect.bisect_left(rows, r1), bisect.bisect_right(rows, r2)
            found.extend(self.ids[sheet, col][lo:hi])
        return found


def precedents(instances: list[Instance]) -> list[list[int]]:
    """For each formula cell, the formula cells it reads (a #REF! area reads nothing)."""
    index = _Index(instances)
    at = index.at
    fixed: dict[tuple, list[int]] = {}
    result: list[list[int]] = []
    for cell in instances:
        reads: list[int] = []
        dr, dc = cell.dr, cell.dc
        for ref in cell.template.refs:
            a = ref.area
            if a.fixed:
                key = (ref.sheet, a.r1, a.c1, a.r2, a.c2)
                hits = fixed.get(key)
                if hits is None:
                    hits = fixed[key] = index.inside(*key)
                reads.extend(hits)
            elif a.r1 == a.r2 and a.c1 == a.c2:  # one relative cell: a dictionary look-up
                hit = at.get((ref.sheet, a.r1 if a.r1_abs else a.r1 + dr, a.c1 if a.c1_abs else a.c1 + dc))
                if hit is not None:
                    reads.append(hit)
            else:
                box = a.shifted(dr, dc)
                if box is not None:
                    reads.extend(index.inside(ref.sheet, *box))
        for span in cell.template.spans:
            box = _bounding_box(span, dr, dc)
            if box is not None:
                reads.extend(index.inside(*box))
        result.append(reads)
    return result


def _bounding_box(refs: tuple, dr: int, dc: int) -> tuple[int, int, int, int, int] | None:
    """(sheet, r1, c1, r2, c2) around the areas of ``refs`` on the first one's sheet."""
    boxes = [b for r in refs if r.sheet == refs[0].sheet and (b := r.area.shifted(dr, dc))] if refs else []
    if not boxes:
        return None
    return (
        refs[0].sheet,
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def levels(instances: list[Instance], sheet_names: list[str]) -> int:
    """Set ``level`` on every instance; returns the number of levels. Raises CircularReference."""
    reads = precedents(instances)
    readers: list[list[int]] = [[] for _ in instances]
    pending = [len(deps) for deps in reads]  # a cell read twice is counted, and released, twice
    for i, deps in enumerate(reads):
        for d in deps:
            readers[d].append(i)
    level = [0] * len(instances)
    ready = [i for i, n in enumerate(pending) if n == 0]
    done = 0
    while ready:
        nxt: list[int] = []
        for i in ready:
            done += 1
            up = level[i] + 1
            for j in readers[i]:
                if level[j] < up:
                    level[j] = up
                pending[j] -= 1
                if pending[j] == 0:
                    nxt.append(j)
        ready = nxt
    if done < len(instances):
        raise CircularReference(_cycle(instances, reads, pending, sheet_names))
    for cell, n in zip(instances, level, strict=True):
        cell.level = n
    return max(level, default=-1) + 1


def _cycle(
    instances: list[Instance], reads: list[list[int]], pending: list[int], names: list[str]
) -> list[str]:
    """One cycle among the cells Kahn's algorithm could not order, as ``Sheet!A1`` labels."""
    stuck = {i for i, n in enumerate(pending) if n > 0}
    start = min(stuck, key=lambda i: (instances[i].sheet, instances[i].row, instances[i].col))
    path: list[int] = []
    position: dict[int, int] = {}
    node = start
    while node not in position:  # every stuck cell reads at least one stuck cell: walk until a repeat
        position[node] = len(path)
        path.append(node)
        node = next(d for d in reads[node] if d in stuck)
    loop = [*path[position[node] :], node]
    return [label(names[instances[i].sheet], instances[i].row, instances[i].col) for i in loop]
