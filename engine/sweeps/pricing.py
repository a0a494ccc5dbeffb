"""How each row's accelerators are priced, for the finance sweeps (token_cost, rent_vs_own,
run_cost), with the facades' own look-ups and messages.

Each distinct (accelerator, offer, term, node, node price) is resolved once with
``mlsysim.api.pricing`` — a rental rate, or an owned node share — and rows gather the values. Sites
and electricity prices are checked only on the rows that own their accelerators, as the facades
check them (a rented accelerator pays no electricity bill of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..api.pricing import node_share, rental
from ..api.site import resolve_site
from ..errors import InvalidInputError, MlsysimError
from ..solvers.economics import JOULES_PER_KWH
from ..solvers.finance_checks import utilization as check_utilization
from .scenarios import Scenarios

__all__ = [
    "RentalRows",
    "ShareRows",
    "check_utilization_rows",
    "offered",
    "rental_rows",
    "scalar_checked",
    "share_rows",
    "tariff_rows",
    "text_column",
]


@dataclass(frozen=True, slots=True)
class ShareRows:
    """Per row: the owned node share's ``price`` (USD) and ``power`` (W), and its basis text."""

    price: np.ndarray
    power: np.ndarray
    basis: tuple[np.ndarray, list[str]]


@dataclass(frozen=True, slots=True)
class RentalRows:
    """Per row: the offer's ``rate`` (USD per accelerator-second), ``bills_idle`` (1 for a committed
    term), its id, term, basis and the date its price was read as text columns."""

    rate: np.ndarray
    bills_idle: np.ndarray
    offer: tuple[np.ndarray, list[str]]
    term: tuple[np.ndarray, list[str]]
    basis: tuple[np.ndarray, list[str]]
    date: tuple[np.ndarray, list[str]]


