"""The finance MLSYS_* functions, called as plain Python, equal the facades (CostPerTokenModel,
RentVsOwnModel, RunCostModel) to 1e-12 relative, errors as ``#MLSYS! <the facade's message>``,
an infinite break-even or crossover as ``#MLSYS! never: ...`` and a model that does not fit as
``#MLSYS! does not fit: ...``; the cached look-ups keep them within a few microseconds a call."""

from __future__ import annotations

import itertools
import math

import mlsysim
import pytest
from mlsysim import CostPerTokenModel, RentVsOwnModel, RunCostModel
from mlsysim.errors import MlsysimError
from mlsysim.macros import REGISTRY
from mlsysim.prices import Term

F = {name: fn.python for name, fn in REGISTRY.items()}
CATALOG = mlsysim.load_catalog()
REL = 1e-12
NEVER = "#MLSYS! never:"


def _expect(got, call, read):
    try:
        result = call()
    except MlsysimError as exc:
        assert got == f"#MLSYS! {exc}", got
        return "error"
    want = read(result)
    if isinstance(want, str):
        assert got == want
        return "text"
    if want == math.inf:
        assert isinstance(got, str) and got.startswith(NEVER), got
        return "never"
    if isinstance(want, float) and math.isnan(want):
        assert isinstance(got, str) and got.startswith("#MLSYS! does not fit"), got
        return "infeasible"
    assert isinstance(got, float) and math.isclose(got, want, rel_tol=REL, abs_tol=0.0), (got, want)
    return "value"


TOKEN = {
    "MLSYS_COST_PER_MTOK": "cost_per_million_tokens_usd",
    "MLSYS_INPUT_COST_PER_MTOK": "input_cost_per_million_tokens_usd",
    "MLSYS_OUTPUT_COST_PER_MTOK": "output_cost_per_million_tokens_usd",
}


@pytest.mark.parametrize("name", sorted(TOKEN))
def test_token_prices_equal_cost_per_token_model(name):
    cases = set()
    grid = itertools.product(
        ("Llama3_8B", "Llama3_70B"),
        ("H100", "A100", "TPUv5e"),
        ((2048, 8, 1, 1), (4096, 16, 8, 4), (4096, 1, 1, 1)),
        (None, 0.6, 0.0),
        (None, "cheapest", "RunPod_H100_SXM"),
        (None, "spot"),
        (None, "Quebec"),
    )
    for model, hw, (seq, batch, tp, replicas), util, offer, term, region in grid:
        got = F[name](model, hw, seq, batch, None, tp, 256, replicas, util, offer, term, region)
        kwargs = {"output_len": 256, "tp_size": tp, "replicas": replicas, "offer": offer}
        if util is not None:
            kwargs["utilization"] = util
        if term is not None:
            kwargs["term"] = term
        if region is not None:
            kwargs["datacenter"] = region

        def call(model=model, hw=hw, seq=seq, batch=batch, kwargs=kwargs):
            return CostPerTokenModel().solve(model, hw, seq, batch, **kwargs)

        cases.add(_expect(got, call, lambda r: getattr(r.estimate, TOKEN[name])))
    assert cases == {"value", "error", "infeasible"}


COMPARE = {
    "MLSYS_BREAKEVEN_UTIL": "breakeven_utilization",
    "MLSYS_OWN_SAVES": "owning_saves_usd",
    "MLSYS_CROSSOVER_MONTHS": "crossover_months",
    "MLSYS_CHEAPER": "cheaper",
}


@pytest.mark.parametrize("name", sorted(COMPARE))
def test_rent_vs_own_functions_equal_the_model(name):
    cases = set()
    grid = itertools.product(
        ("H100", "A100", "MI300X", "TPUv5e"),
        ("cheapest", "AWS_p5_48xlarge", "RunPod_A100_SXM"),
        (None, "reserved_1yr", "spot"),
        (None, 0.05, 0.7, 1.2),
        (None, 64),
        (None, "Norway"),
    )
    for hw, offer, term, util, count, region in grid:
        got = F[name](hw, offer, term, util, count, region)
        kwargs = {"offer": offer, "term": term or "on_demand", "utilization": 1.0 if util is None else util}
        kwargs["accelerators"] = 1 if count is None else count
        if region is not None:
            kwargs["datacenter"] = region

        def call(hw=hw, kwargs=kwargs):
            return RentVsOwnModel().solve(hw, **kwargs)

        cases.add(_expect(got, call, lambda r: getattr(r.estimate, COMPARE[name])))
    expected = {"text"} if name == "MLSYS_CHEAPER" else {"value"}
    if name == "MLSYS_CROSSOVER_MONTHS":
        expected.add("never")  # at 5 % busy, renting costs less each month than owning's running cost
    assert cases == expected | {"error"}


def test_prices_run_cost_and_token_cost():
    offer = CATALOG.get("price", "AWS_p5_48xlarge").spec
    assert F["MLSYS_RENT_PRICE"]("AWS_p5_48xlarge", None) == offer.hourly(Term.ON_DEMAND)
    assert F["MLSYS_RENT_PRICE"]("AWS_p5_48xlarge", "1yr") == offer.hourly(Term.RESERVED_1YR)
    assert F["MLSYS_RENT_PRICE"]("AWS_p5_48xlarge", "spot").startswith("#MLSYS! invalid term")
    assert F["MLSYS_PRICE_DATE"]("AWS_p5_48xlarge") == offer.date_read
    assert F["MLSYS_PRICE_DATE"]("Nope").startswith("#MLSYS! unknown price")
    # renting 8 for 30 days at 50 %: busy hours on demand, every hour on a 1-year term
    on_demand = F["MLSYS_RENT_COST"]("AWS_p5_48xlarge", 30, 8, None, 0.5)
    assert math.isclose(on_demand, 8 * 30 * 24 * 0.5 * offer.hourly(Term.ON_DEMAND), rel_tol=REL)
    committed = F["MLSYS_RENT_COST"]("AWS_p5_48xlarge", 30, 8, "1yr", 0.5)
    assert math.isclose(committed, 8 * 30 * 24 * offer.hourly(Term.RESERVED_1YR), rel_tol=REL)
    for fleet, hours, offer_id, term in itertools.product(
        ("H100_64", "TPUv5p_256"), (720, -1), (None, "cheapest"), (None, "reserved_3yr")
    ):
        got = F["MLSYS_FLEET_COST"](fleet, hours, offer_id, term, None)

        def call(fleet=fleet, hours=hours, offer_id=offer_id, term=term):
            return RunCostModel().solve(fleet, hours, offer=offer_id, term=term or "on_demand")

        _expect(got, call, lambda r: r.estimate.cost_usd)
    cnn = F["MLSYS_COST_PER_MTOK"]("ResNet50", "H100", 224, 1, None, None, None, None, None, None, None, None)
    assert cnn.startswith("#MLSYS! invalid model=") and "needs a transformer" in cnn
    assert math.isclose(F["MLSYS_TOKEN_COST"](36.0, 10_000, 0.5), 36 / 3600 / 5000 * 1e6, rel_tol=REL)
    assert F["MLSYS_TOKEN_COST"](36.0, 10_000, 0).startswith("#MLSYS! invalid utilization=0")
    owned = F["MLSYS_OWNED_HOUR_COST"]("H100", 0.5, "US_Average")
    rate = RunCostModel().solve("H100_8", 1, datacenter="US_Average").estimate.accelerator_hour_usd
    assert owned > rate  # at 50 % a busy hour carries its idle hour
    assert F["MLSYS_OWNED_HOUR_COST"]("TPUv5e", None, None).startswith("#MLSYS! invalid hardware")
