"""Per-row error messages of a sweep: the first failed check of a row wins, as in the scalar path.

Rows that fail the same way share one message, formatted once per distinct set of offending values
(a million rows with ``tp_size=3`` cost one message, not a million).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


class RowErrors:
    """Error message codes of ``n`` rows (-1: no error yet) and the messages they point to."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, dtype=np.int64)
        self._messages: dict[str, int] = {}

    @property
    def failed(self) -> np.ndarray:
        return self.codes >= 0

    def add(self, mask: np.ndarray, keys: tuple[np.ndarray, ...], describe: Callable[..., str]) -> None:
        """Rows in ``mask`` without an earlier error get ``describe(*the row's key values)``."""
        rows, groups = self._groups(mask, keys)
        if rows.size:
            first, inverse = groups
            self._assign(rows, inverse, [describe(*(_python(k[r]) for k in keys)) for r in rows[first]])

    def add_rows(
        self, mask: np.ndarray, keys: tuple[np.ndarray, ...], describe: Callable[[int], str]
    ) -> None:
        """Like ``add``, but each distinct key's message is ``describe(index of its first row)``."""
        rows, groups = self._groups(mask, keys)
        if rows.size:
            first, inverse = groups
            self._assign(rows, inverse, [describe(int(r)) for r in rows[first]])

    @property
    def messages(self) -> list[str]:
        """The messages, in the order of their codes."""
        return list(self._messages)

    def _groups(self, mask: np.ndarray, keys: tuple[np.ndarray, ...]) -> tuple[np.ndarray, Any]:
        """The rows to flag, and for each distinct key its first row and each row's key number."""
        rows = np.flatnonzero(mask & (self.codes < 0))
        if not rows.size:
            return rows, None
        combined = np.zeros(rows.size, dtype=np.int64)
        for key in keys:
            key = np.asarray(key)[rows]
            if key.dtype == np.float64:  # by bit pattern: -0.0 reads differently from 0.0
                key = key.view(np.int64)
            codes, uniques = pd.factorize(key, use_na_sentinel=False)
            combined = combined * len(uniques) + codes
        _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        return rows, (first, inverse)

    def _assign(self, rows: np.ndarray, inverse: np.ndarray, messages: list[str]) -> None:
        codes = np.array([self._messages.setdefault(m, len(self._messages)) for m in messages])
        self.codes[rows] = codes[inverse]


def _python(value: Any) -> Any:
    """A numpy scalar as the plain Python value the scalar path would have been given."""
    return value.item() if isinstance(value, np.generic) else value
