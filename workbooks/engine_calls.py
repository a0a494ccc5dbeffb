"""MLSYS_* calls written into the workbook, built from the function registry's own signatures, and
spelled the way the target runtime stores them in the file.

A formula names its arguments here by the registry's argument names (``model=``, ``hw=``,
``seq=``...), so the generated call always matches the function's argument order, and an argument
the workbook supplies but a function does not take is simply not passed (``offered``).

Each runtime stores its functions' names differently in the .xlsx (``Target.spelled``):

- ``classic``: the xlwings add-in's VBA functions are stored by their bare name, ``MLSYS_TTFT(``.
- ``lite`` and ``server``: Office.js custom functions are stored as ``_xldudf_`` + the namespace
  and the name, dots as underscores; Excel shows ``NAMESPACE.NAME`` (OfficeDev/Excel-Custom-Functions
  #108: a formula stored without the prefix does not calculate until it is re-entered; the
  xlwings-server repository's ``tests/e2e_custom_functions.xlsx``, saved by Excel, stores
  ``=XLWINGS_DEV.READ_FLOAT(2)`` as ``_xldudf_XLWINGS_DEV_READ_FLOAT(2)``). xlwings Lite's
  functions have no namespace (``=HELLO(...)``); xlwings Server's default is ``XLWINGS``
  (``XLWINGS_FUNCTIONS_NAMESPACE``), or none when that setting is empty.

The sheets call ``call`` without knowing the target; ``writing_for(target)`` around the
generation picks the spelling (``mlsysim plan --target``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from mlsysim.errors import InvalidInputError
from mlsysim.macros.registry import REGISTRY

TARGETS = ("classic", "lite", "server")
SERVER_NAMESPACE = "XLWINGS"  # xlwings Server's default XLWINGS_FUNCTIONS_NAMESPACE
NAMESPACES = {"classic": ("",), "lite": ("",), "server": (SERVER_NAMESPACE, "")}
STORED_PREFIX = "_xldudf_"


@dataclass(frozen=True, slots=True)
class Target:
    """The runtime a workbook is written for, and the functions' namespace there."""

    runtime: str = "classic"
    namespace: str = ""

    def __post_init__(self) -> None:
        if self.runtime not in TARGETS:
            raise InvalidInputError("target", self.runtime, f"one of {', '.join(TARGETS)}")
        allowed = NAMESPACES[self.runtime]
        if self.namespace not in allowed:
            shown = " or ".join(repr(n) for n in allowed)
            raise InvalidInputError(
                "namespace",
                self.namespace,
                f"{shown} for {self.runtime} (the headless recompute reads those)",
            )

    @classmethod
    def named(cls, runtime: str, namespace: str | None = None) -> Target:
        """``runtime`` with its default namespace (``XLWINGS`` for server) unless one is given."""
        if namespace is None:
            namespace = SERVER_NAMESPACE if runtime == "server" else ""
        return cls(runtime, namespace.upper())

    def spelled(self, name: str) -> str:
        """``MLSYS_TTFT`` as this runtime stores it in the file."""
        if self.runtime == "classic":
            return name
        prefix = f"{self.namespace.replace('.', '_')}_" if self.namespace else ""
        return f"{STORED_PREFIX}{prefix}{name}"

    def shown(self, name: str) -> str:
        """``MLSYS_TTFT`` as a user types it in this runtime (``XLWINGS.MLSYS_TTFT``)."""
        return f"{self.namespace}.{name}" if self.namespace else name


CLASSIC = Target()
_TARGET: ContextVar[Target] = ContextVar("mlsysim_workbook_target", default=CLASSIC)


@contextmanager
def writing_for(target: Target) -> Iterator[Target]:
    """Within the block, ``call`` spells function names for ``target``."""
    token = _TARGET.set(target)
    try:
        yield target
    finally:
        _TARGET.reset(token)


def current_target() -> Target:
    return _TARGET.get()


def functions() -> Mapping[str, Any]:
    """Every MLSYS_* function by name (``ExcelFunction``: args, unit, description)."""
    return REGISTRY


def call(name: str, args: Mapping[str, str], offered: Mapping[str, str] | None = None) -> str:
    """``MLSYS_TTFT(K4,L4,F4,H4,D4,E4)``: the function's arguments in its own order, from ``args``
    (each must be one the function takes) and ``offered`` (passed when the function takes it).
    Trailing optional arguments that are not given are left out; the name is spelled for the
    current target."""
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
    return f"{current_target().spelled(name)}({','.join(parts)})"


__all__ = [
    "CLASSIC",
    "SERVER_NAMESPACE",
    "STORED_PREFIX",
    "TARGETS",
    "Target",
    "call",
    "current_target",
    "functions",
    "writing_for",
]
