"""How a device's scale-up link connects the accelerators of its domain, as a number a core can use.

The catalog names the topology (hardware field ``scale_up_topology``); the cores take its code, so
a sweep can hold one per row. The codes are ordered by what the topology allows:

- ``ring`` (0): neighbours only; the default when the catalog says nothing (conservative).
- ``torus`` (1): a 2D torus of neighbour links (TPU ICI); rings run along each dimension.
- ``mesh`` (2): a direct link between every pair (AMD Infinity Fabric, Gaudi); one-step algorithms
  that read every peer directly become possible.
- ``switch`` (3): all-to-all through a switch without in-network reduction (NVSwitch gen 2, A100).
- ``switch_reduce`` (4): a switch that also reduces (NVLink SHARP on NVSwitch gen 3 and later,
  H100/H200/B200/GB200).
"""

from __future__ import annotations

from collections.abc import Mapping

TOPOLOGIES: Mapping[str, int] = {"ring": 0, "torus": 1, "mesh": 2, "switch": 3, "switch_reduce": 4}
DEFAULT_TOPOLOGY = "ring"

RING, TORUS, MESH, SWITCH, SWITCH_REDUCE = (TOPOLOGIES[n] for n in TOPOLOGIES)


def topology_code(name: str | None) -> int:
    """The code of a catalog topology name; ``None`` (not in the catalog) is a ring."""
    return TOPOLOGIES[name or DEFAULT_TOPOLOGY]
