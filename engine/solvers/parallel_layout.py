"""A parallel training layout in the terms of a Megatron-LM/NeMo configuration, and its checks.

The fleet's ``n`` accelerators are split ``n = TP × CP × DP × PP`` (Megatron-LM's rank order
``tp-cp-ep-dp-pp``: tensor-parallel ranks are neighbours, then context-parallel, then data-parallel,
and pipeline stages are outermost; expert parallelism is carved out of data parallelism). A step
takes the global batch of ``B`` sequences as ``m = B / (DP · mbs)`` micro-batches of ``mbs``
sequences each (Narayanan et al. 2021, §2.2). ``interleave`` is Megatron's virtual pipeline size
(model chunks per device); ``zero_stage`` 1 is Megatron's distributed optimizer (optimizer state
sharded over data parallelism, Rajbhandari et al. 2020 stage 1), the framework's usual setting and
the default here; ``overlap_grad_reduce`` is Megatron's ``--overlap-grad-reduce
--overlap-param-gather`` (off by default, as there), which hides the data-parallel traffic behind
the passes as ZeRO-3 always does.

``check_layout`` raises ``InvalidInputError`` naming the input that does not divide; the layout
search applies the same rules to arrays (``layout_search``) and counts the rows each one rejects.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import InvalidInputError
from .checks import one_of, whole

RECOMPUTE_MODES = ("none", "selective", "full")
ZERO_STAGES = (0, 1, 2, 3)
DEFAULT_RECOMPUTE = "selective"
DEFAULT_ZERO_STAGE = 1  # Megatron-LM's distributed optimizer


class Layout(NamedTuple):
    """A checked layout: every degree a whole number, ``dp`` and ``microbatches`` derived."""

    tp: int
    pp: int
    dp: int
    cp: int
    ep: int
    microbatch_size: int
    microbatches: int
    interleave: int
    recompute: str
    zero_stage: int
    overlap_grad_reduce: bool = False

    @property
    def text(self) -> str:
        return layout_text(self)


def layout_text(layout: Layout) -> str:
    """``"TP8 PP4 DP64 mbs1 selective"``: the degrees a configuration file states, with CP, EP,
    virtual pipeline stages and the ZeRO stage shown when they are not the defaults."""
    parts = [f"TP{layout.tp}", f"PP{layout.pp}"]
    if layout.interleave > 1:
        parts.append(f"VPP{layout.interleave}")
    if layout.cp > 1:
        parts.append(f"CP{layout.cp}")
    if layout.ep > 1:
        parts.append(f"EP{layout.ep}")
    parts += [f"DP{layout.dp}", f"mbs{layout.microbatch_size}", layout.recompute]
    if layout.zero_stage != DEFAULT_ZERO_STAGE:
        parts.append(f"ZeRO-{layout.zero_stage}")
    if layout.overlap_grad_reduce and layout.zero_stage < 3:
        parts.append("overlap")
    return " ".join(parts)


def check_layout(
    *,
    accelerators: int,
    layers: int,
    heads: int,
    experts: int,
    batch: object,
    seq_len: object,
    tp: object = 1,
    pp: object = 1,
    cp: object = 1,
    ep: object = 1,
    microbatch_size: object = None,
    microbatch_count: object = None,
    interleave: object = 1,
    recompute: object = DEFAULT_RECOMPUTE,
    zero_stage: object = DEFAULT_ZERO_STAGE,
    overlap_grad_reduce: object = False,
) -> Layout:
    """The layout of ``accelerators`` devices for a model of ``layers`` layers, ``heads`` attention
    heads and ``experts`` experts, or an ``InvalidInputError`` naming the first input that does not
    divide. The micro-batch is given by its size (as configuration files state it) or, as the
    seed's ``DistributedModel`` does, by the number of micro-batches per step; not both."""
    batch, seq = whole("batch_size", batch), whole("seq_len", seq_len)
    tp, pp, cp, ep = whole("tp_size", tp), whole("pp_size", pp), whole("cp_size", cp), whole("ep_size", ep)
    v = whole("interleave", interleave)
    mode = one_of("recompute", recompute, RECOMPUTE_MODES)
    stage = one_of("zero_stage", zero_stage, ZERO_STAGES)
    overlap = one_of("overlap_grad_reduce", overlap_grad_reduce, (True, False))
    model_parallel = tp * pp * cp
    if accelerators % model_parallel:
        raise InvalidInputError(
            "tp_size",
            tp,
            f"tp_size × pp_size × cp_size = {model_parallel} must divide the fleet's {accelerators} devices",
        )
    dp = accelerators // model_parallel
    if heads % tp:
        raise InvalidInputError("tp_size", tp, f"must divide the model's {heads} attention heads")
    if pp > layers:
        raise InvalidInputError("pp_size", pp, f"at most the model's {layers} layers")
    if cp > 1 and seq % (2 * cp):
        raise InvalidInputError(
            "cp_size", cp, f"2 × cp_size must divide seq_len {seq} (causal load balancing splits 2·cp chunks)"
        )
    if ep > 1 and experts == 1:
        raise InvalidInputError("ep_size", ep, "expert parallelism needs a mixture-of-experts model")
    if experts % ep:
        raise InvalidInputError("ep_size", ep, f"must divide the model's {experts} experts")
    if dp % ep:
        raise InvalidInputError("ep_size", ep, f"must divide the data-parallel size {dp}")
    size = _microbatch_size(batch, dp, microbatch_size, microbatch_count)
    m = batch // (dp * size)
    if v > 1:
        if pp == 1:
            raise InvalidInputError("interleave", v, "virtual pipeline stages need pp_size > 1")
        if layers % (pp * v):
            raise InvalidInputError(
                "interleave", v, f"pp_size × interleave = {pp * v} must divide the model's {layers} layers"
            )
        if m % pp:
            raise InvalidInputError(
                "interleave",
                v,
                f"the interleaved schedule needs micro-batches ({m}) divisible by pp_size {pp}",
            )
    return Layout(tp, pp, dp, cp, ep, size, m, v, mode, int(stage), bool(overlap))


