"""``RentVsOwnModel().solve``: is it cheaper to buy accelerators or to rent them, and from what
utilisation and month does owning pay off (``mlsysim.solvers.rent_vs_own``)."""

from __future__ import annotations

from typing import Any, ClassVar

from ..assumptions import Assumptions
from ..hardware.types import HardwareSpec
from ..prices import Term
from ..solvers.checks import non_negative, positive, whole
from ..solvers.finance_checks import fraction_below_one, rate_above_minus_one
from ..solvers.finance_checks import utilization as check_utilization
from ..solvers.ops import SCALAR
from ..solvers.ownership import owned_busy_rate, running_cost_rates
from ..solvers.rent_vs_own import OWN, RENT, RentVsOwnEstimate, rent_vs_own_core
from .pricing import CHEAPEST, NodeShare, Rental, node_share, rental, site_tariff
from .resolve import Facade, amount
from .result import Result

SECONDS_PER_HOUR = 3600.0

__all__ = ["RentVsOwnModel", "RentVsOwnResult", "compare", "rent_vs_own", "summary"]


class RentVsOwnResult(Result):
    _UNITS: ClassVar[dict[str, str]] = {}  # money in USD, named by unit


class RentVsOwnModel(Facade):
    """Owning (node share: purchase, maintenance, energy, residual value, optional loan) against
    renting a catalog offer, as net present values at a WACC over the depreciation period."""

    __slots__ = ()

    def solve(
        self,
        hardware: Any,
        offer: Any = CHEAPEST,
        term: Any = "on_demand",
        utilization: float = 1.0,
        accelerators: int = 1,
        *,
        node: Any = None,
        node_price: Any = None,
        datacenter: Any = None,
        grid: Any = None,
        kwh_price: Any = None,
        years: Any = None,
        discount_rate: Any = None,
        residual_value: Any = None,
        financing_rate: Any = None,
    ) -> RentVsOwnResult:
        """Compare buying ``accelerators`` × ``hardware`` (their node share, host included) with
        renting them from ``offer`` (a catalog price id, or ``"cheapest"``) on ``term``, busy a
        fraction ``utilization`` of the time. ``years`` (depreciation, default the amortisation
        period), ``discount_rate`` (WACC), ``residual_value`` (fraction of the purchase price
        recovered at the end) default to ``catalog/assumptions.toml``; ``financing_rate`` (annual)
        pays the purchase with a loan over the period instead of cash."""
        catalog = self.catalog
        device = catalog.spec("hardware", hardware, HardwareSpec)
        estimate = rent_vs_own(
            catalog,
            device,
            offer,
            term,
            utilization,
            accelerators,
            node=node,
            node_price=node_price,
            datacenter=datacenter,
            grid=grid,
            kwh_price=kwh_price,
            years=years,
            discount_rate=discount_rate,
            residual_value=residual_value,
            financing_rate=financing_rate,
        )
        return RentVsOwnResult(estimate)


def rent_vs_own(
    catalog: Any,
    device: HardwareSpec,
    offer: Any = CHEAPEST,
    term: Any = "on_demand",
    utilization: Any = 1.0,
    accelerators: Any = 1,
    *,
    node: Any = None,
    node_price: Any = None,
    datacenter: Any = None,
    grid: Any = None,
    kwh_price: Any = None,
    years: Any = None,
    discount_rate: Any = None,
    residual_value: Any = None,
    financing_rate: Any = None,
    describe: bool = True,
) -> RentVsOwnEstimate:
    """``RentVsOwnModel().solve`` on a resolved device (no Quantities: the Excel functions call
    this too, without the ``summary`` sentence: ``describe=False``)."""
    a = catalog.assumptions
    busy = check_utilization(utilization)
    count = whole("accelerators", accelerators)
    horizon = a.amortization_years if years is None else positive("years", amount("years", years, "year"))
    wacc = a.discount_rate if discount_rate is None else rate_above_minus_one("discount_rate", discount_rate)
    residual = (
        a.residual_value_fraction
        if residual_value is None
        else fraction_below_one("residual_value", residual_value)
    )
    loan = 0.0 if financing_rate is None else non_negative("financing_rate", financing_rate)
    share = node_share(catalog, device, node, node_price)
    tariff, facility = site_tariff(catalog, datacenter, grid, kwh_price)
    rent = rental(catalog, device, offer, term)
    estimate = compare(
        a,
        share,
        tariff,
        facility.pue,
        rent,
        busy,
        count,
        horizon,
        wacc,
        residual,
        loan,
        financing_rate is not None,
    )
    if not describe:
        return estimate
    return estimate._replace(summary=summary(estimate, device.name, residual, loan))


