"""Finance functions: cost per million tokens, rental prices and the date they were read, owned
accelerator-hour cost, rent versus own and run cost (``mlsysim.api.token_cost``,
``mlsysim.api.rent_vs_own``, ``mlsysim.api.run_cost``), as the Python facades compute them.

Owned accelerators are priced as their node share, host included; ``offer`` names a catalog rental
price (``catalog/prices/cloud.toml``) or ``"cheapest"``; ``term`` is on_demand (default),
reserved_1yr, reserved_3yr or spot. A missing price is an ``#MLSYS!`` error, never 0.
"""

from __future__ import annotations

from typing import Any

from mlsysim.api.pricing import NodeShare, Rental, node_share, rental, site_tariff
from mlsysim.api.rent_vs_own import compare
from mlsysim.api.run_cost import run_cost
from mlsysim.api.token_cost import token_cost
from mlsysim.prices import SECONDS_PER_HOUR, Term
from mlsysim.solvers.checks import positive, whole
from mlsysim.solvers.finance_checks import utilization as check_utilization
from mlsysim.solvers.ownership import owned_cost_core, rental_cost_core
from mlsysim.solvers.rent_vs_own import RentVsOwnEstimate
from mlsysim.solvers.run_cost import RunCostEstimate
from mlsysim.solvers.token_cost import TokenCostEstimate

from . import cells, resolve
from .arguments import BATCH, FLEET, HW, MODEL, PRECISION, REGION, SEQ, TP, UNIT
from .function import Arg, ExcelFunction

FAMILY = "Finance"
OUTPUT = Arg("output", "number", "generated tokens per request; default 128", optional=True)
REPLICAS = Arg("replicas", "number", "model replicas (each tp accelerators); default 1", optional=True)
UTILIZATION = Arg(
    "utilization", "number", "fraction of time the accelerators are busy, in (0, 1]; default 1", optional=True
)
OFFER = Arg(
    "offer",
    "text",
    "catalog rental price id (e.g. RunPod_H100_SXM) or cheapest; omitted: owned (node share)",
    optional=True,
)
RENT_OFFER = Arg("offer", "text", "catalog rental price id (e.g. RunPod_H100_SXM) or cheapest")
TERM = Arg("term", "text", "on_demand, reserved_1yr, reserved_3yr or spot; default on_demand", optional=True)
ACCELERATORS = Arg("accelerators", "number", "accelerators bought or rented; default 1", optional=True)
DAYS = Arg("days", "number", "period in days")
HOURS = Arg("hours", "number", "wall time of the run in hours")
HOURLY_COST = Arg("hourly_cost", "number", "USD per hour of the whole deployment (owned or rented)")
TOKENS_PER_S = Arg("tokens_per_s", "number", "tokens per second the deployment processes while busy")


def _term(term: str | None) -> Term:
    return Term.parse("on_demand" if term is None else term)


@resolve.cached(maxsize=16384)
def tokens(
    model: Any,
    hw: Any,
    seq: float,
    batch: float,
    precision: str | None,
    tp: float | None,
    output: float | None,
    replicas: float | None,
    utilization: float | None,
    offer: str | None,
    term: str | None,
    region: Any,
) -> TokenCostEstimate:
    grid, facility = resolve.site(region)
    return token_cost(
        resolve.catalog(),
        resolve.transformer(model, "MLSYS_COST_PER_MTOK"),
        resolve.spec("hardware", hw),
        seq,
        batch,
        precision,
        output_len=128 if output is None else output,
        tp_size=1 if tp is None else tp,
        replicas=1 if replicas is None else replicas,
        utilization=1.0 if utilization is None else utilization,
        offer=offer,
        term=_term(term),
        datacenter=facility,
        grid=grid,
    )


@resolve.cached(maxsize=16384)
def comparison(
    hw: Any, offer: str, term: str | None, utilization: float | None, accelerators: float | None, region: Any
) -> RentVsOwnEstimate:
    """``rent_vs_own`` with its look-ups cached apart (as names are): the same checks in the same
    order, the same ``compare``."""
    a = resolve.catalog().assumptions
    busy = check_utilization(1.0 if utilization is None else utilization)
    count = 1 if accelerators is None else whole("accelerators", accelerators)
    share = owned_share(hw)
    tariff, pue = site_price(region)
    return compare(
        a,
        share,
        tariff,
        pue,
        rented(hw, offer, term),
        busy,
        count,
        a.amortization_years,
        a.discount_rate,
        a.residual_value_fraction,
        0.0,
        False,
    )


