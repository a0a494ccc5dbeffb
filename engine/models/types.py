"""Model types: shapes as plain numbers for the solvers, wrapped as catalog entries for users."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..entry import CatalogEntry
from ..errors import InvalidInputError
from ..solvers.checks import positive, whole
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

    # Derived in __post_init__ (not constructor arguments); each _method below says how.
    expert_parameters: float = field(init=False, repr=False)
    shared_parameters: float = field(init=False, repr=False)
    attention_width: int = field(init=False, repr=False)
    kv_elements_per_token: float = field(init=False, repr=False)
    activation_elements_per_token: float = field(init=False, repr=False)
    kernels_per_layer: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._check()
        if not self.active_parameters:
            object.__setattr__(self, "active_parameters", self.parameters)
        # Width of the query projection, heads · head_dim (the hidden size in most models).
        object.__setattr__(self, "attention_width", self.heads * self.head_dim)
        derived = {
            "kv_elements_per_token": self._kv_elements_per_token(),
            "expert_parameters": self._expert_parameters(),
            "activation_elements_per_token": self._activation_elements_per_token(),
            "kernels_per_layer": self._kernels_per_layer(),
        }
        derived["shared_parameters"] = self.parameters - self.experts * derived["expert_parameters"]
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    def _check(self) -> None:
        """The same rules for every way a spec is made (catalog TOML, workbook row, Python)."""
        positive("parameters", self.parameters)
        for name in ("layers", "hidden_size", "heads", "kv_heads", "head_dim", "ffn_size", "vocab_size"):
            whole(name, getattr(self, name))
        whole("max_context", self.max_context)
        whole("experts", self.experts)
        whole("experts_per_token", self.experts_per_token)
        whole("kv_latent_dim", self.kv_latent_dim, 0)
        if self.kv_heads > self.heads:
            raise InvalidInputError("kv_heads", self.kv_heads, f"at most the {self.heads} attention heads")
        if self.experts_per_token > self.experts:
            raise InvalidInputError(
                "experts_per_token", self.experts_per_token, f"at most the {self.experts} experts"
            )
        if self.active_parameters:
            positive("active_parameters", self.active_parameters)
            if self.active_parameters > self.parameters:
                raise InvalidInputError(
                    "active_parameters", self.active_parameters, f"at most parameters={self.parameters:g}"
                )

    def _expert_parameters(self) -> float:
        """Weights of one routed expert, ``(P − P_active)/(E − k)``; 0 for dense models (so that
        ``shared_parameters = P − E·e`` is every weight)."""
        if self.experts <= self.experts_per_token:
            return 0.0
        return (self.parameters - self.active_parameters) / (self.experts - self.experts_per_token)

    def _activation_elements_per_token(self) -> float:
        """Elements one token writes in one pass over all layers (Q/K/V, attention output,
        projection, two residual adds, two norms, the FFN's up/gate/activation/down outputs per
        active expert)."""
        d, width = self.hidden_size, self.attention_width
        kv = 2 * self.kv_heads * self.head_dim
        ffn_inputs = self.ffn_size * (2 if self.gated_ffn else 1) + self.ffn_size
        per_layer = width + kv + width + d + 2 * d + 2 * d + (ffn_inputs + d) * self.experts_per_token
        return float(self.layers * per_layer)

    def _kernels_per_layer(self) -> int:
        """Kernels one layer launches per pass: one per operation that the activation count
        counts — Q/K/V projection, attention, output projection, two norms, two residual adds, and
        per active expert the FFN's up (and gate) projection, activation and down projection."""
        ffn = 4 if self.gated_ffn else 3
        return 7 + ffn * self.experts_per_token

    def _kv_elements_per_token(self) -> float:
        """Cached K and V elements per token over all layers (Pope et al. 2022, §2)."""
        per_layer = self.kv_latent_dim or 2 * self.kv_heads * self.head_dim
        return float(self.layers * per_layer)


@dataclass(frozen=True, slots=True)
class CNNSpec:
    """A convolutional network at its standard input size."""

    name: str
    parameters: float
    flops_per_inference: float
    layers: int
    activations_per_inference: float

    def __post_init__(self) -> None:
        for name in ("parameters", "flops_per_inference", "activations_per_inference"):
            positive(name, getattr(self, name))
        whole("layers", self.layers)


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
