"""Spec values of each row, gathered from the few distinct catalog entries a sweep names.

``table[codes]`` turns a per-entry value into a per-row array without a Python loop over rows;
an entry that failed to resolve (``None``) or lacks the value gives NaN, which stays confined to
rows that already carry an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np

from ..models.types import CNNSpec, TransformerSpec
from ..solvers.ops import Ops

T = TypeVar("T")


def gather(specs: Sequence[Any], codes: np.ndarray, value: Callable[[Any], Any]) -> np.ndarray:
    """``value(spec)`` of each row's entry as float64 (NaN for a missing entry or value)."""
    table = np.array([np.nan if s is None else _float(value(s)) for s in specs], dtype=np.float64)
    return table[codes]


def resolved(specs: Sequence[T | None], code: int) -> T:
    """The entry behind ``code``, for a message about a row whose entry resolved."""
    spec = specs[code]
    if spec is None:
        raise LookupError(f"entry {code} did not resolve")
    return spec


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)


class TransformerRows:
    """The shape of each row's transformer as arrays, under ``TransformerSpec``'s attribute names, so
    the solvers' equations (``mlsysim.solvers.transformer``, the ``*_core`` functions) apply as is."""

    parameters: np.ndarray
    active_parameters: np.ndarray
    layers: np.ndarray
    hidden_size: np.ndarray
    heads: np.ndarray
    kv_heads: np.ndarray
    attention_width: np.ndarray
    max_context: np.ndarray
    kv_elements_per_token: np.ndarray
    activation_elements_per_token: np.ndarray
    kernels_per_layer: np.ndarray
    experts: np.ndarray
    experts_per_token: np.ndarray
    expert_parameters: np.ndarray
    shared_parameters: np.ndarray
    vocab_size: np.ndarray

    def __init__(self, specs: Sequence[Any], codes: np.ndarray) -> None:
        specs = [s if isinstance(s, TransformerSpec) else None for s in specs]
        for name in self.__annotations__:
            setattr(self, name, gather(specs, codes, attrgetter(name)))


class CNNRows:
    """Each row's CNN figures as arrays, under ``CNNSpec``'s attribute names (NaN for other rows)."""

    parameters: np.ndarray
    flops_per_inference: np.ndarray
    activations_per_inference: np.ndarray
    layers: np.ndarray

    def __init__(self, specs: Sequence[Any], codes: np.ndarray) -> None:
        specs = [s if isinstance(s, CNNSpec) else None for s in specs]
        for name in self.__annotations__:
            setattr(self, name, gather(specs, codes, attrgetter(name)))


def _only(mask: Any, f: Callable[..., Any], *args: Any) -> np.ndarray:
    """``f(*args)`` where ``mask`` holds, 0 elsewhere; ``f`` sees only the masked elements of the
    array arguments (scalars pass as they are)."""
    mask = np.asarray(mask, dtype=bool)
    out = np.zeros(mask.shape)
    if mask.any():
        out[mask] = f(*(np.broadcast_to(a, mask.shape)[mask] if np.ndim(a) else a for a in args))
    return out


# The solver cores' non-arithmetic operations, element-wise on arrays (``mlsysim.solvers.ops``).
ARRAY = Ops(
    maximum=np.maximum,
    minimum=np.minimum,
    where=np.where,
    sqrt=np.sqrt,
    exp=np.exp,
    expm1=np.expm1,
    log2=np.log2,
    ceil=np.ceil,
    only=_only,
    log=np.log,
    floor=np.floor,
    log1p=np.log1p,
)
