"""The scalar path for a sweep's rows, and the comparison of a sweep with it.

Each row of the input frame is passed to the solver's facade exactly as the frame holds it (numpy
scalars as Python values, empty cells left out so the facade's defaults apply); a sweep must give
the same numbers to 1e-12 relative, the same feasibility, and the facade's own message where the
facade raises.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from mlsysim.errors import MlsysimError
from mlsysim.sweeps.columns import COLUMNS, CONSTRAINT_MEMORY
from mlsysim.sweeps.facades import facade

REL = 1e-12


def row_kwargs(frame: pd.DataFrame, row: int) -> dict[str, Any]:
    kwargs = {}
    for column in frame.columns:
        value = frame[column].iloc[row]
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            continue
        kwargs[column] = value.item() if isinstance(value, np.generic) else value
    return kwargs


def scalar(frame: pd.DataFrame, solver: str, row: int) -> tuple[Any, str | None]:
    """(estimate, None) or (None, the facade's message) for one row."""
    try:
        return facade(solver)(**row_kwargs(frame, row)).estimate, None
    except MlsysimError as exc:
        return None, str(exc)


def assert_matches_scalar(frame: pd.DataFrame, out: pd.DataFrame, solver: str) -> None:
    assert len(out) == len(frame)
    assert list(out.index) == list(frame.index)
    for row in range(len(frame)):
        estimate, message = scalar(frame, solver, row)
        got = out.iloc[row]
        context = f"row {row}: {row_kwargs(frame, row)}"
        if message is not None:
            assert got["error"] == message, context
            for column in COLUMNS[solver]:
                assert pd.isna(got[column.name]), f"{context}: {column.name} should be empty"
            continue
        assert pd.isna(got["error"]), f"{context}: unexpected error {got['error']!r}"
        for column in COLUMNS[solver]:
            value = got[column.name]
            if column.field == "constraint":
                assert value == ("" if estimate.feasible else CONSTRAINT_MEMORY), context
            elif column.kind == "number":
                expected = getattr(estimate, column.field) * column.scale
                if math.isnan(expected):  # no value (a cost per token of a model that does not fit)
                    assert math.isnan(value), f"{context}: {column.name} = {value!r}, scalar NaN"
                    continue
                assert math.isclose(value, expected, rel_tol=REL, abs_tol=0.0), (
                    f"{context}: {column.name} = {value!r}, scalar {expected!r}"
                )
            else:
                assert value == getattr(estimate, column.field), f"{context}: {column.name}"