def _microbatch_size(batch: int, dp: int, size: object, count: object) -> int:
    if size is not None and count is not None:
        raise InvalidInputError(
            "microbatch_count", count, "give microbatch_size or microbatch_count, not both"
        )
    if count is not None:
        m = whole("microbatch_count", count)
        if batch % (dp * m):
            raise InvalidInputError(
                "batch_size",
                batch,
                f"must be a multiple of data-parallel size × microbatch_count = {dp} × {m} = {dp * m}",
            )
        return batch // (dp * m)
    b = whole("microbatch_size", 1 if size is None else size)
    if batch % (dp * b):
        raise InvalidInputError(
            "batch_size",
            batch,
            f"must be a multiple of data-parallel size × microbatch_size = {dp} × {b} = {dp * b}",
        )
    return b


_TEXT_DEGREES = {
    "TP": "tp",
    "PP": "pp",
    "VPP": "interleave",
    "CP": "cp",
    "EP": "ep",
    "DP": "dp",
    "mbs": "microbatch_size",
}


def parse_layout_text(text: str) -> dict[str, object]:
    """The degrees a ``layout_text`` names (``"TP8 PP4 DP64 mbs1 selective"``), as keyword
    arguments of ``check_layout`` plus ``dp`` (to check against the fleet)."""
    found: dict[str, object] = {}
    for word in str(text).split():
        if word in RECOMPUTE_MODES:
            found["recompute"] = word
            continue
        if word == "overlap":
            found["overlap_grad_reduce"] = True
            continue
        if word.startswith("ZeRO-") and word[5:].isdigit():
            found["zero_stage"] = int(word[5:])
            continue
        prefix = word.rstrip("0123456789")
        number = word[len(prefix) :]
        if prefix not in _TEXT_DEGREES or not number:
            raise InvalidInputError(
                "layout",
                text,
                "words like TP8 PP4 VPP2 CP2 EP8 DP64 mbs1, none/selective/full, ZeRO-3, overlap",
            )
        found[_TEXT_DEGREES[prefix]] = int(number)
    return found
