"""Accept catalog entries, their specs or their names wherever the API takes a model, device,
fleet, grid or facility, and Quantities or plain numbers for amounts."""

from __future__ import annotations

from typing import Any

from ..catalog_loader import load_catalog
from ..entry import CatalogEntry
from ..errors import InvalidInputError
from ..models.types import TransformerSpec


def spec_of(kind: str, value: Any, spec_type: type | tuple[type, ...]) -> Any:
    """The SI spec behind ``value``: an entry, a spec, or a name looked up in the catalog."""
    if isinstance(value, CatalogEntry):
        value = value.spec
    elif isinstance(value, str):
        value = load_catalog().get(kind, value).spec
    if not isinstance(value, spec_type):
        raise InvalidInputError(kind, value, f"expected a catalog {kind} entry or its name")
    return value


def transformer(value: Any, solver: str) -> TransformerSpec:
    spec = spec_of("model", value, object)
    if not isinstance(spec, TransformerSpec):
        raise InvalidInputError("model", getattr(spec, "name", spec), f"{solver} needs a transformer")
    return spec


def amount(argument: str, value: Any, unit: str) -> float:
    """A number in ``unit``; a Quantity is converted (a wrong dimension raises pint's error)."""
    if type(value) in (int, float):
        return float(value)
    if hasattr(value, "to") and hasattr(value, "magnitude"):
        return float(value.to(unit).magnitude)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(argument, value, f"expected a number in {unit or 'plain units'}")
    return float(value)


def assumptions():
    return load_catalog().assumptions
