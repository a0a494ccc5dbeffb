"""A serving replica and its features from specs, checked: the scalar solvers' inputs as plain numbers.

Precisions: ``precision`` is the compute precision (the device's peak at it); weights may be stored
narrower (weight-only quantisation: ``weight_precision`` int8 or int4 with ``precision`` fp16 runs
the GEMMs at fp16 after dequantising, as W8A16/W4A16 kernels do — Lin et al. 2024, AWQ, §5;
Frantar et al. 2024, Marlin); activations are at least 16-bit and the KV cache is kept at the
activations' precision unless ``kv_precision`` says otherwise (fp8 KV caches are opt-in in vLLM,
SGLang and TensorRT-LLM).
"""

from __future__ import annotations

import math
from typing import Any

from ..enums import Precision
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..models.types import TransformerSpec
from ..systems.types import FabricSpec
from . import transformer as tf
from .batching import Features
from .checks import non_negative, whole
from .collectives import topology_code
from .decode_step import Replica
from .serving import check_scale_up_domain


def replica(
    model: TransformerSpec,
    hardware: HardwareSpec,
    precision: Precision,
    assumptions: Any,
    *,
    weight_precision: Precision | None = None,
    kv_precision: Precision | None = None,
    tp: Any = 1,
    pp: Any = 1,
    ep: Any = 1,
    fabric: FabricSpec | None = None,
    runtime: str | None = None,
) -> Replica:
    """The replica's per-device numbers, served by ``runtime`` (``assumptions.default_runtime`` when
    None); bad parallelism or precision is an ``InvalidInputError``."""
    tp, pp, ep = whole("tp_size", tp), whole("pp_size", pp), whole("ep_size", ep)
    if model.heads % tp:
        raise InvalidInputError(
            "tp_size", tp, f"must divide the {model.heads} attention heads of {model.name}"
        )
    if pp > model.layers:
        raise InvalidInputError("pp_size", pp, f"at most the {model.layers} layers of {model.name}")
    if ep > 1 and model.experts <= 1:
        raise InvalidInputError(
            "ep_size", ep, f"expert parallelism needs a mixture of experts; {model.name} is dense"
        )
    if ep > 1 and tp * ep > model.experts:
        raise InvalidInputError(
            "ep_size", ep, f"tp_size x ep_size must be at most the {model.experts} experts of {model.name}"
        )
    if tp * pp * ep > 1 and not hardware.scale_up_bandwidth:
        raise InvalidInputError(
            "tp_size", tp, f"{hardware.name} has no scale-up link in the catalog; use one device per replica"
        )
    check_scale_up_domain(tp, hardware)
    domain = hardware.scale_up_domain
    if fabric is None and domain is not None and tp * pp * ep > domain:
        raise InvalidInputError(
            "ep_size" if ep > 1 else "pp_size",
            ep if ep > 1 else pp,
            f"tp_size x pp_size x ep_size = {tp * pp * ep} devices exceed the {domain} {hardware.name} "
            "reaches over its scale-up link; name the fabric between nodes (fabric=...)",
        )
    peak = hardware.flops(precision)
    weights = weight_precision or precision
    if weights.bytes_per_element > precision.bytes_per_element:
        raise InvalidInputError(
            "weight_precision",
            weights.value,
            f"wider than the compute precision {precision.value}; weights are dequantised to the compute "
            "precision, never narrowed on the fly — raise precision or drop weight_precision",
        )
    act = tf.activation_bytes(precision.bytes_per_element)
    kv = act if kv_precision is None else kv_precision.bytes_per_element
    link = (hardware.scale_up_bandwidth or math.inf) / 2.0 * assumptions.scale_up_efficiency
    ep_bandwidth, ep_latency, nodes = link, assumptions.scale_up_latency, 1.0
    if fabric is not None:  # experts across nodes: the all-to-all crosses the scale-out fabric
        ep_bandwidth = fabric.bandwidth_per_accelerator * assumptions.scale_out_efficiency
        ep_latency = fabric.latency
        nodes = float(math.ceil(tp * pp * ep / (hardware.scale_up_domain or 1)))
    return Replica(
        peak=peak,
        memory_bandwidth=hardware.memory_bandwidth,
        capacity=hardware.memory_capacity,
        scale_up_bandwidth=hardware.scale_up_bandwidth or math.inf,
        tp=float(tp),
        pp=float(pp),
        weight_bpe=weights.bytes_per_element,
        act_bpe=act,
        kv_bpe=kv,
        ep=float(ep),
        ep_bandwidth=ep_bandwidth,
        ep_latency=ep_latency,
        topology=topology_code(hardware.scale_up_topology),
        runtime=assumptions.runtime(runtime),
        ep_nodes=nodes,
    )


def features(
    *,
    prefix_hit: Any = 0.0,
    draft: TransformerSpec | None = None,
    draft_tokens: Any = 0,
    acceptance: Any = None,
    model: TransformerSpec | None = None,
) -> Features:
    """Prefix caching and speculative decoding as numbers, checked."""
    hit = non_negative("prefix_cache_hit", prefix_hit)
    if hit >= 1.0:
        raise InvalidInputError(
            "prefix_cache_hit", prefix_hit, "expected a fraction in [0, 1) of each prompt"
        )
    k = whole("draft_tokens", draft_tokens, 0)
    if draft is not None and k == 0:
        raise InvalidInputError("draft_tokens", draft_tokens, "a draft model needs draft_tokens >= 1")
    if k and acceptance is None:
        raise InvalidInputError(
            "acceptance_rate", None, "speculative decoding needs the acceptance rate in [0, 1]"
        )
    alpha = 0.0 if acceptance is None else non_negative("acceptance_rate", acceptance)
    if alpha > 1.0:
        raise InvalidInputError("acceptance_rate", acceptance, "expected a fraction in [0, 1]")
    if draft is not None and model is not None and draft.vocab_size != model.vocab_size:
        raise InvalidInputError(
            "draft_model",
            draft.name,
            f"its vocabulary ({draft.vocab_size}) differs from {model.name}'s ({model.vocab_size})",
        )
    return Features(prefix_hit=hit, draft=draft, draft_tokens=float(k), acceptance=alpha)
