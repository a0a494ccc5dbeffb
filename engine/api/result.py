"""Results that read like the spec (``result['ttft']``) and like objects (``result.ttft``).

A result wraps a solver's estimate (an immutable NamedTuple of SI floats) and converts the fields
listed in ``_UNITS`` to Quantities on access; every other field (fractions, counts, money, flags)
stays a plain value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from ..errors import UnknownEntryError
from ..names import closest
from ..units import Q_


class Result(Mapping[str, Any]):
    _UNITS: ClassVar[dict[str, str]] = {}

    __slots__ = ("estimate",)

    def __init__(self, estimate: Any) -> None:
        object.__setattr__(self, "estimate", estimate)

    def __getitem__(self, key: str) -> Any:
        try:
            raw = getattr(self.estimate, key)
        except AttributeError:
            raise UnknownEntryError(f"{type(self).__name__} field", key, closest(key, self)) from None
        unit = self._UNITS.get(key)
        return raw if unit is None else Q_(raw, unit)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        """Rebuilt from its estimate (a NamedTuple of plain values), so a result pickles, copies and
        deep-copies, and comes back from a multiprocessing or Dask worker."""
        return (type(self), (self.estimate,))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.estimate == self.estimate  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.estimate))

    def __iter__(self) -> Iterator[str]:
        return iter(self.estimate._fields)

    def __len__(self) -> int:
        return len(self.estimate._fields)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={self[k]!r}" for k in self)
        return f"{type(self).__name__}({body})"

    def range(self, key: str, quantiles: tuple[float, float] = (0.1, 0.9)) -> Any:
        """``key``'s validated band (``mlsysim.ranges.evidence``): value, low and high in its unit,
        the family, case count and provenance; "no validated range" when the cases are too few."""
        from ..ranges.evidence import field_range

        return field_range(type(self).__name__, key, self[key], quantiles)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th>{k}</th><td>{self[k]}</td></tr>" for k in self)
        return f"<table><caption>{type(self).__name__}</caption>{rows}</table>"
