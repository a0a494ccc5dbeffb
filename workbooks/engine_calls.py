"""MLSYS_* calls written into the workbook, built from the function registry's own signatures.

A formula names its arguments here by the registry's argument names (``model=``, ``hw=``,
``seq=``...), so the generated call always matches the function's argument order, and an argument
the workbook supplies but a function does not take is simply not passed (``offered``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlsysim.errors import InvalidInputError
from mlsysim.macros.registry import REGISTRY


def functions() -> Mapping[str, Any]:
    """Every MLSYS_* function by name (``ExcelFunction``: args, unit, description)."""
    return REGISTRY


def call(name: str, args: Mapping[str, str], offered: Mapping[str, str] | None = None) -> str:
    """``MLSYS_TTFT(K4,L4,F4,H4,D4,E4)``: the function's arguments in its own order, from ``args``
    (each must be one the function takes) and ``offered`` (passed when the function takes it).
    Trailing optional arguments that are not given are left out."""
    fn = functions()[name]
    names = [a.name for a in fn.args]
    unknown = sorted(set(args) - set(names))
    if unknown:
        raise InvalidInputError(f"{name} argument", unknown[0], f"{name} takes {', '.join(names)}")
    given = {**(offered or {}), **args}
    parts: list[str] = []
    for arg in fn.args:
        value = given.get(arg.name, "")
        if not value and not arg.optional:
            raise InvalidInputError(f"{name} argument", arg.name, "is required and was not given")
        parts.append(value)
    while parts and not parts[-1]:
        parts.pop()
    return f"{name}({','.join(parts)})"
