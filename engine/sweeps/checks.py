"""Argument checks on arrays, with the messages of ``mlsysim.solvers.checks`` and the facades.

Each check marks the rows that fail it (unless an earlier check already did) and returns the
values as float64 with the argument's default where a row gives none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..enums import Precision
from ..errors import InvalidInputError, MlsysimError
from .scenarios import Numbers, Scenarios


def check_whole(s: Scenarios, name: str, minimum: int = 1, rows: np.ndarray | None = None) -> np.ndarray:
    """``checks.whole``: a whole number >= ``minimum`` (4.0 is accepted, 4.5 is not), checked on
    ``rows`` (default: all); NaN where it fails."""
    numbers = _with_default(s, name)
    values = numbers.values
    with np.errstate(invalid="ignore"):
        good = numbers.numeric & np.isfinite(values) & (values == np.floor(values)) & (values >= minimum)
    _reject(
        s, name, numbers, ~good if rows is None else ~good & rows, f"expected a whole number >= {minimum}"
    )
    return np.where(good, values, np.nan)


def check_amount(s: Scenarios, name: str, unit: str) -> Numbers:
    """``api.resolve.amount``: a number (any sign) in ``unit``; text that is not a number fails."""
    numbers = _with_default(s, name)
    _reject(
        s, name, numbers, numbers.given & ~numbers.numeric, f"expected a number in {unit or 'plain units'}"
    )
    return numbers


def check_positive(s: Scenarios, name: str, values: np.ndarray, rows: np.ndarray | None = None) -> None:
    """``checks.positive`` on numbers already checked by ``check_amount``: finite and > 0.
    ``values`` are what the solver receives (possibly converted), as in its message."""
    with np.errstate(invalid="ignore"):
        bad = ~((values > 0) & np.isfinite(values))
    if rows is not None:
        bad &= rows
    s.errors.add(
        bad, (values,), lambda v: str(InvalidInputError(name, v, "expected a positive, finite number"))
    )


def check_non_negative(s: Scenarios, name: str, values: np.ndarray) -> None:
    """``checks.non_negative``: finite and >= 0."""
    with np.errstate(invalid="ignore"):
        bad = ~((values >= 0) & np.isfinite(values))
    s.errors.add(bad, (values,), lambda v: str(InvalidInputError(name, v, "expected a finite number >= 0")))


def precision_table(
    s: Scenarios,
    hardware: Sequence[Any],
    hw_codes: np.ndarray,
    precisions: Sequence[Precision | None],
    prec_codes: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(dense peak FLOP/s, bytes per element) of each row, at the row's precision or, where it gives
    none (``None``), the device's default; a precision the device lacks is the row's error, worded
    by ``HardwareSpec.flops`` itself."""
    peaks = np.full((len(hardware), len(precisions)), np.nan)
    sizes = np.full((len(hardware), len(precisions)), np.nan)
    messages: dict[tuple[int, int], str] = {}
    for i, device in enumerate(hardware):
        for j, precision in enumerate(precisions):
            if device is None:
                continue
            chosen = device.default_precision if precision is None else precision
            sizes[i, j] = chosen.bytes_per_element
            try:
                peaks[i, j] = device.flops(chosen)
            except MlsysimError as exc:
                messages[i, j] = str(exc)
    peak = peaks[hw_codes, prec_codes]
    if messages:
        unsupported = np.zeros_like(peaks, dtype=bool)
        for i, j in messages:
            unsupported[i, j] = True
        s.errors.add(unsupported[hw_codes, prec_codes], (hw_codes, prec_codes), lambda i, j: messages[i, j])
    return peak, sizes[hw_codes, prec_codes]


def _with_default(s: Scenarios, name: str) -> Numbers:
    """The argument's numbers, its default filled in where a row gives none."""
    numbers = s.numbers(name)
    default = s.arguments[name].default
    if default is None or numbers.given.all():
        return numbers
    missing = ~numbers.given
    return Numbers(
        np.where(missing, float(default), numbers.values),
        numbers.given,
        numbers.numeric | missing,
        numbers.raw,
    )


def _reject(s: Scenarios, name: str, numbers: Numbers, bad: np.ndarray, valid: str) -> None:
    if bad.any():
        raw = np.where(numbers.given, numbers.raw, np.nan) if numbers.raw.dtype == object else numbers.raw
        s.errors.add(bad, (raw,), lambda v: str(InvalidInputError(name, v, valid)))
