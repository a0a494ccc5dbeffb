"""A solver's arguments read column by column from a DataFrame, one scenario per row.

Columns are matched to arguments ignoring case and punctuation (``Seq Len`` is ``seq_len``), so a
spreadsheet's headers work as they are. Text arguments (catalog names, precisions) are factorised:
each distinct name is resolved once, with the facade's own look-up, and rows gather the result.
Catalog entries and specs (a hypothetical device) work in place of names. Numbers may arrive as
numbers or as text (a CSV read as text); a missing value in an optional column means "not given"
(the facade's default), in a required one it is an error of that row.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from ..catalog_loader import Catalog
from ..errors import InvalidInputError, MlsysimError
from ..names import normalize
from .arguments import NUMBER_KINDS, arguments, solver_name
from .facades import facade
from .rowerrors import RowErrors

_TRUE = frozenset({"true", "yes", "y", "t", "1", "1.0"})
_FALSE = frozenset({"false", "no", "n", "f", "0", "0.0"})


@dataclass(frozen=True, slots=True)
class Numbers:
    """A numeric argument: ``values`` as float64 (NaN where missing or not a number), ``given``
    where the row has a value, ``numeric`` where that value is a number, and ``raw`` as given (for
    messages, so ``seq_len=4.5`` reads as the user wrote it)."""

    values: np.ndarray
    given: np.ndarray
    numeric: np.ndarray
    raw: np.ndarray


class Scenarios:
    """The rows of ``frame`` as arguments of ``solver``, with a per-row error record."""

    def __init__(self, frame: pd.DataFrame, solver: str, catalog: Catalog) -> None:
        self.solver = solver_name(solver)
        self.catalog = catalog
        self.frame = frame
        self.rows = len(frame)
        self.arguments = {a.name: a for a in arguments(self.solver)}
        self.columns = match_columns(frame.columns, self.solver)
        self.errors = RowErrors(self.rows)
        self._numbers: dict[str, Numbers] = {}
        self._text: dict[str, tuple[np.ndarray, list[Any]]] = {}
        self._flags: dict[str, np.ndarray] = {}

    def has(self, name: str) -> bool:
        return name in self.columns

    def _series(self, name: str) -> pd.Series | None:
        label = self.columns.get(name)
        return None if label is None else self.frame[label]

    def text(self, name: str) -> tuple[np.ndarray, list[Any]]:
        """Row codes into the distinct values of a text argument (``None``: missing)."""
        if name not in self._text:
            self._text[name] = self._read_text(name)
        return self._text[name]

    def _read_text(self, name: str) -> tuple[np.ndarray, list[Any]]:
        series = self._series(name)
        if series is None:
            return np.zeros(self.rows, dtype=np.int64), [None]
        try:
            codes, uniques = pd.factorize(series, use_na_sentinel=False)
        except TypeError:  # entries and specs (hypothetical devices) are not hashable: key by identity
            objects = series.to_numpy(dtype=object)
            codes, _ = pd.factorize(np.fromiter(map(id, objects), dtype=np.int64, count=objects.size))
            _, first = np.unique(codes, return_index=True)
            uniques = objects[first]
        return codes.astype(np.int64, copy=False), [None if _missing(u) else u for u in uniques]

    def resolve(self, name: str, resolve: Callable[[Any], Any]) -> tuple[np.ndarray, list[Any]]:
        """Resolve each distinct value of a text argument once (a missing one as the argument's
        default); rows whose value the facade rejects get its message as their error."""
        codes, uniques = self.text(name)
        argument = self.arguments[name]
        default = argument.default
        resolved: list[Any] = []
        messages: list[str] = []
        for value in uniques:
            if value is None and default is None and not argument.required:
                resolved.append(None)  # not given: the facade passes None on
                messages.append("")
                continue
            try:
                resolved.append(resolve(default if value is None else value))
                messages.append("")
            except MlsysimError as exc:
                resolved.append(None)
                messages.append(str(exc))
        bad = np.array([bool(m) for m in messages])
        if bad.any():
            self.errors.add(bad[codes], (codes,), messages.__getitem__)
        return codes, resolved

    def numbers(self, name: str) -> Numbers:
        if name not in self._numbers:
            self._numbers[name] = self._read_numbers(name)
        return self._numbers[name]

    def row_arguments(self, row: int) -> dict[str, Any]:
        """Row ``row`` as keywords of the solver's facade; optional arguments the row leaves empty
        are left out (the facade's default), required ones passed as ``None`` (the facade names
        them), numbers as parsed, anything else as given."""
        kwargs: dict[str, Any] = {}
        for name, argument in self.arguments.items():
            if not self.has(name):
                continue
            if argument.kind in NUMBER_KINDS:
                numbers = self.numbers(name)
                if numbers.given[row] and numbers.numeric[row]:
                    value = float(numbers.values[row])
                    kwargs[name] = int(value) if value.is_integer() else value
                elif numbers.given[row] or argument.required:
                    kwargs[name] = _python(numbers.raw[row])
            elif argument.kind == "flag":
                kwargs[name] = bool(self.flags(name)[row])
            else:
                codes, uniques = self.text(name)
                if uniques[codes[row]] is not None or argument.required:
                    kwargs[name] = uniques[codes[row]]
        return kwargs

    def facade_message(self, row: int) -> str:
        """The message the facade raises for row ``row`` (a row a sweep check has flagged)."""
        kwargs = self.row_arguments(row)
        try:
            facade(self.solver, self.catalog)(**kwargs)
        except MlsysimError as exc:
            return str(exc)
        raise RuntimeError(f"the {self.solver} sweep flagged a row its facade accepts: {kwargs}")

    def _read_numbers(self, name: str) -> Numbers:
        series = self._series(name)
        if series is None:
            empty = np.zeros(self.rows, dtype=bool)
            return Numbers(np.full(self.rows, np.nan), empty, empty, np.full(self.rows, None, dtype=object))
        if ptypes.is_bool_dtype(series.dtype):
            raw = series.to_numpy(dtype=object)
            given = series.notna().to_numpy()
            return Numbers(np.full(self.rows, np.nan), given, np.zeros(self.rows, dtype=bool), raw)
        if ptypes.is_numeric_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            given = ~np.isnan(values)
            numpy_dtype = isinstance(series.dtype, np.dtype)  # nullable Int64 would give floats
            raw = series.to_numpy() if numpy_dtype else series.to_numpy(dtype=object)
            return Numbers(values, given, given, raw)
        raw = series.to_numpy(dtype=object)
        given = series.notna().to_numpy() & (series.astype(str).str.strip() != "").to_numpy()
        parsed = pd.to_numeric(series.where(given), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        numeric = given & ~np.isnan(parsed)
        if ptypes.infer_dtype(series, skipna=True) not in ("string", "empty"):
            numeric &= ~_bools(raw)  # True is not the number 1 (as in the facades)
        return Numbers(np.where(numeric, parsed, np.nan), given, numeric, raw)

    def flags(self, name: str) -> np.ndarray:
        """A yes/no argument; a value that is neither is an error of its row."""
        if name not in self._flags:
            self._flags[name] = self._read_flags(name)
        return self._flags[name]

    def _read_flags(self, name: str) -> np.ndarray:
        series = self._series(name)
        if series is None:
            return np.zeros(self.rows, dtype=bool)
        if ptypes.is_bool_dtype(series.dtype):
            return series.fillna(False).to_numpy(dtype=bool)
        codes, uniques = self.text(name)
        meaning = [_flag(u) for u in uniques]
        bad = np.array([m is None for m in meaning])
        if bad.any():
            self.errors.add(
                bad[codes],
                (codes,),
                lambda code: str(InvalidInputError(name, uniques[code], "expected true or false")),
            )
        return np.array([bool(m) for m in meaning])[codes]


def match_columns(labels: Any, solver: str) -> dict[str, Any]:
    """Argument name -> column label. Columns that are not arguments pass through to the result,
    unless their name is a near miss of one (``seqlen`` is taken, ``seq_length`` is refused)."""
    args = arguments(solver)
    keys = {normalize(name): a.name for a in args for name in (a.name, *a.aliases)}
    found: dict[str, Any] = {}
    for label in labels:
        if not isinstance(label, str):
            continue
        key = normalize(label)
        name = keys.get(key)
        if name is None:
            near = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.8)
            if near:
                raise InvalidInputError(
                    "column", label, f"not an argument of {solver}; did you mean {keys[near[0]]}?"
                )
            continue
        if name in found:
            raise InvalidInputError("column", label, f"{found[name]!r} already gives {name}")
        found[name] = label
    missing = [a.name for a in args if a.required and a.name not in found]
    if missing:
        raise InvalidInputError(
            "columns",
            [label for label in labels],
            f"the {solver} sweep needs column(s) {', '.join(missing)}",
        )
    return found


def _python(value: Any) -> Any:
    """A numpy scalar as a plain Python value; a missing value as ``None``."""
    if _missing(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _bools(raw: np.ndarray) -> np.ndarray:
    return np.fromiter((isinstance(v, bool | np.bool_) for v in raw), dtype=bool, count=raw.size)


def _flag(value: Any) -> bool | None:
    if value is None:
        return False
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None
