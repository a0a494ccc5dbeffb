"""Vectorised sweeps: many scenarios in one call, DataFrame in, DataFrame out.

``sweep(frame, solver="serving")`` evaluates a solver on every row (``mlsysim.sweeps.evaluate``);
``grid(**axes)`` builds the frame of every combination of the values given; ``sweep_file`` sweeps
a CSV, Parquet or .xlsx file in chunks (``mlsysim.sweeps.files``). pandas loads on first use, so
the command line's ``--help`` stays quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ..extras import needs

_LAZY = {
    "sweep": "mlsysim.sweeps.evaluate",
    "grid": "mlsysim.sweeps.axes",
    "sweep_file": "mlsysim.sweeps.files",
}

__all__ = ["grid", "sweep", "sweep_file"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'mlsysim.sweeps' has no attribute {name!r}")
    with needs(f"mlsysim.{name}"):
        value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
