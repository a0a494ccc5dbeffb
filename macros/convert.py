"""The optional ``unit`` argument: convert a result from its SI unit with the package's pint registry.

Cell text is forgiving where it is unambiguous: a count word before a slash is dropped
(``"tokens/h"`` -> ``1/h``), ``CO2e`` after a mass is dropped (``"tCO2e"`` -> ``t``). Factors are
cached per (from, to) pair, so a conversion costs a dictionary look-up after the first call.
"""

from __future__ import annotations

import re
from functools import lru_cache

from mlsysim.errors import InvalidInputError

_COUNT_WORD = re.compile(r"^\s*(samples?|tokens?|requests?|images?|sequences?|failures?)\s*/", re.IGNORECASE)
_CO2 = re.compile(r"CO2e?", re.IGNORECASE)

# What a dimension is called in error messages, with an example unit.
_KINDS = {
    "s": "a time (s, ms, us, min, h)",
    "B": "a size (B, MB, GB, GiB)",
    "1/s": "a rate (1/s, 1/min, 1/h)",
    "J": "an energy (J, kWh, MWh)",
    "kg": "a mass (g, kg, t)",
    "L": "a volume (L, m**3)",
    "USD": "money (USD, kUSD)",
    "USD/h": "money per time (USD/h, USD/day)",
    "FLOP/B": "FLOP per byte",
    "": "a plain number (%, or a scale such as 1e3)",
}


def pint_unit(text: str) -> str:
    """The pint spelling of a unit written in a cell."""
    unit = _COUNT_WORD.sub("1/", text.strip())
    return _CO2.sub("", unit).strip()


@lru_cache(maxsize=1024)
def factor(si_unit: str, target: str) -> float:
    """Multiply a value in ``si_unit`` by this to express it in ``target``."""
    import pint
    from mlsysim.units import Q_

    valid = _KINDS.get(si_unit, si_unit)
    try:
        return float(Q_(1.0, si_unit).to(pint_unit(target)).magnitude)
    except pint.errors.DimensionalityError:
        raise InvalidInputError("unit", target, f"this result is {valid}") from None
    except Exception:  # pint's parser fails on cell text in many ways (undefined name, syntax, 1/0)
        raise InvalidInputError("unit", target, f"not a unit; this result is {valid}") from None
