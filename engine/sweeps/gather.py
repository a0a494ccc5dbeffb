"""Spec values of each row, gathered from the few distinct catalog entries a sweep names.

``table[codes]`` turns a per-entry value into a per-row array without a Python loop over rows;
an entry that failed to resolve (``None``) or lacks the value gives NaN, which stays confined to
rows that already carry an error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from ..models.types import TransformerSpec
from ..solvers import transformer as tf

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
    """The shape of each row's transformer, as arrays (Kaplan et al. 2020; Pope et al. 2022)."""

    def __init__(self, specs: Sequence[Any], codes: np.ndarray) -> None:
        specs = [s if isinstance(s, TransformerSpec) else None for s in specs]
        self.parameters = gather(specs, codes, lambda m: m.parameters)
        self.active = gather(specs, codes, lambda m: m.active_parameters)
        self.layers = gather(specs, codes, lambda m: m.layers)
        self.hidden = gather(specs, codes, lambda m: m.hidden_size)
        self.heads = gather(specs, codes, lambda m: m.heads)
        self.kv_heads = gather(specs, codes, lambda m: m.kv_heads)
        self.width = gather(specs, codes, lambda m: m.attention_width)
        self.max_context = gather(specs, codes, lambda m: m.max_context)
        self.kv_per_token = gather(specs, codes, lambda m: m.kv_elements_per_token)
        self.activations_per_token = gather(specs, codes, tf.activation_elements_per_token)
        moe = [s is not None and s.experts > 1 and s.experts != s.experts_per_token for s in specs]
        self.moe = np.array(moe, dtype=bool)[codes]
        self.experts = gather(specs, codes, lambda m: m.experts)
        self.per_token_experts = gather(specs, codes, lambda m: m.experts_per_token)
        self.per_expert = gather(
            specs,
            codes,
            lambda m: (
                (m.parameters - m.active_parameters) / (m.experts - m.experts_per_token)
                if m.experts != m.experts_per_token
                else 0.0
            ),
        )

    def prefill_flops(self, seq_len: np.ndarray, batch: np.ndarray) -> np.ndarray:
        """``tf.prefill_flops`` on arrays: ``B·(2·N_active·S + 2·L·S²·d_attn)``."""
        dense = 2.0 * self.active * seq_len
        attention = 2.0 * self.layers * seq_len * seq_len * self.width
        return batch * (dense + attention)

    def decode_flops(self, context: np.ndarray, batch: np.ndarray) -> np.ndarray:
        """``tf.decode_flops`` on arrays: ``B·(2·N_active + 4·L·c·d_attn)``."""
        return batch * (2.0 * self.active + 4.0 * self.layers * context * self.width)

    def weights_touched(self, tokens: np.ndarray) -> np.ndarray:
        """``tf.weight_elements_touched`` on arrays: every weight for dense models; for a mixture of
        experts the shared weights plus ``E·(1 − (1 − k/E)^T)`` experts' worth."""
        touched = self.parameters.copy()
        moe = self.moe
        if moe.any():
            experts, k, per_expert = self.experts[moe], self.per_token_experts[moe], self.per_expert[moe]
            shared = self.parameters[moe] - experts * per_expert
            hit = experts * (
                1.0 - (1.0 - k / experts) ** np.maximum(np.broadcast_to(tokens, moe.shape)[moe], 1.0)
            )
            touched[moe] = shared + per_expert * hit
        return touched

    def activation_traffic(self, tokens: np.ndarray, bytes_per_element: np.ndarray) -> np.ndarray:
        """``tf.activation_traffic``: every intermediate written once and read once."""
        return 2.0 * tokens * self.activations_per_token * bytes_per_element

    def kv_cache_bytes(
        self, tokens: np.ndarray, batch: np.ndarray, bytes_per_element: np.ndarray
    ) -> np.ndarray:
        """``tf.kv_cache_bytes``: cached elements per token × tokens × batch × bytes."""
        return self.kv_per_token * tokens * batch * bytes_per_element
