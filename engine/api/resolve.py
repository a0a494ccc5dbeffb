"""What every facade shares: the catalog that names resolve in (and that supplies the
assumptions), the precision default, and Quantities or plain numbers for amounts."""

from __future__ import annotations

from typing import Any

from ..catalog_loader import Catalog, as_catalog
from ..enums import Precision
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..models.types import TransformerSpec


class Facade:
    """Base of the spec's solver classes: ``ServingModel(catalog=...)``.

    ``catalog`` is a ``Catalog`` (``mlsysim.load_catalog(folder)``), a folder of a user catalog, or
    None for the default catalog. Catalog entries passed to ``solve`` are used as they are; names
    are looked up in this catalog, and the efficiencies and overheads come from its assumptions.
    """

    __slots__ = ("catalog",)

    def __init__(self, catalog: Catalog | str | None = None) -> None:
        self.catalog = as_catalog(catalog)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(catalog={self.catalog!r})"


def transformer(catalog: Catalog, value: Any, solver: str) -> TransformerSpec:
    spec = catalog.spec("model", value)
    if not isinstance(spec, TransformerSpec):
        raise InvalidInputError("model", getattr(spec, "name", spec), f"{solver} needs a transformer")
    return spec


def precision_for(hardware: HardwareSpec, precision: str | Precision | None) -> Precision:
    """``precision`` parsed, or the device's default (fp16, else bf16, int8, fp32 — the first it
    has) when None: the same default as the Excel functions and the CLI."""
    if precision is None:
        return hardware.default_precision
    return Precision.parse(precision)


def amount(argument: str, value: Any, unit: str) -> float:
    """A number in ``unit``; a Quantity is converted (a wrong dimension raises pint's error)."""
    if type(value) in (int, float):
        return float(value)
    if hasattr(value, "to") and hasattr(value, "magnitude"):
        return float(value.to(unit).magnitude)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInputError(argument, value, f"expected a number in {unit or 'plain units'}")
    return float(value)
