"""Energy on three named bases, so a result always says which one it reports.

- ``accelerator_energy``: the accelerators alone, TDP × average power fraction × time (what a
  GPU-only estimate counts);
- ``it_energy``: node wall power (accelerators and host: CPUs, DRAM, NICs, fans) × average power
  fraction × time, no facility overhead;
- ``facility_energy``: IT energy × PUE (The Green Grid WP#49), what the utility meter reads.

Water is IT energy × WUE, litres per kWh of IT energy (The Green Grid WP#35). Works on scalars or
numpy arrays.
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
]


def accelerator_energy(accelerators: Any, tdp: Any, seconds: Any, assumptions: Assumptions) -> Any:
    """Accelerator energy in J: accelerators × TDP (W) × average load fraction × ``seconds``."""
    return accelerators * tdp * assumptions.average_power_fraction * seconds


def it_energy(nodes: Any, node_power: Any, seconds: Any, assumptions: Assumptions) -> Any:
    """IT energy in J: nodes × node power (W) × average load fraction × ``seconds``."""
    return nodes * node_power * assumptions.average_power_fraction * seconds


def facility_energy(it: Any, pue: Any) -> Any:
    """Facility energy in J: IT energy × PUE (total facility energy over IT energy)."""
    return it * pue
