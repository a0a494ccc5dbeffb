"""Scenario frames from axes: every combination of the values given, one row each."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def grid(**axes: Any) -> pd.DataFrame:
    """``grid(model=["Llama3_8B", "Llama3_70B"], hardware="H100", seq_len=[512, 4096])`` -> the
    4 rows of the Cartesian product (a scalar is an axis of one value), in row-major order."""
    values = [list(np.atleast_1d(v)) if not isinstance(v, str) else [v] for v in axes.values()]
    index = pd.MultiIndex.from_product(values, names=list(axes))
    return index.to_frame(index=False)
