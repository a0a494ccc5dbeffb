"""``CostPerTokenModel().solve``: what a million tokens cost on a serving deployment, input and
output priced apart, owned (node share, host included) or rented (a catalog offer)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from ..enums import Precision
from ..hardware.types import HardwareSpec
from ..models.types import TransformerSpec
from ..solvers.checks import whole
from ..solvers.finance_checks import utilization as check_utilization
from ..solvers.ownership import owned_cost_core, rental_cost_core
from ..solvers.serving import serving
from ..solvers.token_cost import TokenCostEstimate, serving_token_cost_core
from .pricing import node_share, rental, site_tariff
from .resolve import Facade, precision_for, transformer
from .result import Result

__all__ = ["NOT_SERVED", "CostPerTokenModel", "TokenCostResult", "accelerator_cost_rate", "token_cost"]

# Fields with no value when the model does not fit: the deployment still costs its hours.
NOT_SERVED = tuple(f for f in TokenCostEstimate._fields[:9] if not f.endswith("hour_usd"))


class TokenCostResult(Result):
    _UNITS: ClassVar[dict[str, str]] = {}  # USD and token rates are plain numbers, named by unit


def accelerator_cost_rate(
    catalog: Any,
    device: HardwareSpec,
    utilization: float,
    *,
    offer: Any = None,
    term: Any = "on_demand",
    node: Any = None,
    node_price: Any = None,
    datacenter: Any = None,
    grid: Any = None,
    kwh_price: Any = None,
) -> tuple[float, str, str]:
    """(USD per calendar second of one accelerator at ``utilization``, pricing basis, date the
    price was read): rented when ``offer`` is given, else owned (its node share)."""
    if offer is not None:
        chosen = rental(catalog, device, offer, term)
        per_calendar, _ = rental_cost_core(
            rate=chosen.rate, bills_idle=chosen.term.bills_idle, utilization=utilization
        )
        return per_calendar, chosen.basis, chosen.date_read
    share = node_share(catalog, device, node, node_price)
    tariff, facility = site_tariff(catalog, datacenter, grid, kwh_price)
    owned = owned_cost_core(
        price=share.price,
        power=share.power,
        electricity_price=tariff,
        pue=facility.pue,
        utilization=utilization,
        assumptions=catalog.assumptions,
    )
    return owned.total, share.basis, ""


class CostPerTokenModel(Facade):
    """Cost per million tokens of serving a model: the serving model's token rates priced at the
    accelerators' hourly cost, owned or rented, at a utilisation."""

    __slots__ = ()

    def solve(
        self,
        model: Any,
        hardware: Any,
        seq_len: int,
        batch_size: int = 1,
        precision: str | Precision | None = None,
        *,
        output_len: int = 128,
        tp_size: int = 1,
        kv_precision: str | Precision | None = None,
        replicas: int = 1,
        utilization: float = 1.0,
        offer: Any = None,
        term: Any = "on_demand",
        node: Any = None,
        node_price: Any = None,
        datacenter: Any = None,
        grid: Any = None,
        kwh_price: Any = None,
    ) -> TokenCostResult:
        """``replicas`` replicas of ``tp_size`` accelerators each serve static batches of
        ``batch_size`` prompts (``ServingModel``), busy a fraction ``utilization`` of the time.
        Owned accelerators (no ``offer``) are priced as their node share, host included, at the
        site's electricity price; ``offer`` (a catalog price id, or ``"cheapest"``) rents them on
        ``term`` (on_demand, reserved_1yr, reserved_3yr, spot)."""
        catalog = self.catalog
        spec = transformer(catalog, model, "CostPerTokenModel")
        device = catalog.spec("hardware", hardware, HardwareSpec)
        estimate = token_cost(
            catalog,
            spec,
            device,
            seq_len,
            batch_size,
            precision,
            output_len=output_len,
            tp_size=tp_size,
            kv_precision=kv_precision,
            replicas=replicas,
            utilization=utilization,
            offer=offer,
            term=term,
            node=node,
            node_price=node_price,
            datacenter=datacenter,
            grid=grid,
            kwh_price=kwh_price,
        )
        return TokenCostResult(estimate)


def token_cost(
    catalog: Any,
    spec: TransformerSpec,
    device: HardwareSpec,
    seq_len: Any,
    batch_size: Any,
    precision: Any,
    *,
    output_len: Any = 128,
    tp_size: Any = 1,
    kv_precision: Any = None,
    replicas: Any = 1,
    utilization: Any = 1.0,
    offer: Any = None,
    term: Any = "on_demand",
    node: Any = None,
    node_price: Any = None,
    datacenter: Any = None,
    grid: Any = None,
    kwh_price: Any = None,
) -> TokenCostEstimate:
    """``CostPerTokenModel().solve`` on a resolved model and device (no Quantities: the Excel
    functions call this too)."""
    served = serving(
        spec,
        device,
        seq_len,
        batch_size,
        precision_for(device, precision),
        catalog.assumptions,
        output_len=output_len,
        tp=tp_size,
        kv_precision=None if kv_precision is None else Precision.parse(kv_precision, "kv_precision"),
    )
    busy = check_utilization(utilization)
    copies = whole("replicas", replicas)
    rate, basis, date = accelerator_cost_rate(
        catalog,
        device,
        busy,
        offer=offer,
        term=term,
        node=node,
        node_price=node_price,
        datacenter=datacenter,
        grid=grid,
        kwh_price=kwh_price,
    )
    estimate = serving_token_cost_core(
        ttft=served.ttft,
        itl=served.itl,
        batch=whole("batch_size", batch_size),
        seq_len=whole("seq_len", seq_len),
        output_len=whole("output_len", output_len),
        replicas=copies,
        tp=whole("tp_size", tp_size),
        accelerator_cost_rate=rate,
        utilization=busy,
    )
    estimate = estimate._replace(pricing=basis, price_date=date)
    if not served.feasible:  # a number computed from an infeasible configuration is not shown
        blanks: dict[str, Any] = dict.fromkeys(NOT_SERVED, math.nan)
        estimate = estimate._replace(**blanks, feasible=False, constraint=served.constraint)
    return estimate