@resolve.cached(maxsize=4096)
def owned_share(hw: Any) -> NodeShare:
    return node_share(resolve.catalog(), resolve.spec("hardware", hw))


@resolve.cached(maxsize=1024)
def site_price(region: Any) -> tuple[float, float]:
    """(electricity price USD/J, PUE) of a region."""
    grid, facility = resolve.site(region)
    tariff, facility = site_tariff(resolve.catalog(), facility, grid, None)
    return tariff, facility.pue


@resolve.cached(maxsize=4096)
def rented(hw: Any, offer: str | None, term: str | None) -> Rental:
    return rental(resolve.catalog(), resolve.spec("hardware", hw), offer, _term(term))


@resolve.cached(maxsize=16384)
def run(fleet: Any, hours: float, offer: str | None, term: str | None, region: Any) -> RunCostEstimate:
    grid, facility = resolve.site(region)
    return run_cost(
        resolve.catalog(),
        resolve.catalog().get("fleet", fleet) if isinstance(fleet, str) else resolve.spec("fleet", fleet),
        hours,
        offer,
        _term(term),
        datacenter=facility,
        grid=grid,
    )


@resolve.cached(maxsize=4096)
def owned_busy_hour(hw: Any, utilization: float | None, region: Any) -> float:
    """USD per busy accelerator-hour of an owned accelerator (its node share)."""
    busy = check_utilization(1.0 if utilization is None else utilization)
    share = owned_share(hw)
    tariff, pue = site_price(region)
    owned = owned_cost_core(
        price=share.price,
        power=share.power,
        electricity_price=tariff,
        pue=pue,
        utilization=busy,
        assumptions=resolve.catalog().assumptions,
    )
    return owned.per_busy_second * SECONDS_PER_HOUR


@resolve.cached(maxsize=4096)
def offer_entry(offer: str) -> Any:
    return resolve.catalog().get("price", offer)


def rent_price(offer: str, term: str | None) -> float:
    """USD per accelerator-hour of a catalog offer on a term."""
    return offer_entry(offer).spec.hourly(_term(term))


def rent_cost(
    offer: str, days: float, accelerators: float | None, term: str | None, utilization: float | None
) -> float:
    """USD billed for renting over ``days``: busy hours on demand or spot, every hour committed."""
    entry = offer_entry(offer)
    chosen = rental(resolve.catalog(), entry.spec.accelerator, entry, _term(term))  # the term must be listed
    count = 1 if accelerators is None else whole("accelerators", accelerators)
    busy = check_utilization(1.0 if utilization is None else utilization)
    per_calendar, _ = rental_cost_core(rate=chosen.rate, bills_idle=chosen.term.bills_idle, utilization=busy)
    return count * per_calendar * positive("days", days) * 86400.0


def token_price(hourly_cost: float, tokens_per_s: float, utilization: float | None) -> float:
    """USD per million tokens of a deployment costing ``hourly_cost`` USD per hour that processes
    ``tokens_per_s`` tokens per second while busy, busy a fraction ``utilization`` of the time."""
    busy = check_utilization(1.0 if utilization is None else utilization)
    cost = positive("hourly_cost", hourly_cost)
    rate = positive("tokens_per_s", tokens_per_s)
    return cost / SECONDS_PER_HOUR / (rate * busy) * 1e6


TOKEN_ARGS = (MODEL, HW, SEQ, BATCH, PRECISION, TP, OUTPUT, REPLICAS, UTILIZATION, OFFER, TERM, REGION)
COMPARE_ARGS = (HW, RENT_OFFER, TERM, UTILIZATION, ACCELERATORS, REGION)


def _token_function(name: str, field: str, description: str) -> ExcelFunction:
    def compute(*values: Any) -> Any:
        estimate = tokens(*values)
        if not estimate.feasible:
            return cells.infeasible(estimate.constraint)
        return getattr(estimate, field)

    return ExcelFunction(
        name, FAMILY, TOKEN_ARGS, "number", "", description, compute, "", "USD/Mtok", "error"
    )


