"""``mlsysim.sweep``: many scenarios in one call, a DataFrame in and a DataFrame out.

Each input row is one call of a solver's facade, its arguments in columns named like the facade's
keywords (``model``, ``hardware``, ``seq_len``, ``batch_size``...). The result keeps the input
columns and appends one column per result field, the unit in its name (``ttft_ms``,
``kv_cache_gb``), and an ``error`` column: a row the facade would reject carries its message there
and NaN results, while every other row still computes. Roofline, serving, economics,
sustainability and reliability are evaluated on numpy arrays; training steps, runs and layout
searches loop over the facade (a search is itself vectorised).

A Dask DataFrame is swept partition by partition (``map_partitions``), lazily: the same function
scales from a notebook to a cluster without a runner of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..catalog_loader import as_catalog
from ..errors import InvalidInputError
from .arguments import solver_name
from .columns import COLUMNS, CONSTRAINT_MEMORY, ERROR
from .economics import economics_rows
from .finance import rent_vs_own_rows, run_cost_rows, token_cost_rows
from .limits import BLOCK_ROWS
from .reliability import reliability_rows
from .roofline import roofline_rows
from .rowerrors import RowErrors
from .scenarios import Scenarios
from .serving import serving_rows
from .serving_load import batching_rows, capacity_rows
from .sustainability import sustainability_rows
from .training import facade_rows

_ROWS: dict[str, Callable[[Scenarios], dict[str, Any]]] = {
    "roofline": roofline_rows,
    "serving": serving_rows,
    "batching": batching_rows,
    "capacity": capacity_rows,
    "training": facade_rows,
    "economics": economics_rows,
    "sustainability": sustainability_rows,
    "reliability": reliability_rows,
    "run": facade_rows,
    "layout": facade_rows,
    "token_cost": token_cost_rows,
    "rent_vs_own": rent_vs_own_rows,
    "run_cost": run_cost_rows,
}


def sweep(scenarios: Any, solver: str = "serving", *, catalog: Any = None) -> Any:
    """Evaluate ``solver`` on every row of ``scenarios`` (a DataFrame, a mapping of columns, a list
    of row mappings, or a Dask DataFrame); returns the input columns plus result columns. Names
    are looked up in ``catalog`` (a ``Catalog``, a user catalog folder, or None for the default)."""
    name = solver_name(solver)
    chosen = as_catalog(catalog)
    if _is_dask(scenarios):
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in scenarios.dtypes.items()})
        meta = sweep(empty, name, catalog=chosen)
        return scenarios.map_partitions(sweep, name, catalog=chosen, meta=meta)
    frame = as_frame(scenarios)
    output = _Output(name, len(frame))
    # Blocks of rows keep every temporary array in cache and reuse its memory block after block.
    for start in range(0, max(len(frame), 1), BLOCK_ROWS):
        rows = Scenarios(frame.iloc[start : start + BLOCK_ROWS], name, chosen)
        with np.errstate(all="ignore"):  # rows with an error compute on NaN; their results are dropped
            fields = _ROWS[name](rows)
        output.put(start, fields, rows.errors)
    results = output.frame(frame.index)
    kept = frame.drop(columns=[c for c in results.columns if c in frame.columns])
    return pd.concat([kept, results], axis=1)


def as_frame(scenarios: Any) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a mapping of columns (scalars broadcast) or row mappings."""
    if isinstance(scenarios, pd.DataFrame):
        return scenarios
    if isinstance(scenarios, Mapping):
        if all(np.ndim(v) == 0 for v in scenarios.values()):
            return pd.DataFrame([dict(scenarios)])
        return pd.DataFrame(dict(scenarios))
    if isinstance(scenarios, Iterable) and not isinstance(scenarios, str | bytes):
        return pd.DataFrame.from_records(list(scenarios))
    raise InvalidInputError(
        "scenarios", type(scenarios).__name__, "expected a DataFrame, a mapping of columns or a list of rows"
    )


class _Output:
    """The result columns of a sweep, filled block by block."""

    def __init__(self, solver: str, rows: int) -> None:
        self.columns = COLUMNS[solver]
        self.values: dict[str, np.ndarray] = {}
        self.categories: dict[str, list[str]] = {}
        for column in self.columns:
            if column.kind == "number":
                self.values[column.name] = np.empty(rows)
            elif column.kind == "flag":
                self.values[column.name] = np.empty(rows, dtype=bool)
            else:
                self.values[column.name] = np.empty(rows, dtype=np.int64)
        self.failed = np.empty(rows, dtype=bool)
        self.errors = np.empty(rows, dtype=np.int64)
        self.messages: dict[str, int] = {}

    def put(self, start: int, fields: Mapping[str, Any], errors: RowErrors) -> None:
        failed = errors.failed
        stop = start + failed.size
        any_failed = bool(failed.any())
        self.failed[start:stop] = failed
        for column in self.columns:
            target = self.values[column.name][start:stop]
            if column.kind == "number":
                np.multiply(fields[column.field], column.scale, out=target)
                if any_failed:
                    target[failed] = np.nan
            elif column.kind == "flag":
                target[:] = fields[column.field]
            else:
                if column.field == "constraint" and not isinstance(fields.get("constraint"), tuple):
                    codes, categories = np.where(fields["feasible"], 0, 1), ["", CONSTRAINT_MEMORY]
                else:
                    codes, categories = self._shared(column.name, *fields[column.field])
                target[:] = np.where(failed, -1, codes) if any_failed else codes
                self.categories[column.name] = categories
        known = np.array([self.messages.setdefault(m, len(self.messages)) for m in errors.messages] + [-1])
        self.errors[start:stop] = known[errors.codes]  # code -1 picks the trailing -1

    def _shared(self, name: str, codes: np.ndarray, categories: list[str]) -> tuple[np.ndarray, list[str]]:
        """A block's text codes in terms of the categories of every block so far (a block may
        name values in another order, or values the others did not)."""
        known = self.categories.get(name)
        if known is None or known == categories:
            return codes, list(categories)
        merged = {c: i for i, c in enumerate(known)}
        index = np.array([merged.setdefault(c, len(merged)) for c in categories] + [-1], dtype=np.int64)
        return index[codes], list(merged)

    def frame(self, index: pd.Index) -> pd.DataFrame:
        columns: dict[str, Any] = {}
        for column in self.columns:
            values = self.values[column.name]
            if column.kind == "number":
                columns[column.name] = values
            elif column.kind == "flag":
                columns[column.name] = pd.arrays.BooleanArray(values, self.failed)
            else:
                categories = self.categories.get(column.name, [])
                columns[column.name] = pd.Categorical.from_codes(values, categories=categories)
        columns[ERROR] = pd.Categorical.from_codes(self.errors, categories=list(self.messages))
        return pd.DataFrame(columns, index=index, copy=False)


def _is_dask(value: Any) -> bool:
    return type(value).__module__.startswith("dask") and hasattr(value, "map_partitions")
