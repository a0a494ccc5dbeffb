"""The package's one pint unit registry, built from ``units.txt`` on first use.

pint is imported lazily so that ``import mlsysim`` stays fast; solvers work on SI floats and only the
user-facing API touches Quantities. ``Q_(312e12, "FLOP/s").to("TFLOPs/s")`` prints ``312.0 TFLOPs/s``,
and ``f"{q:~.2f}"`` prints the compact symbol form used in the documentation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pint

_DEFINITIONS = Path(__file__).with_name("units.txt")


@cache
def registry() -> pint.UnitRegistry:
    """Build the registry once; compact unit symbols (``TFLOPs/s``) are the default format."""
    import pint

    ureg: pint.UnitRegistry = pint.UnitRegistry(str(_DEFINITIONS))
    ureg.separate_format_defaults = True  # f"{q:.1f}" uses the compact unit format below
    ureg.formatter.default_format = "~C"
    # pint picks its "D" formatter for a spec such as "~.2f" that names no unit format; make that
    # the compact one so f"{q:~.2f}" prints "312.00 TFLOPs/s" rather than "312.00 TFLOPs / s".
    ureg.formatter._formatters["D"] = ureg.formatter.get_formatter("C")
    return ureg


def Q_(value: Any, unit: str = "") -> pint.Quantity:
    """A Quantity in the package registry."""
    return registry().Quantity(value, unit)