def _comparison(name: str, read: Any, returns: str, description: str, label: str = "") -> ExcelFunction:
    def compute(*values: Any) -> Any:
        return read(comparison(*values))

    args = (*COMPARE_ARGS, UNIT) if returns == "number" else COMPARE_ARGS
    return ExcelFunction(name, FAMILY, args, returns, "", description, compute, "", label)


def _never(value: float) -> Any:
    """An infinite break-even or crossover is an answer in words, not a number."""
    if value != float("inf"):
        return value
    return f"{cells.ERROR_PREFIX} never: renting at this price costs less than owning's running cost"


FUNCTIONS = (
    _token_function(
        "MLSYS_COST_PER_MTOK",
        "cost_per_million_tokens_usd",
        "USD per million tokens (prompt and generated together) of serving replicas at a utilisation, "
        "owned (node share, host included) or rented (offer).",
    ),
    _token_function(
        "MLSYS_INPUT_COST_PER_MTOK",
        "input_cost_per_million_tokens_usd",
        "USD per million prompt (input) tokens: the share of busy time spent on prefill, per input token.",
    ),
    _token_function(
        "MLSYS_OUTPUT_COST_PER_MTOK",
        "output_cost_per_million_tokens_usd",
        "USD per million generated (output) tokens: the share of busy time spent decoding, per output token.",
    ),
    ExcelFunction(
        "MLSYS_TOKEN_COST",
        FAMILY,
        (HOURLY_COST, TOKENS_PER_S, UTILIZATION),
        "number",
        "",
        "USD per million tokens of any deployment: hourly cost / (busy tokens per second x 3600 x "
        "utilisation).",
        token_price,
        "",
        "USD/Mtok",
    ),
    ExcelFunction(
        "MLSYS_OWNED_HOUR_COST",
        FAMILY,
        (HW, UTILIZATION, REGION),
        "number",
        "",
        "USD per busy accelerator-hour of an owned accelerator: its node share's CapEx, maintenance "
        "and energy at the utilisation.",
        owned_busy_hour,
        "",
        "USD/h",
    ),
    ExcelFunction(
        "MLSYS_RENT_PRICE",
        FAMILY,
        (RENT_OFFER, TERM),
        "number",
        "",
        "Catalog rental price of an offer on a term, USD per accelerator-hour (see MLSYS_PRICE_DATE).",
        rent_price,
        "",
        "USD/h",
    ),
    ExcelFunction(
        "MLSYS_PRICE_DATE",
        FAMILY,
        (RENT_OFFER,),
        "text",
        "",
        "Date (YYYY-MM-DD) the catalog's price of an offer was read.",
        lambda offer: offer_entry(offer).spec.date_read,
    ),
    ExcelFunction(
        "MLSYS_RENT_COST",
        FAMILY,
        (RENT_OFFER, DAYS, ACCELERATORS, TERM, UTILIZATION),
        "number",
        "",
        "USD billed renting accelerators for a period: busy hours on demand or spot, every hour on a "
        "committed term.",
        rent_cost,
        "",
        "USD",
    ),
    _comparison(
        "MLSYS_BREAKEVEN_UTIL",
        lambda e: _never(e.breakeven_utilization),
        "number",
        "Utilisation above which owning costs less than paying the offer's rate for the busy hours "
        "(NPV over the depreciation period at the WACC).",
    ),
    _comparison(
        "MLSYS_OWN_SAVES",
        lambda e: e.owning_saves_usd,
        "number",
        "NPV of renting minus NPV of owning over the depreciation period, USD: positive when owning "
        "is cheaper.",
        "USD",
    ),
    _comparison(
        "MLSYS_CROSSOVER_MONTHS",
        lambda e: _never(e.crossover_months),
        "number",
        "Months after which owning has cost less cash in total than renting (payback of the purchase).",
        "months",
    ),
    _comparison(
        "MLSYS_CHEAPER",
        lambda e: e.cheaper,
        "text",
        "own or rent: which costs less in NPV at this utilisation.",
    ),
    ExcelFunction(
        "MLSYS_FLEET_COST",
        FAMILY,
        (FLEET, HOURS, OFFER, TERM, REGION),
        "number",
        "",
        "USD of keeping every accelerator of a fleet busy for some hours (a run's wall time: "
        "MLSYS_RUN_DAYS x 24), owned (node share) or rented (offer).",
        lambda fleet, hours, offer, term, region: run(fleet, hours, offer, term, region).cost_usd,
        "",
        "USD",
    ),
)