def scalar_checked(
    s: Scenarios,
    name: str,
    good: Callable[[np.ndarray], np.ndarray],
    check: Callable[[Any], Any],
    default: float,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """A numeric argument checked as the facade checks it: rows whose value is not a number, or
    fails ``good``, get the message ``check`` (the facade's own check) raises for that value; a
    missing value takes ``default`` (unchecked). Checked on ``rows`` (default: all)."""
    numbers = s.numbers(name)
    values = np.where(numbers.given, numbers.values, default)
    with np.errstate(invalid="ignore"):
        ok = ~numbers.given | (numbers.numeric & good(values))
    bad = ~ok if rows is None else ~ok & rows
    if bad.any():
        raw = (
            np.where(numbers.numeric, numbers.values, numbers.raw)
            if numbers.raw.dtype == object
            else numbers.raw
        )

        def describe(value: Any) -> str:
            try:
                check(value)
            except InvalidInputError as exc:
                return str(exc)
            raise RuntimeError(f"{name}={value!r} passed the facade's check")

        s.errors.add(bad, (raw,), describe)
    return values


def check_utilization_rows(s: Scenarios) -> np.ndarray:
    """``finance_checks.utilization``: a number in (0, 1] (default 1)."""
    return scalar_checked(
        s,
        "utilization",
        lambda v: (v > 0.0) & (v <= 1.0),
        check_utilization,
        s.arguments["utilization"].default,
    )


def offered(s: Scenarios) -> np.ndarray:
    """Rows that name an offer (or whose offer argument has a default): rented rows."""
    codes, offers = s.text("offer")
    named = np.array([o is not None for o in offers], dtype=bool)[codes]
    return named | (s.arguments["offer"].default is not None)


def share_rows(s: Scenarios, hardware: list[Any], hw_codes: np.ndarray, rows: np.ndarray) -> ShareRows:
    """``api.pricing.node_share`` once per distinct (accelerator, node, node price); its errors on
    ``rows`` only."""
    node_codes, nodes = s.text("node")
    price_codes, price_values = _number_keys(s, "node_price")
    keys = (hw_codes, node_codes, price_codes)
    combined, first = _combine(keys)
    n = len(first)
    price, power = np.full(n, np.nan), np.full(n, np.nan)
    bases, messages = [""] * n, [""] * n
    for k, row in enumerate(first):
        device = hardware[hw_codes[row]]
        if device is None:
            continue
        try:
            share = node_share(s.catalog, device, nodes[node_codes[row]], price_values[price_codes[row]])
            price[k], power[k], bases[k] = share.price, share.power, share.basis
        except MlsysimError as exc:
            messages[k] = str(exc)
    _flag(s, messages, combined, rows)
    basis_codes, basis_names = pd.factorize(np.array(bases, dtype=object))
    return ShareRows(price[combined], power[combined], text_column(basis_codes[combined], list(basis_names)))


def rental_rows(s: Scenarios, hardware: list[Any], hw_codes: np.ndarray, rows: np.ndarray) -> RentalRows:
    """``api.pricing.rental`` once per distinct (accelerator, offer, term); its errors on ``rows``
    only."""
    offer_codes, offers = s.text("offer")
    term_codes, terms = s.text("term")
    default_offer, default_term = s.arguments["offer"].default, s.arguments["term"].default
    combined, first = _combine((hw_codes, offer_codes, term_codes))
    n = len(first)
    rate, bills = np.full(n, np.nan), np.full(n, np.nan)
    ids, term_names, bases, dates, messages = ([""] * n for _ in range(5))
    for k, row in enumerate(first):
        device = hardware[hw_codes[row]]
        offer = offers[offer_codes[row]]
        term = terms[term_codes[row]]
        if device is None or (offer is None and default_offer is None):
            continue
        try:
            chosen = rental(
                s.catalog,
                device,
                default_offer if offer is None else offer,
                default_term if term is None else term,
            )
            rate[k], bills[k] = chosen.rate, 1.0 if chosen.term.bills_idle else 0.0
            ids[k], term_names[k], bases[k], dates[k] = (
                chosen.offer.id,
                chosen.term.value,
                chosen.basis,
                chosen.date_read,
            )
        except MlsysimError as exc:
            messages[k] = str(exc)
    _flag(s, messages, combined, rows)
    columns = [pd.factorize(np.array(v, dtype=object)) for v in (ids, term_names, bases, dates)]
    texts = [text_column(codes[combined], list(names)) for codes, names in columns]
    return RentalRows(rate[combined], bills[combined], *texts)


def _flag(s: Scenarios, messages: list[str], combined: np.ndarray, rows: np.ndarray) -> None:
    bad = np.array([bool(m) for m in messages], dtype=bool)
    if bad.any():
        s.errors.add(bad[combined] & rows, (combined,), messages.__getitem__)


def _number_keys(s: Scenarios, name: str) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values of a numeric argument as the facade receives them: the
    number where the row gives one, the text as written where it is not a number, None where
    missing."""
    numbers = s.numbers(name)
    if not numbers.given.any():
        return np.zeros(s.rows, dtype=np.int64), [None]
    keyed = [
        (float(v) if ok else _python(raw)) if given else None
        for v, ok, given, raw in zip(numbers.values, numbers.numeric, numbers.given, numbers.raw, strict=True)
    ]
    codes, uniques = pd.factorize(pd.Series(keyed, dtype=object), use_na_sentinel=False)
    return codes.astype(np.int64), [None if _python(u) is None else u for u in uniques]


def tariff_rows(s: Scenarios, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(electricity price in USD/J, PUE) of each row, checked on ``rows`` only, in the order of
    ``api.pricing.site_tariff``: the site, then ``kwh_price``, then its sign."""
    dc_codes, datacenters = s.text("datacenter")
    grid_codes, grids = s.text("grid")
    codes, pairs = pd.factorize(dc_codes * len(grids) + grid_codes)
    sites: list[Any] = []
    messages: list[str] = []
    for pair in pairs.tolist():
        try:
            sites.append(resolve_site(s.catalog, datacenters[pair // len(grids)], grids[pair % len(grids)]))
            messages.append("")
        except MlsysimError as exc:
            sites.append(None)
            messages.append(str(exc))
    bad = np.array([bool(m) for m in messages], dtype=bool)
    if bad.any():
        s.errors.add(bad[codes] & rows, (codes,), messages.__getitem__)
    kwh = s.numbers("kwh_price")
    raw = np.where(kwh.given, kwh.raw, np.nan) if kwh.raw.dtype == object else kwh.raw
    s.errors.add(
        kwh.given & ~kwh.numeric & rows,
        (raw,),
        lambda v: str(InvalidInputError("kwh_price", v, "expected a number in USD/kWh")),
    )
    grid_price = (
        np.array(
            [np.nan if p is None or p[0].electricity_price is None else p[0].electricity_price for p in sites]
        )[codes]
        if sites
        else np.full(s.rows, np.nan)
    )
    s.errors.add(
        ~kwh.given & np.isnan(grid_price) & rows,
        (codes,),
        lambda code: str(
            InvalidInputError(
                "kwh_price", None, f"the catalog has no electricity price for {sites[code][0].name}"
            )
        ),
    )
    tariff = np.where(kwh.given, kwh.values / JOULES_PER_KWH, grid_price)
    per_kwh = tariff * JOULES_PER_KWH
    with np.errstate(invalid="ignore"):
        not_positive = ~((per_kwh > 0) & np.isfinite(per_kwh))
    s.errors.add(
        not_positive & rows,
        (per_kwh,),
        lambda v: str(InvalidInputError("kwh_price", v, "expected a positive, finite number")),
    )
    pue = (
        np.array([np.nan if p is None else p[1].pue for p in sites])[codes]
        if sites
        else np.full(s.rows, np.nan)
    )
    return tariff, pue


def text_column(codes: np.ndarray, categories: list[str]) -> tuple[np.ndarray, list[str]]:
    return codes.astype(np.int64, copy=False), categories


def _combine(keys: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray]:
    """A code per distinct combination of ``keys`` (codes: small non-negative integers) and the
    first row of each, in order of first appearance (hashing, no sort)."""
    combined = np.zeros(keys[0].size, dtype=np.int64)
    for key in keys:
        key = np.asarray(key, dtype=np.int64)
        combined = combined * (int(key.max()) + 1 if key.size else 1) + key
    codes, _ = pd.factorize(combined, use_na_sentinel=False)
    codes = codes.astype(np.int64, copy=False)
    if not codes.size:
        return codes, codes
    # codes are numbered in order of first appearance: a first row is where the running max grows
    highest = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate(([True], highest[1:] > highest[:-1])))
    return codes, first


def _python(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if isinstance(value, np.generic) else value
