"""Energy on three named bases, so a result always says which one it reports.

- ``accelerator_energy``: the accelerators alone, TDP × load fraction × time (what a GPU-only
  estimate counts);
- ``it_energy``: node wall power (accelerators and host: CPUs, DRAM, NICs, fans) × load fraction
  × time, no facility overhead;
- ``facility_energy``: IT energy × PUE (The Green Grid WP#49), what the utility meter reads.

The load fraction at utilisation u (the share of time the hardware is busy) is
u · ``average_power_fraction`` + (1 − u) · ``idle_power_fraction``; busy all the time (u = 1, the
default) it is the average power fraction. Water is IT energy × WUE, litres per kWh of IT energy
(The Green Grid WP#35). Works on scalars or numpy arrays.
"""

from __future__ import annotations

from typing import Any

from ..assumptions import Assumptions

ACCELERATOR = "accelerator"
IT = "it"
FACILITY = "facility"
ENERGY_BASES = (ACCELERATOR, IT, FACILITY)

__all__ = [
    "ACCELERATOR",
    "ENERGY_BASES",
    "FACILITY",
    "IT",
    "accelerator_energy",
    "facility_energy",
    "it_energy",
    "load_fraction",
]


def load_fraction(utilization: Any, assumptions: Assumptions) -> Any:
    """Average draw as a fraction of maximum power when busy a fraction ``utilization`` of the time."""
    a = assumptions
    return utilization * a.average_power_fraction + (1.0 - utilization) * a.idle_power_fraction


def accelerator_energy(
    accelerators: Any, tdp: Any, seconds: Any, assumptions: Assumptions, utilization: Any = 1.0
) -> Any:
    """Accelerator energy in J: accelerators × TDP (W) × load fraction × ``seconds``."""
    return accelerators * tdp * load_fraction(utilization, assumptions) * seconds


def it_energy(
    nodes: Any, node_power: Any, seconds: Any, assumptions: Assumptions, utilization: Any = 1.0
) -> Any:
    """IT energy in J: nodes × node power (W) × load fraction × ``seconds``."""
    return nodes * node_power * load_fraction(utilization, assumptions) * seconds


def facility_energy(it: Any, pue: Any) -> Any:
    """Facility energy in J: IT energy × PUE (total facility energy over IT energy)."""
    return it * pue
