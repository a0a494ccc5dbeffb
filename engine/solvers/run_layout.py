"""The layout a run trains with, chosen the way every surface (Python, command line, Excel,
workbook) chooses it:

1. a layout text (``"TP8 PP4 DP64 mbs1 selective"``, what the search prints), checked against the
   fleet (its DP must be what the fleet gives);
2. else the degrees given (``tp=8, pp=4``), the others at ``DistributedModel``'s defaults;
3. else (nothing given, or the text ``"best"``) the fastest layout the search finds, any degrees
   given held fixed.
"""

from __future__ import annotations

from typing import Any

from ..assumptions import Assumptions
from ..enums import Precision
from ..errors import InvalidInputError
from ..models.types import TransformerSpec
from ..systems.types import FleetSpec
from .checks import one_of, whole
from .distributed import TrainingEstimate, layout_step
from .parallel_layout import RECOMPUTE_MODES, ZERO_STAGES, Layout, check_layout, parse_layout_text

# A run's and a search's layout degrees (``check_layout``'s keywords), and the facades' names.
DEGREES = {
    "tp": "tp_size",
    "pp": "pp_size",
    "cp": "cp_size",
    "ep": "ep_size",
    "microbatch_size": "microbatch_size",
    "interleave": "interleave",
    "recompute": "recompute",
    "zero_stage": "zero_stage",
    "overlap_grad_reduce": "overlap_grad_reduce",
}
BEST = "best"


def run_step(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: Any,
    seq_len: Any,
    precision: Precision,
    a: Assumptions,
    *,
    layout: str | None = None,
    fixed: dict[str, Any],
) -> tuple[TrainingEstimate | None, str]:
    """The step of the run's layout, or (None, why) when a search finds nothing that fits."""
    if layout is not None and layout != BEST:
        if fixed:
            raise InvalidInputError("layout", layout, "give a layout text or the degrees, not both")
        return layout_step(
            model, fleet, batch, seq_len, precision, from_text(model, fleet, batch, seq_len, layout), a
        ), ""
    if fixed and layout is None:
        chosen = checked(model, fleet, batch, seq_len, fixed)
        return layout_step(model, fleet, int(batch), int(seq_len), precision, chosen, a), ""
    found = search(model, fleet, batch, seq_len, precision, a, fixed)
    return found.best, found.constraint


def search(
    model: TransformerSpec,
    fleet: FleetSpec,
    batch: Any,
    seq_len: Any,
    precision: Precision,
    a: Assumptions,
    fixed: dict[str, Any],
    top: Any = 10,
) -> Any:
    """The layout search (``layout_search``) with the ``fixed`` degrees held, each checked as
    ``check_layout`` checks it."""
    from .layout_search import default_space, search_layouts  # numpy, on first search

    pinned: dict[str, Any] = {}
    for name, value in fixed.items():
        if name == "recompute":
            pinned[name] = one_of("recompute", value, RECOMPUTE_MODES)
        elif name == "zero_stage":
            pinned[name] = one_of("zero_stage", value, ZERO_STAGES)
        elif name == "overlap_grad_reduce":
            pinned[name] = one_of("overlap_grad_reduce", value, (True, False))
        else:
            pinned[name] = whole(DEGREES[name], value)
    return search_layouts(
        model,
        fleet,
        whole("batch_size", batch),
        whole("seq_len", seq_len),
        precision,
        a,
        space=default_space(model, fleet, **pinned),
        top=whole("top_k", top),
    )


def checked(
    model: TransformerSpec, fleet: FleetSpec, batch: Any, seq_len: Any, degrees: dict[str, Any]
) -> Layout:
    return check_layout(
        accelerators=fleet.accelerators,
        layers=model.layers,
        heads=model.heads,
        experts=model.experts,
        batch=batch,
        seq_len=seq_len,
        **degrees,
    )


def from_text(model: TransformerSpec, fleet: FleetSpec, batch: Any, seq_len: Any, text: str) -> Layout:
    degrees = parse_layout_text(text)
    dp = degrees.pop("dp", None)
    layout = checked(model, fleet, batch, seq_len, degrees)
    if dp is not None and dp != layout.dp:
        raise InvalidInputError("layout", text, f"DP{dp} does not match the fleet: DP{layout.dp}")
    return layout
