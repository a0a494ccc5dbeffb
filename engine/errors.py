"""The project's exception tree: every error carries the offending input.

``UnknownEntryError`` is a ``KeyError`` (a catalog look-up failed) and ``InvalidInputError`` a
``ValueError`` (an argument outside its valid range), so callers can catch them either way.
"""

from __future__ import annotations

from typing import Any


class MlsysimError(Exception):
    """Base of every error raised by mlsysim."""


class UnknownEntryError(MlsysimError, KeyError):
    """A name that is not in the catalog; ``suggestions`` holds the closest entries."""

    def __init__(self, kind: str, name: str, suggestions: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        self.message = f"unknown {kind} {name!r}{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would otherwise print the repr of the message
        return self.message


class InvalidInputError(MlsysimError, ValueError):
    """An argument with a value outside its valid range or set."""

    def __init__(self, argument: str, value: Any, valid: str) -> None:
        self.argument = argument
        self.value = value
        self.valid = valid
        super().__init__(f"invalid {argument}={value!r}: {valid}")


class CatalogError(MlsysimError, ValueError):
    """A catalog file that breaks the schema (missing source, bad unit, non-positive value)."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")
