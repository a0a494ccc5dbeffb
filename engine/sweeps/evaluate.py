"""``mlsysim.sweep``: many scenarios in one call, a DataFrame in and a DataFrame out.

Each input row is one call of a solver's facade, its arguments in columns named like the facade's
keywords (``model``, ``hardware``, ``seq_len``, ``batch_size``...). The result keeps the input
columns and appends one column per result field, the unit in its name (``ttft_ms``,
``kv_cache_gb``), and an ``error`` column: a row the facade would reject carries its message there
and NaN results, while every other row still computes. Roofline, serving, economics,
sustainability and reliability are evaluated on numpy arrays; training loops over the facade.

A Dask DataFrame is swept partition by partition (``map_partitions``), lazily: the same function
scales from a notebook to a cluster without a runner of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInputError
from .arguments import solver_name
from .columns import COLUMNS, CONSTRAINT_MEMORY, ERROR
from .economics import economics_rows
from .reliability import reliability_rows
from .roofline import roofline_rows
from .rowerrors import RowErrors
from .scenarios import Scenarios
from .serving import serving_rows
from .sustainability import sustainability_rows
from .training import training_rows

_ROWS: dict[str, Callable[[Scenarios], dict[str, Any]]] = {
    "roofline": roofline_rows,
    "serving": serving_rows,
    "training": training_rows,
    "economics": economics_rows,
    "sustainability": sustainability_rows,
    "reliability": reliability_rows,
}


def sweep(scenarios: Any, solver: str = "serving") -> Any:
    """Evaluate ``solver`` on every row of ``scenarios`` (a DataFrame, a mapping of columns, a list
    of row mappings, or a Dask DataFrame); returns the input columns plus result columns."""
    name = solver_name(solver)
    if _is_dask(scenarios):
        meta = sweep(pd.DataFrame({c: pd.Series(dtype=t) for c, t in scenarios.dtypes.items()}), name)
        return scenarios.map_partitions(sweep, name, meta=meta)
    frame = as_frame(scenarios)
    rows = Scenarios(frame, name)
    with np.errstate(all="ignore"):  # rows with an error compute on NaN; their results are dropped
        fields = _ROWS[name](rows)
    results = _results(name, fields, rows.errors, frame.index)
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


def _results(solver: str, fields: Mapping[str, Any], errors: RowErrors, index: pd.Index) -> pd.DataFrame:
    failed = errors.failed
    any_failed = bool(failed.any())
    n = len(index)
    columns: dict[str, Any] = {}
    for column in COLUMNS[solver]:
        if column.kind == "number":
            values = np.broadcast_to(np.asarray(fields[column.field], dtype=np.float64), (n,))
            if column.scale != 1.0:
                values = values * column.scale
            columns[column.name] = np.where(failed, np.nan, values) if any_failed else np.array(values)
        elif column.kind == "flag":
            columns[column.name] = pd.arrays.BooleanArray(
                np.asarray(fields[column.field], dtype=bool).copy(), failed.copy()
            )
        elif column.field == "constraint":
            codes = np.where(fields["feasible"], 0, 1)
            columns[column.name] = _categorical(codes, ["", CONSTRAINT_MEMORY], failed)
        else:
            codes, categories = fields[column.field]
            columns[column.name] = _categorical(codes, categories, failed)
    columns[ERROR] = errors.column()
    return pd.DataFrame(columns, index=index, copy=False)


def _categorical(codes: np.ndarray, categories: list[str], failed: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(np.where(failed, -1, codes), categories=categories)


def _is_dask(value: Any) -> bool:
    return type(value).__module__.startswith("dask") and hasattr(value, "map_partitions")
