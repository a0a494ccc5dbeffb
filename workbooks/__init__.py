"""``mlsysim.workbooks``: planning-workbook generation, headless recompute and reports.

``build(path, scenarios=...)`` writes the planning workbook (``build_workbook`` returns it in
memory); ``recalc(path, ...)`` recomputes any workbook headless (``mlsysim.workbooks.recalc``).
The names are imported on first use, so ``mlsysim recalc`` does not load the workbook generator
(openpyxl and the sheet writers) to start.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from mlsysim.extras import MissingExtraError, needs

__all__ = ["SHEETS", "Scenarios", "build", "build_workbook", "load_scenarios", "recalc"]

_FEATURE = "mlsysim.workbooks (planning workbooks: mlsysim plan, mlsysim recalc)"
# The parts are imported on first use (openpyxl and formulas only when needed, for a fast start);
# a missing extra is still said at once, on import, in one line.
for _module in ("openpyxl", "formulas"):
    if find_spec(_module) is None:
        raise MissingExtraError(_module, _FEATURE)

# The recompute loads light (its own modules), and its name must be the function, not the
# subpackage ``mlsysim.workbooks.recalc``: imported here, the rest on first use.
from .recalc import recalc  # noqa: E402

_HOMES = {
    "SHEETS": ".planbook",
    "build": ".planbook",
    "build_workbook": ".planbook",
    "Scenarios": ".scenarios",
    "load_scenarios": ".scenarios",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with needs(_FEATURE):
        value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
