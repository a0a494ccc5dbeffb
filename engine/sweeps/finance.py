"""The finance solvers on arrays: ``CostPerTokenModel``, ``RentVsOwnModel`` and ``RunCostModel``.

Rows are checked in each facade's order with its messages (``sweeps.pricing`` resolves prices
once per distinct combination); the cores — ``serving_token_cost_core``, ``owned_cost_core``,
``rental_cost_core``, ``rent_vs_own_core``, ``run_cost_core`` — then run on the rows.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from ..api.resolve import transformer
from ..api.token_cost import NOT_SERVED
from ..errors import InvalidInputError
from ..hardware.types import HardwareSpec
from ..solvers.checks import non_negative
from ..solvers.finance_checks import fraction_below_one, rate_above_minus_one
from ..solvers.ownership import owned_busy_rate, owned_cost_core, rental_cost_core, running_cost_rates
from ..solvers.rent_vs_own import OWN, RENT, rent_vs_own_core
from ..solvers.run_cost import run_cost_core
from ..solvers.token_cost import serving_token_cost_core
from ..systems.types import Fleet
from .checks import check_amount, check_positive, check_whole
from .fleets import FleetArrays, fleet_rows
from .gather import ARRAY, resolved
from .pricing import (
    check_utilization_rows,
    offered,
    rental_rows,
    scalar_checked,
    share_rows,
    tariff_rows,
    text_column,
)
from .scenarios import Scenarios
from .serving import serving_rows

SECONDS_PER_HOUR = 3600.0


def _hardware(s: Scenarios) -> tuple[np.ndarray, list]:
    return s.resolve("hardware", lambda v: s.catalog.spec("hardware", v, HardwareSpec))


def token_cost_rows(s: Scenarios) -> dict[str, object]:
    # the facade's first check, in its own name (an earlier error on a row is the one it keeps)
    s.resolve("model", lambda v: transformer(s.catalog, v, "CostPerTokenModel"))
    served = serving_rows(s)
    busy = check_utilization_rows(s)
    replicas = check_whole(s, "replicas")
    hw_codes, hardware = _hardware(s)
    rented = offered(s)
    rent = rental_rows(s, hardware, hw_codes, rented)
    share = share_rows(s, hardware, hw_codes, ~rented)
    tariff, pue = tariff_rows(s, ~rented)
    owned = owned_cost_core(
        price=share.price,
        power=share.power,
        electricity_price=tariff,
        pue=pue,
        utilization=busy,
        assumptions=s.catalog.assumptions,
    )
    rental_rate, _ = rental_cost_core(rate=rent.rate, bills_idle=rent.bills_idle, utilization=busy)
    estimate = serving_token_cost_core(
        ttft=served["ttft"],
        itl=served["itl"],
        batch=_whole(s, "batch_size"),
        seq_len=_whole(s, "seq_len"),
        output_len=_whole(s, "output_len"),
        replicas=replicas,
        tp=_whole(s, "tp_size"),
        accelerator_cost_rate=np.where(rented, rental_rate, owned.total),
        utilization=busy,
    )
    fields = estimate._asdict()
    feasible = np.asarray(served["feasible"], dtype=bool)
    for name in NOT_SERVED:
        fields[name] = np.where(feasible, fields[name], np.nan)
    fields["pricing"] = _either(rented, rent.basis, share.basis)
    fields["price_date"] = _either(rented, rent.date, text_column(np.zeros(s.rows, dtype=np.int64), [""]))
    fields["feasible"] = feasible
    fields["constraint"] = served["constraint"]
    return fields


def rent_vs_own_rows(s: Scenarios) -> dict[str, object]:
    a = s.catalog.assumptions
    hw_codes, hardware = _hardware(s)
    busy = check_utilization_rows(s)
    count = check_whole(s, "accelerators")
    given_years = check_amount(s, "years", "year")
    years = np.where(given_years.given, given_years.values, a.amortization_years)
    check_positive(s, "years", years)
    wacc = scalar_checked(
        s,
        "discount_rate",
        lambda v: v > -1.0,
        partial(rate_above_minus_one, "discount_rate"),
        a.discount_rate,
    )
    residual = scalar_checked(
        s,
        "residual_value",
        lambda v: (v >= 0.0) & (v < 1.0),
        partial(fraction_below_one, "residual_value"),
        a.residual_value_fraction,
    )
    financed = s.numbers("financing_rate").given
    loan = scalar_checked(
        s,
        "financing_rate",
        lambda v: (v >= 0.0) & np.isfinite(v),
        partial(non_negative, "financing_rate"),
        0.0,
    )
    everyone = np.ones(s.rows, dtype=bool)
    share = share_rows(s, hardware, hw_codes, everyone)
    tariff, pue = tariff_rows(s, everyone)
    rent = rental_rows(s, hardware, hw_codes, everyone)
    maintenance, idle, added = running_cost_rates(
        price=share.price, power=share.power, electricity_price=tariff, pue=pue, assumptions=a
    )
    core = rent_vs_own_core(
        purchase=share.price * count,
        fixed_rate=(maintenance + idle) * count,
        busy_rate=added * count,
        rental_rate=rent.rate * count,
        bills_idle=rent.bills_idle,
        utilization=busy,
        years=_constant(years),
        discount_rate=_constant(wacc),
        residual_fraction=_constant(residual),
        financing_rate=_constant(loan),
        financed=_constant(financed),
        ops=ARRAY,
    )
    owned = owned_busy_rate(
        price=share.price, maintenance=maintenance, idle=idle, added=added, utilization=busy, assumptions=a
    )
    fields = core._asdict()
    fields |= {
        "owned_busy_hour_usd": owned * SECONDS_PER_HOUR,
        "rental_hour_usd": rent.rate * SECONDS_PER_HOUR,
        "utilization": busy,
        "accelerators": count,
        "years": years,
        "discount_rate": wacc,
        "cheaper": text_column(np.where(core.owning_saves_usd > 0, 0, 1), [OWN, RENT]),
        "offer": rent.offer,
        "term": rent.term,
        "price_date": rent.date,
        "pricing": share.basis,
    }
    return fields


def _constant(values: np.ndarray) -> Any:
    """One value for every row as a scalar (the core then computes its powers once), else the
    array as it is."""
    if values.size and (values == values.flat[0]).all():
        first = values.flat[0]  # a numpy scalar: a row in error (0 years) divides to inf, as arrays do
        return bool(first) if values.dtype == bool else first
    return values


def run_cost_rows(s: Scenarios) -> dict[str, object]:
    fleet_codes, fleets = fleet_rows(s)
    hours = check_amount(s, "hours", "hour").values
    check_positive(s, "hours", hours)
    accelerators = [None if f is None else f.accelerator for f in fleets]
    rented = offered(s)
    rent = rental_rows(s, accelerators, fleet_codes, rented)
    node_ids = _node_ids(s, fleets)
    prices = s.numbers("node_price")
    owned_rows = ~rented
    raw = np.where(prices.given, prices.raw, np.nan) if prices.raw.dtype == object else prices.raw
    s.errors.add(
        prices.given & ~prices.numeric & owned_rows,
        (raw,),
        lambda v: str(InvalidInputError("node_price", v, "expected a number in USD")),
    )
    f = FleetArrays.of(fleets, fleet_codes)
    s.errors.add(
        owned_rows & ~prices.given & np.isnan(f.node_price),
        (fleet_codes,),
        lambda code: str(
            InvalidInputError(
                "node",
                node_ids[code],
                f"the catalog has no price for node {_node_name(fleets, code)}; pass node_price",
            )
        ),
    )
    node_price = np.where(prices.given, prices.values, f.node_price)
    with np.errstate(invalid="ignore"):
        not_positive = owned_rows & ~(node_price > 0)
    s.errors.add(
        not_positive,
        (node_price,),
        lambda v: str(InvalidInputError("node_price", v, "a price in USD greater than 0")),
    )
    tariff, pue = tariff_rows(s, ~rented)
    owned = owned_cost_core(
        price=node_price / f.per_node,
        power=f.node_power / f.per_node,
        electricity_price=tariff,
        pue=pue,
        utilization=1.0,
        assumptions=s.catalog.assumptions,
    )
    estimate = run_cost_core(
        accelerators=f.accelerators,
        seconds=hours * SECONDS_PER_HOUR,
        rate=np.where(rented, rent.rate, owned.per_busy_second),
    )
    fields = estimate._asdict()
    owned_basis = [f"owned: node share of {node_id}" for node_id in node_ids]
    fields["pricing"] = _either(rented, rent.basis, text_column(fleet_codes, owned_basis))
    fields["price_date"] = _either(rented, rent.date, text_column(np.zeros(s.rows, dtype=np.int64), [""]))
    return fields


def _node_name(fleets: list, code: int) -> str:
    return resolved(fleets, code).node.name


def _node_ids(s: Scenarios, fleets: list) -> list[str]:
    """The node id each fleet names in the pricing basis (its entry's node id, or its spec's name)."""
    _, uniques = s.text("fleet")
    ids = []
    for value, spec in zip(uniques, fleets, strict=True):
        if spec is None:
            ids.append("")
        elif isinstance(value, str):
            ids.append(s.catalog.get("fleet", value).node.id)
        elif isinstance(value, Fleet):
            ids.append(value.node.id)
        else:
            ids.append(spec.node.name)
    return ids


def _whole(s: Scenarios, name: str) -> np.ndarray:
    """A whole-number argument already checked by the serving rows (default filled in)."""
    return check_whole(s, name)


def _either(
    first: np.ndarray, yes: tuple[np.ndarray, list[str]], no: tuple[np.ndarray, list[str]]
) -> tuple[np.ndarray, list[str]]:
    """A text column taking ``yes`` where ``first`` holds and ``no`` elsewhere."""
    codes_yes, names_yes = yes
    codes_no, names_no = no
    merged = {name: i for i, name in enumerate(names_yes)}
    remap = np.array([merged.setdefault(name, len(merged)) for name in names_no] + [-1], dtype=np.int64)
    return text_column(np.where(first, codes_yes, remap[codes_no]), list(merged))


__all__ = ["rent_vs_own_rows", "run_cost_rows", "token_cost_rows"]