def compare(
    a: Assumptions,
    share: NodeShare,
    tariff: float,
    pue: float,
    rent: Rental,
    busy: float,
    count: int,
    horizon: float,
    wacc: float,
    residual: float,
    loan: float,
    financed: bool,
) -> RentVsOwnEstimate:
    """The comparison from resolved, checked inputs (``rent_vs_own`` resolves and checks them)."""
    maintenance, idle, added = running_cost_rates(
        price=share.price, power=share.power, electricity_price=tariff, pue=pue, assumptions=a
    )
    core = rent_vs_own_core(
        purchase=share.price * count,
        fixed_rate=(maintenance + idle) * count,
        busy_rate=added * count,
        rental_rate=rent.rate * count,
        bills_idle=1.0 if rent.term.bills_idle else 0.0,
        utilization=busy,
        years=horizon,
        discount_rate=wacc,
        residual_fraction=residual,
        financing_rate=loan,
        financed=financed,
        ops=SCALAR,
    )
    owned = owned_busy_rate(
        price=share.price, maintenance=maintenance, idle=idle, added=added, utilization=busy, assumptions=a
    )
    return RentVsOwnEstimate._make(  # positionally, in the fields' order (a hot path of the cells)
        (
            *core,
            owned * SECONDS_PER_HOUR,  # owned_busy_hour_usd
            rent.rate * SECONDS_PER_HOUR,  # rental_hour_usd
            busy,  # utilization
            count,  # accelerators
            horizon,  # years
            wacc,  # discount_rate
            OWN if core.owning_saves_usd > 0 else RENT,  # cheaper
            rent.offer.id,  # offer
            rent.term.value,  # term
            rent.date_read,  # price_date
            share.basis,  # pricing
            "",  # summary
        )
    )


def summary(e: RentVsOwnEstimate, device: str, residual: float, loan: float | None) -> str:
    """The answer in one sentence, with the inputs that drive it."""
    answer = "Owning is cheaper" if e.cheaper == OWN else "Renting is cheaper"
    financing = f", financed at {loan:.1%}" if loan else ""
    if e.breakeven_utilization == float("inf"):
        breakeven = "owning never beats paying this rate for the busy hours"
    else:
        above = f"{e.breakeven_utilization:.0%}"
        breakeven = f"owning beats paying this rate for the busy hours above {above} utilisation"
    if Term.parse(e.term).bills_idle:
        breakeven += " (a committed term bills every hour, busy or not)"
    if e.crossover_months == float("inf"):
        crossover = "never"
    elif e.crossover_months == 0:
        crossover = "from the first month"
    else:
        crossover = f"after {e.crossover_months:,.1f} months"
    return (
        f"{answer} by ${abs(e.owning_saves_usd):,.0f} over {e.years:g} years: owning {e.accelerators:g} x "
        f"{device} ({e.pricing}) costs ${e.own_npv_usd:,.0f} (NPV at {e.discount_rate:.1%} WACC, "
        f"{residual:.0%} residual value{financing}); renting {e.offer} {e.term} at "
        f"${e.rental_hour_usd:,.2f} per accelerator-hour (price read {e.price_date}) costs "
        f"${e.rent_npv_usd:,.0f}, at {e.utilization:.0%} utilisation. Break-even: {breakeven}; "
        f"cash crossover {crossover}."
    )
