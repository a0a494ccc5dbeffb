"""Fleet IT energy: node wall power (not GPU TDP alone) × average load.

Facility energy is IT energy × PUE (The Green Grid WP#49); water is IT energy × WUE, litres per
kWh of IT energy (The Green Grid WP#35). Works on scalars or numpy arrays.
"""

from __future__ import annotations

from typing import Any

from ..assumptions import Assumptions


def it_energy(nodes: Any, node_power: Any, seconds: Any, assumptions: Assumptions) -> Any:
    """IT energy in J: nodes × node power (W) × average load fraction × ``seconds``."""
    return nodes * node_power * assumptions.average_power_fraction * seconds
