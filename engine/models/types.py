"""Model types: shapes as plain numbers for the solvers, wrapped as catalog entries for users."""

from __future__ import annotations

from dataclasses import dataclass

from ..entry import CatalogEntry
from ..units import Q_


@dataclass(frozen=True, slots=True)
class TransformerSpec:
    """A decoder (or encoder) transformer's shape; MoE and latent attention are optional.

    ``active_parameters`` equals ``parameters`` for dense models; ``kv_latent_dim`` replaces
    ``2 · kv_heads · head_dim`` cached elements per token and layer for multi-head latent attention
    (DeepSeek-AI 2024, DeepSeek-V2 §2.1).
    """

    name: str
    parameters: float
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn_size: int
    vocab_size: int
    max_context: int
    gated_ffn: bool = False
    active_parameters: float = 0.0
    experts: int = 1
    experts_per_token: int = 1
    kv_latent_dim: int = 0

    def __post_init__(self) -> None:
        if not self.active_parameters:
            object.__setattr__(self, "active_parameters", self.parameters)

    @property
    def kv_elements_per_token(self) -> float:
        """Cached K and V elements per token over all layers (Pope et al. 2022, §2)."""
        per_layer = self.kv_latent_dim or 2 * self.kv_heads * self.head_dim
        return float(self.layers * per_layer)

    @property
    def attention_width(self) -> int:
        """Width of the query projection, ``heads · head_dim`` (equals hidden size in most models)."""
        return self.heads * self.head_dim


@dataclass(frozen=True, slots=True)
class CNNSpec:
    """A convolutional network at its standard input size."""

    name: str
    parameters: float
    flops_per_inference: float
    layers: int
    activations_per_inference: float


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Model(CatalogEntry):
    """A catalog model, e.g. ``mlsysim.Models.Language.Llama3_70B``."""

    spec: TransformerSpec | CNNSpec
    kind: str = "transformer"

    @property
    def parameters(self):
        return Q_(self.spec.parameters, "")

    @property
    def is_transformer(self) -> bool:
        return isinstance(self.spec, TransformerSpec)
