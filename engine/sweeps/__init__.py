"""Vectorised sweeps: many scenarios in one call, DataFrame in, DataFrame out.

``sweep(frame, solver="serving")`` evaluates a solver on every row (see ``mlsysim.sweeps.sweep``);
``grid(**axes)`` builds the frame of every combination of the values given.
"""

from __future__ import annotations

from .grid import grid
from .sweep import sweep

__all__ = ["grid", "sweep"]
