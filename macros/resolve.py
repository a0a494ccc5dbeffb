"""Catalog arguments: an id in the active catalog or a row of the workbook's catalog sheet.

The active catalog is ``mlsysim.load_catalog()`` (the packaged catalog plus the user folders in
``$MLSYSIM_CATALOG``) unless ``set_catalog`` chose another. ``key(kind, argument, value)`` turns
what a cell passes into a hashable key (the id text, or the row's cells as a tuple), and
``spec(kind, key)`` turns the key into the engine's spec. Both results are cached, so the thousand
cells of a sweep that name ``"H100"`` look it up once; ``set_catalog`` empties every cache.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from mlsysim.api.site import resolve_site
from mlsysim.catalog_loader import Catalog, as_catalog, default_catalog
from mlsysim.errors import InvalidInputError
from mlsysim.models.types import TransformerSpec

from .cells import check_not_error, is_missing
from .sheet_rows import parse_row, row_values
from .sheet_schema import schema

F = TypeVar("F", bound=Callable[..., Any])
_ACTIVE: list[Catalog] = []  # set_catalog's choice; empty: the default catalog
_CACHES: list[Any] = []


def catalog() -> Catalog:
    """The catalog the functions look ids up in and take their assumptions from."""
    return _ACTIVE[0] if _ACTIVE else default_catalog()


def set_catalog(chosen: Catalog | str | None) -> Catalog:
    """Use ``chosen`` (a ``Catalog`` or a user catalog folder; None: back to the default) for every
    function from now on, e.g. in xlwings Lite's ``main.py``: ``set_catalog("my_catalog")``."""
    _ACTIVE[:] = [] if chosen is None else [as_catalog(chosen)]
    for cached_function in _CACHES:
        cached_function.cache_clear()
    return catalog()


def cached(maxsize: int) -> Callable[[F], F]:
    """``functools.lru_cache`` that ``set_catalog`` empties (results depend on the catalog)."""

    def decorate(function: F) -> F:
        wrapped = lru_cache(maxsize=maxsize)(function)
        _CACHES.append(wrapped)
        return wrapped  # type: ignore[return-value]

    return decorate


_EXAMPLES = {"hardware": "H100", "model": "Llama3_70B", "fleet": "H100_64", "region": "Quebec"}


def key(kind: str, argument: str, value: Any, *, optional: bool = False) -> str | tuple | None:
    """The id text or the row tuple that ``value`` names; ``None`` for an omitted optional argument."""
    if is_missing(value):
        if optional:
            return None
        raise InvalidInputError(argument, None, _expected(kind))
    if isinstance(value, str):
        check_not_error(argument, value)
        return value.strip()
    if isinstance(value, list | tuple) or hasattr(value, "ndim"):
        return row_values(schema(kind), value)
    raise InvalidInputError(argument, value, _expected(kind))


def _expected(kind: str) -> str:
    sheet = schema(kind).sheet
    if kind == "region":
        return (
            f"expected a grid id such as {_EXAMPLES[kind]}, a facility profile or a row of the {sheet} sheet"
        )
    return f"expected a {kind} id such as {_EXAMPLES[kind]} or a row of the {sheet} sheet"


@cached(maxsize=4096)
def spec(kind: str, name: str | tuple) -> Any:
    """The spec behind a key (see ``sheet_schema.row_to_spec`` for what each kind gives)."""
    if isinstance(name, tuple):
        return parse_row(schema(kind), name)
    return catalog().get(kind, name).spec


@cached(maxsize=1024)
def site(name: str | tuple | None) -> tuple[Any, Any]:
    """(grid, facility): a grid id or facility profile id as the seed API's ``datacenter=`` reads
    it, a Regions row, or the site defaults (US average grid, hyperscale facility) for ``None``."""
    if isinstance(name, tuple):
        return parse_row(schema("region"), name)
    return resolve_site(catalog(), name)


def transformer(name: str | tuple, function: str) -> TransformerSpec:
    model = spec("model", name)
    if not isinstance(model, TransformerSpec):
        raise InvalidInputError("model", model.name, f"{function} needs a transformer; this is a CNN")
    return model
