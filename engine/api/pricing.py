"""How an accelerator is priced: its node share when owned, a catalog offer when rented.

Owned accelerators are priced as their share of a server, host included, exactly as a training
fleet is: node price / accelerators per node, node wall power / accelerators per node. The node is
the one named, else the first priced catalog node holding the accelerator; an accelerator that no
catalog node holds is priced as itself plus the host share of ``catalog/assumptions.toml``
(``host_price_per_accelerator``, ``host_power_per_accelerator``), and says so. No price anywhere is
an error, never $0.

Rented accelerators take a catalog offer (``catalog/prices/cloud.toml``): an id, or ``"cheapest"``
for the lowest rate on the term among the accelerator's offers. The date the price was read travels
with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..catalog_loader import Catalog
from ..entry import CatalogEntry
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..infra.types import DatacenterSpec
from ..names import normalize
from ..prices import CloudPrice, Term, cheapest
from ..solvers.checks import positive
from ..solvers.economics import JOULES_PER_KWH, electricity_price
from ..systems.types import NodeSpec
from .resolve import amount
from .site import resolve_site

CHEAPEST = "cheapest"

__all__ = [
    "CHEAPEST",
    "NodeShare",
    "Rental",
    "node_share",
    "node_share_of",
    "pricing_node",
    "rental",
    "site_tariff",
]


@dataclass(frozen=True, slots=True)
class NodeShare:
    """One accelerator's share of a server: price (USD) and wall power at full load (W)."""

    price: float
    power: float
    basis: str


@dataclass(frozen=True, slots=True)
class Rental:
    """A catalog offer on a term: rate in USD per accelerator-second."""

    offer: CloudPrice
    term: Term

    @property
    def rate(self) -> float:
        return self.offer.spec.rate(self.term)

    @property
    def date_read(self) -> str:
        return self.offer.spec.date_read

    @property
    def basis(self) -> str:
        return f"rented: {self.offer.id} {self.term.label} (price read {self.date_read})"


def node_share_of(node: NodeSpec, node_id: str, node_price: float | None = None) -> NodeShare:
    """The share of ``node`` (``node_price`` overrides the catalog's price)."""
    price = node.price if node_price is None else node_price
    if price is None:
        raise InvalidInputError(
            "node", node_id, f"the catalog has no price for node {node.name}; pass node_price"
        )
    if price <= 0:
        raise InvalidInputError("node_price", price, "a price in USD greater than 0")
    per_node = node.accelerators_per_node
    return NodeShare(price / per_node, node.node_power / per_node, f"owned: node share of {node_id}")


def node_share(
    catalog: Catalog, hardware: HardwareSpec, node: Any = None, node_price: Any = None
) -> NodeShare:
    """The node share that prices one owned ``hardware`` accelerator (see the module docstring)."""
    price = None if node_price is None else amount("node_price", node_price, "USD")
    if node is not None:
        entry_id, spec = _node(catalog, node)
        if spec.accelerator is not hardware and spec.accelerator != hardware:
            raise InvalidInputError("node", entry_id, f"holds {spec.accelerator.name}, not {hardware.name}")
        return node_share_of(spec, entry_id, price)
    entry = pricing_node(catalog, hardware, priced=price is None)
    if entry is not None:
        return node_share_of(entry.spec, entry.id, price)
    if hardware.price is None:
        raise InvalidInputError(
            "hardware",
            hardware.name,
            "the catalog has no price for it and no priced node holds it; pass node= with a priced "
            "node, or rent it (offer=)",
        )
    a = catalog.assumptions
    return NodeShare(
        hardware.price + a.host_price_per_accelerator,
        hardware.tdp + a.host_power_per_accelerator,
        "owned: accelerator price + host share (assumptions)",
    )


def pricing_node(catalog: Catalog, hardware: HardwareSpec, *, priced: bool = True) -> Any:
    """The catalog node an owned ``hardware`` accelerator is priced as a share of: the first, in
    catalog order, holding it (with a price, when ``priced``); None when none does."""
    holders = _nodes_by_accelerator(catalog).get(id(hardware))
    if holders is None:  # a spec that is not the catalog's own object: compare by value
        holders = [e for e in catalog.entries["node"].values() if e.spec.accelerator == hardware]
    return next((e for e in holders if e.spec.price is not None or not priced), None)


@lru_cache(maxsize=16)
def _nodes_by_accelerator(catalog: Catalog) -> dict[int, list[Any]]:
    """Catalog nodes by the identity of their accelerator's spec, in catalog order."""
    index: dict[int, list[Any]] = {}
    for entry in catalog.entries["node"].values():
        index.setdefault(id(entry.spec.accelerator), []).append(entry)
    return index


def _node(catalog: Catalog, node: Any) -> tuple[str, NodeSpec]:
    if isinstance(node, CatalogEntry):
        return node.id, node.spec
    if isinstance(node, NodeSpec):
        return node.name, node
    entry = catalog.get("node", node)
    return entry.id, entry.spec


def rental(catalog: Catalog, hardware: HardwareSpec, offer: Any, term: Any) -> Rental:
    """The offer ``offer`` (an id, an entry, or ``"cheapest"``) for ``hardware`` on ``term``."""
    chosen_term = Term.parse(term)
    if isinstance(offer, str) and normalize(offer) == CHEAPEST:
        found = cheapest(catalog, hardware, chosen_term)
    else:
        found = offer if isinstance(offer, CloudPrice) else catalog.get("price", offer)
        if found.spec.accelerator is not hardware and found.spec.accelerator != hardware:
            raise InvalidInputError(
                "offer", found.id, f"rents {found.spec.accelerator.name}, not {hardware.name}"
            )
    found.spec.rate(chosen_term)  # a term the offer lacks fails here, naming the terms it has
    return Rental(found, chosen_term)


def site_tariff(catalog: Catalog, datacenter: Any, grid: Any, kwh_price: Any) -> tuple[float, DatacenterSpec]:
    """(electricity price in USD/J, facility): ``kwh_price`` (USD/kWh) or the grid's price."""
    grid_spec, facility = resolve_site(catalog, datacenter, grid)
    tariff = electricity_price(
        grid_spec, None if kwh_price is None else amount("kwh_price", kwh_price, "USD/kWh")
    )
    positive("kwh_price", tariff * JOULES_PER_KWH)
    return tariff, facility
