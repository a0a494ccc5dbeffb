"""Evaluation order: groups of formula copies first, single cells only where groups depend on
each other in a circle.

A group is every copy of one template on its sheet. Group G reads group H when a reference of G,
widened to cover all of G's copies, covers a cell of H. The strongly connected components of
that graph (Tarjan's algorithm, iterative) come out in an order where each reads only earlier
ones. A component of one group that does not read itself is evaluated as a whole; any other
(a running total ``=B3+A4`` down a column reads its own group) is ordered cell by cell with
Kahn's algorithm, which also finds a true circular reference and names its cells. The work is
proportional to the groups and the cells their references cover, not to the cells times the
references.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from .cellref import MAX_COL, MAX_ROW, label


@dataclass(slots=True)
class Step:
    """What to evaluate next: a whole group, or single cells (group, cell index) in order."""

    group: int
    cells: list[tuple[int, int]] | None = None
    level: int = 0


class CircularReference(Exception):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" -> ".join(cycle))
        self.cycle = cycle


def _boxes(template: Any, cells: list[tuple[int, int]]) -> list[tuple[int, int, int, int, int]]:
    """(sheet, r1, c1, r2, c2) of each reference of ``template`` widened over all ``cells``, and
    of the box each ``:`` of references may span."""
    lo_r = min(r for r, _ in cells) - template.row
    hi_r = max(r for r, _ in cells) - template.row
    lo_c = min(c for _, c in cells) - template.col
    hi_c = max(c for _, c in cells) - template.col

    def box(ref: Any) -> tuple[int, int, int, int, int]:
        a = ref.area
        r1 = a.r1 if a.r1_abs else a.r1 + lo_r
        r2 = a.r2 if a.r2_abs else a.r2 + hi_r
        c1 = a.c1 if a.c1_abs else a.c1 + lo_c
        c2 = a.c2 if a.c2_abs else a.c2 + hi_c
        return (ref.sheet, max(r1, 1), max(c1, 1), min(r2, MAX_ROW), min(c2, MAX_COL))

    out = [box(ref) for ref in template.refs]
    for span in template.spans:
        same = [box(r) for r in span if r.sheet == span[0].sheet] if span else []
        if same:
            out.append(
                (
                    same[0][0],
                    min(b[1] for b in same),
                    min(b[2] for b in same),
                    max(b[3] for b in same),
                    max(b[4] for b in same),
                )
            )
    return out


class _Index:
    """Formula cells by (sheet, column): sorted rows and the id stored with each."""

    def __init__(self, entries: list[tuple[int, int, int, int]]) -> None:
        by_col: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for sheet, row, col, ident in entries:
            by_col[sheet, col].append((row, ident))
        self.rows: dict[tuple[int, int], list[int]] = {}
        self.ids: dict[tuple[int, int], list[int]] = {}
        cols: dict[int, list[int]] = defaultdict(list)
        for (sheet, col), items in by_col.items():
            items.sort()
            self.rows[sheet, col] = [r for r, _ in items]
            self.ids[sheet, col] = [i for _, i in items]
            cols[sheet].append(col)
        self.cols = {s: sorted(c) for s, c in cols.items()}

    def inside(self, sheet: int, r1: int, c1: int, r2: int, c2: int) -> list[int]:
        cols = self.cols.get(sheet, ())
        found: list[int] = []
        for k in range(bisect.bisect_left(cols, c1), bisect.bisect_right(cols, c2)):
            key = (sheet, cols[k])
            rows = self.rows[key]
            lo, hi = bisect.bisect_left(rows, r1), bisect.bisect_right(rows, r2)
            if lo < hi:
                found.extend(self.ids[key][lo:hi])
        return found


def reads(
    groups: list[tuple[Any, list[tuple[int, int]]]],
    covered: dict[int, tuple[int, int, int, int]] | None = None,
) -> list[set[int]]:
    """For each group [(template, cells)], the groups it reads; ``covered`` gives an array
    formula's group the range it fills (every cell of it counts as that group's)."""
    entries = [(t.sheet, r, c, g) for g, (t, cells) in enumerate(groups) for r, c in cells]
    for g, (r1, c1, r2, c2) in (covered or {}).items():
        sheet = groups[g][0].sheet
        entries += [
            (sheet, r, c, g) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1) if (r, c) != (r1, c1)
        ]
    index = _Index(entries)
    out: list[set[int]] = []
    for template, cells in groups:
        found: set[int] = set()
        for box in _boxes(template, cells):
            found.update(index.inside(*box))
        out.append(found)
    return out


def order(
    groups: list[tuple[Any, list[tuple[int, int]]]],
    sheet_names: list[str],
    covered: dict[int, tuple[int, int, int, int]] | None = None,
) -> list[Step]:
    """The evaluation steps for ``groups`` [(template, cells)] (raises CircularReference)."""
    read = reads(groups, covered)
    steps: list[Step] = []
    level_of = [0] * len(groups)
    for component in _components(read):
        outside = {d for g in component for d in read[g]} - set(component)
        level = 1 + max((level_of[d] for d in outside), default=-1)
        for g in component:
            level_of[g] = level
        if len(component) == 1 and component[0] not in read[component[0]]:
            steps.append(Step(component[0], None, level))
        else:
            steps.append(Step(component[0], _cell_order(groups, component, sheet_names), level))
    return steps


def _components(reads: list[set[int]]) -> list[list[int]]:
    """Strongly connected components (Tarjan), each after every component it reads."""
    n = len(reads)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    succ = [sorted(r) for r in reads]
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            recurse = False
            for k in range(i, len(succ[v])):
                w = succ[v][k]
                if index[w] == -1:
                    work.append((v, k + 1))
                    work.append((w, 0))
                    recurse = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    component.append(w)
                    if w == v:
                        break
                out.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return out


def _cell_order(
    groups: list[tuple[Any, list[tuple[int, int]]]], component: list[int], sheet_names: list[str]
) -> list[tuple[int, int]]:
    """The cells of ``component`` in an order where each reads only earlier ones."""
    members = [(g, k) for g in component for k in range(len(groups[g][1]))]
    index = _Index([(groups[g][0].sheet, *groups[g][1][k], i) for i, (g, k) in enumerate(members)])
    reads: list[list[int]] = []
    for g, k in members:
        template = groups[g][0]
        cell = groups[g][1][k]
        found: list[int] = []
        for box in _boxes(template, [cell]):
            found.extend(index.inside(*box))
        reads.append(found)
    readers: list[list[int]] = [[] for _ in members]
    pending = [len(r) for r in reads]
    for i, deps in enumerate(reads):
        for d in deps:
            readers[d].append(i)
    ready = [i for i, n in enumerate(pending) if n == 0]
    done: list[int] = []
    while ready:
        i = ready.pop()
        done.append(i)
        for j in readers[i]:
            pending[j] -= 1
            if pending[j] == 0:
                ready.append(j)
    if len(done) < len(members):
        raise CircularReference(_cycle(groups, members, reads, pending, sheet_names))
    return [members[i] for i in done]


def _cycle(
    groups: list[tuple[Any, list[tuple[int, int]]]],
    members: list[tuple[int, int]],
    reads: list[list[int]],
    pending: list[int],
    names: list[str],
) -> list[str]:
    """One cycle among the cells Kahn's algorithm could not order, as ``Sheet!A1`` labels."""

    def where(i: int) -> tuple[int, int, int]:
        g, k = members[i]
        return (groups[g][0].sheet, *groups[g][1][k])

    stuck = {i for i, n in enumerate(pending) if n > 0}
    start = min(stuck, key=where)
    path: list[int] = []
    position: dict[int, int] = {}
    node = start
    while node not in position:  # every stuck cell reads a stuck cell: walk until a repeat
        position[node] = len(path)
        path.append(node)
        node = next(d for d in reads[node] if d in stuck)
    loop = [*path[position[node] :], node]
    return [label(names[where(i)[0]], where(i)[1], where(i)[2]) for i in loop]
