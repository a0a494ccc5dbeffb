"""Fleet power and energy: node wall power (not GPU TDP alone) × average load × facility PUE.

PUE = total facility energy / IT equipment energy (The Green Grid WP#49); WUE = site water /
IT equipment energy, litres per kWh of IT energy (The Green Grid WP#35).
"""

from __future__ import annotations

from ..assumptions import Assumptions
from ..systems.types import FleetSpec


def it_power(fleet: FleetSpec, assumptions: Assumptions) -> float:
    """Average IT power of the fleet in W: nodes × node power × average load fraction."""
    return fleet.nodes * fleet.node.node_power * assumptions.average_power_fraction


def it_energy(fleet: FleetSpec, seconds: float, assumptions: Assumptions) -> float:
    """IT energy in J over ``seconds``."""
    return it_power(fleet, assumptions) * seconds
