"""Renting versus owning one accelerator (its node share) over the depreciation period.

Discounted cash flows, month by month (Brealey, Myers & Allen, *Principles of Corporate Finance*,
ch. 2 and 6: NPV of costs at the weighted average cost of capital; ch. 25: lease versus buy).
Over N = 12·Y months (Y = depreciation years), with monthly discount j = (1 + WACC)^(1/12) − 1 and
annuity factor AF = Σₖ₌₁..N (1 + j)^−k = (1 − (1 + j)^−N) / j:

- owning: the purchase P at month 0 (or, when financed at annual rate f, a level loan payment
  P·i/(1 − (1 + i)^−N), i = f/12, every month), maintenance and energy every month
  (``ownership.owned_cost_core`` without its CapEx), less the residual value ρ·P at month N;
- renting: the rate × hours billed every month (busy hours on demand or spot, every hour on a
  committed term).

Both present values are linear in the utilisation u: own = A₀ + u·B, rent = u·R (billed by use) or
R (committed). The break-even utilisation is where owning costs the same as renting the busy hours
at this rate, u* = A₀ / (R − B) (infinite when the rate does not cover owning's running cost);
owning is cheaper above it. Crossover is the month from which owning has cost less cash in total:
P / (monthly rent − monthly running cost) for a cash purchase (0 when financed and cheaper from the
first month; infinite when never).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .economics import DAYS_PER_YEAR, SECONDS_PER_DAY
from .ops import Ops

MONTHS_PER_YEAR = 12.0
SECONDS_PER_MONTH = DAYS_PER_YEAR * SECONDS_PER_DAY / MONTHS_PER_YEAR

OWN, RENT = "own", "rent"
INF = float("inf")

__all__ = [
    "MONTHS_PER_YEAR",
    "OWN",
    "RENT",
    "SECONDS_PER_MONTH",
    "RentVsOwnCore",
    "RentVsOwnEstimate",
    "rent_vs_own_core",
]


class RentVsOwnCore(NamedTuple):
    """Present values and cash in USD (for the accelerators the inputs price); utilisation a
    fraction; crossover in months."""

    own_npv_usd: float
    rent_npv_usd: float
    owning_saves_usd: float
    breakeven_utilization: float
    crossover_months: float
    own_monthly_usd: float
    rent_monthly_usd: float
    purchase_usd: float
    residual_usd: float


def rent_vs_own_core(
    *,
    purchase: Any,
    fixed_rate: Any,
    busy_rate: Any,
    rental_rate: Any,
    bills_idle: Any,
    utilization: Any,
    years: Any,
    discount_rate: Any,
    residual_fraction: Any,
    financing_rate: Any,
    financed: Any,
    ops: Ops,
) -> RentVsOwnCore:
    """The comparison on plain numbers (scalars or numpy arrays with numpy ``ops``).

    ``purchase`` USD; ``fixed_rate`` USD/s owning costs whatever the load (maintenance and idle
    energy), ``busy_rate`` USD/s it adds per unit of utilisation (energy above idle);
    ``rental_rate`` USD/s per accelerator; ``bills_idle`` 1 for a committed term, else 0;
    ``financed`` 1 when the purchase is paid by a loan at ``financing_rate`` (annual), else 0.
    """
    months = MONTHS_PER_YEAR * years
    # (1 + j)^-N and 1 - (1 + j)^-N through log1p/expm1: exact to rounding at any rate, tiny ones
    # included (the plain powers cancel to 0 below about 1e-16).
    growth = ops.log1p(discount_rate)  # ln(1 + WACC) per year
    monthly = ops.expm1(growth / MONTHS_PER_YEAR)
    discount_n = ops.exp(-years * growth)
    annuity = ops.where(
        monthly == 0.0, months, -ops.expm1(-years * growth) / ops.where(monthly == 0.0, 1.0, monthly)
    )
    if financed is False or financed is None:  # paid cash (the scalar path skips the loan)
        payment, upfront = 0.0, purchase
    else:
        loan_monthly = financing_rate / MONTHS_PER_YEAR
        interest_free = loan_monthly == 0.0
        paid_off = -ops.expm1(-months * ops.log1p(loan_monthly))  # 1 - (1 + i)^-N
        loan_factor = ops.where(interest_free, 1.0, loan_monthly) / ops.where(interest_free, 1.0, paid_off)
        payment = ops.where(financed, purchase * ops.where(interest_free, 1.0 / months, loan_factor), 0.0)
        upfront = ops.where(financed, payment * annuity, purchase)
    running_fixed = fixed_rate * SECONDS_PER_MONTH
    running_busy = busy_rate * SECONDS_PER_MONTH
    rent_full = rental_rate * SECONDS_PER_MONTH
    residual = residual_fraction * purchase
    own_fixed = upfront + running_fixed * annuity - residual * discount_n
    own_npv = own_fixed + utilization * running_busy * annuity
    billed = bills_idle + (1.0 - bills_idle) * utilization
    rent_monthly = rent_full * billed
    rent_npv = rent_monthly * annuity
    own_monthly = running_fixed + utilization * running_busy + payment
    # Break-even against renting the busy hours at this rate: A0 + u·B = u·R.
    margin = (rent_full - running_busy) * annuity
    breakeven = ops.where(margin > 0.0, own_fixed / ops.where(margin > 0.0, margin, 1.0), INF)
    saving = rent_monthly - own_monthly
    cash_crossover = ops.where(saving > 0.0, purchase / ops.where(saving > 0.0, saving, 1.0), INF)
    crossover = (
        cash_crossover
        if financed is False
        else ops.where(financed, ops.where(saving > 0.0, 0.0, INF), cash_crossover)
    )
    return RentVsOwnCore(
        own_npv_usd=own_npv,
        rent_npv_usd=rent_npv,
        owning_saves_usd=rent_npv - own_npv,
        breakeven_utilization=breakeven,
        crossover_months=crossover,
        own_monthly_usd=own_monthly,
        rent_monthly_usd=rent_monthly,
        purchase_usd=purchase,
        residual_usd=residual,
    )


class RentVsOwnEstimate(NamedTuple):
    """The comparison for ``accelerators`` accelerators (money in USD), the answer (``cheaper``:
    own or rent, on NPV) and the inputs that drive it: the rental offer and term with the date its
    price was read, the owned cost of one busy accelerator-hour and the rental price per hour."""

    own_npv_usd: float
    rent_npv_usd: float
    owning_saves_usd: float
    breakeven_utilization: float
    crossover_months: float
    own_monthly_usd: float
    rent_monthly_usd: float
    purchase_usd: float
    residual_usd: float
    owned_busy_hour_usd: float
    rental_hour_usd: float
    utilization: float
    accelerators: float
    years: float
    discount_rate: float
    cheaper: str
    offer: str
    term: str
    price_date: str
    pricing: str
    summary: str
