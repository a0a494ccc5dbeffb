"""The finance layer: owned and rented accelerator-hours, cost per token, rent versus own, run cost,
energy bases and embodied carbon. Known answers worked by hand, closed forms against brute-force
month-by-month sums, identities (input and output token prices add up to the cost), and bad input
that must fail with the argument named (a missing price is an error, never $0)."""

from __future__ import annotations

import dataclasses
import math
import random
from datetime import date

import mlsysim
import pytest
from mlsysim import CostPerTokenModel, EconomicsModel, RentVsOwnModel, RunCostModel, SustainabilityModel
from mlsysim.api.pricing import node_share, rental
from mlsysim.api.rent_vs_own import rent_vs_own
from mlsysim.api.run_cost import accelerator_hour_cost, run_cost
from mlsysim.api.token_cost import token_cost
from mlsysim.errors import InvalidInputError, MlsysimError
from mlsysim.prices import Term, cheapest, offers
from mlsysim.solvers.ops import SCALAR
from mlsysim.solvers.ownership import SECONDS_PER_YEAR, owned_cost_core
from mlsysim.solvers.rent_vs_own import SECONDS_PER_MONTH, rent_vs_own_core
from mlsysim.solvers.token_cost import token_cost_core

CATALOG = mlsysim.load_catalog()
A = CATALOG.assumptions
H100 = CATALOG.get("hardware", "H100").spec
KWH = 3.6e6


def close(a, b, rel=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=0.0)


# -- owned and rented accelerator-hours -------------------------------------------------------------


def test_owned_h100_hour_by_hand():
    # An eighth of a DGX H100: $400,000 / 8 = $50,000 and 10.2 kW / 8 = 1.275 kW. Per hour: CapEx
    # 50,000 / (4 x 8,760) = 1.426940639; maintenance 50,000 x 0.05 / 8,760 = 0.285388128; energy
    # 1.275 kW x 0.8 x PUE 1.1 x $0.08 = 0.08976. Total $1.802088767 per accelerator-hour.
    share = node_share(CATALOG, H100)
    assert (share.price, share.power) == (50_000, 1275)
    assert share.basis == "owned: node share of DGX_H100"
    rate, basis, date_read = accelerator_hour_cost(CATALOG, "H100_64", datacenter="US_Average")
    assert close(rate * 3600, 50_000 / (4 * 8760) + 50_000 * 0.05 / 8760 + 1.275 * 0.8 * 1.1 * 0.08)
    assert basis == share.basis and date_read == ""
    # at u = 0.5 the idle half draws the idle fraction; the cost per busy hour doubles the fixed part
    owned = owned_cost_core(
        price=50_000, power=1275, electricity_price=0.08 / KWH, pue=1.1, utilization=0.5, assumptions=A
    )
    energy = 1.275 * (0.5 * 0.8 + 0.5 * A.idle_power_fraction) * 1.1 * 0.08
    assert close(owned.energy * 3600, energy)
    assert close(owned.per_busy_second, owned.total / 0.5)


def test_an_accelerator_no_node_holds_is_priced_with_the_host_share():
    h200 = CATALOG.get("hardware", "H200").spec
    share = node_share(CATALOG, h200)
    assert share.price == h200.price + A.host_price_per_accelerator
    assert share.power == h200.tdp + A.host_power_per_accelerator
    assert "host share" in share.basis


def test_rented_rates_follow_the_term():
    offer = CATALOG.get("price", "AWS_p5_48xlarge")
    on_demand = rental(CATALOG, H100, offer, "on_demand")
    reserved = rental(CATALOG, H100, offer, "1yr")
    assert close(on_demand.rate * 3600, 12.29) and close(reserved.rate * 3600, 6.5)
    assert not on_demand.term.bills_idle and reserved.term.bills_idle
    assert on_demand.date_read == "2026-06-24"
    # on demand bills busy hours only; a committed term bills every hour
    idle_half = run_cost(CATALOG, "H100_8", 10, "AWS_p5_48xlarge", "on_demand")
    assert close(idle_half.cost_usd, 8 * 10 * 12.29)
    assert (
        cheapest(CATALOG, "H100", "on_demand").id
        == min(offers(CATALOG, "H100", "on_demand"), key=lambda p: p.spec.rates[Term.ON_DEMAND]).id
    )


def test_run_cost_owned_and_rented():
    owned = run_cost(CATALOG, "H100_64", 720, datacenter="US_Average")
    assert close(owned.accelerator_hours, 64 * 720)
    assert close(owned.cost_usd, owned.accelerator_hour_usd * 64 * 720)
    assert owned.pricing.startswith("owned") and owned.price_date == ""
    rented = RunCostModel().solve("H100_64", 720, offer="cheapest")
    best = cheapest(CATALOG, "H100", "on_demand")
    assert close(rented["cost_usd"], 64 * 720 * best.spec.hourly(Term.ON_DEMAND))
    assert rented["price_date"] == best.spec.date_read


# -- cost per token ---------------------------------------------------------------------------------


def test_input_and_output_prices_add_up_to_the_cost():
    rng = random.Random(7)
    for _ in range(200):
        cost, inp, out = rng.uniform(0.01, 50), rng.uniform(1, 1e6), rng.uniform(1, 1e5)
        share, u = rng.uniform(0.01, 0.99), rng.uniform(0.05, 1.0)
        t = token_cost_core(
            cost_rate=cost,
            input_tokens_per_s=inp,
            output_tokens_per_s=out,
            prefill_share=share,
            utilization=u,
        )
        assert close(
            t.input_tokens_per_s * t.input_cost_per_token + t.output_tokens_per_s * t.output_cost_per_token,
            cost,
        )
        assert close(t.cost_per_token * t.tokens_per_s, cost)


def test_cost_per_million_tokens_known_answer():
    # Llama 3 70B, 4 replicas x TP8 H100 (32 owned accelerators), batch 16, 4,096 in / 256 out.
    e = token_cost(
        CATALOG, CATALOG.get("model", "Llama3_70B").spec, H100, 4096, 16, "fp16",
        output_len=256, tp_size=8, replicas=4, datacenter="US_Average",
    )  # fmt: skip
    assert e.feasible and e.accelerators == 32
    hourly = 32 * node_share_hour("US_Average")
    assert close(e.cost_per_hour_usd, hourly)
    assert close(e.cost_per_million_tokens_usd, hourly / 3600 / e.tokens_per_s * 1e6)
    assert 0.1 < e.cost_per_million_tokens_usd < 1.0  # tens of cents per million tokens
    assert e.output_cost_per_million_tokens_usd > 10 * e.input_cost_per_million_tokens_usd
    # at 60 % utilisation the idle hours still cost: the price per token rises
    busy = token_cost(
        CATALOG, CATALOG.get("model", "Llama3_70B").spec, H100, 4096, 16, "fp16",
        output_len=256, tp_size=8, replicas=4, utilization=0.6, datacenter="US_Average",
    )  # fmt: skip
    assert busy.cost_per_million_tokens_usd > e.cost_per_million_tokens_usd / 0.6 * 0.9


def node_share_hour(region: str) -> float:
    rate, _, _ = accelerator_hour_cost(CATALOG, "H100_64", datacenter=region)
    return rate * 3600


def test_rented_tokens_state_the_price_date_and_infeasible_is_not_a_number():
    r = CostPerTokenModel().solve(
        "Llama3_8B", "H100", 2048, 8, output_len=256, offer="cheapest", utilization=0.5
    )
    best = cheapest(CATALOG, "H100", "on_demand")
    assert r["price_date"] == best.spec.date_read and best.id in r["pricing"]
    e = token_cost(CATALOG, CATALOG.get("model", "Llama3_70B").spec, H100, 4096, 1, "fp16")
    assert not e.feasible and math.isnan(e.cost_per_million_tokens_usd)
    assert e.cost_per_hour_usd > 0  # the hours are still paid


# -- rent versus own ----------------------------------------------------------------------------------


def _brute_force(purchase, fixed, busy, rent, bills_idle, u, years, wacc, residual, loan=None):
    """NPV of each option summed month by month (costs at the end of each month)."""
    months = round(12 * years)
    j = (1 + wacc) ** (1 / 12) - 1
    own = 0.0 if loan is not None else purchase
    payment = 0.0
    if loan is not None:
        i = loan / 12
        payment = purchase / months if i == 0 else purchase * i / (1 - (1 + i) ** -months)
    rent_npv = 0.0
    for k in range(1, months + 1):
        d = (1 + j) ** -k
        own += ((fixed + u * busy) * SECONDS_PER_MONTH + payment) * d
        rent_npv += rent * SECONDS_PER_MONTH * (1.0 if bills_idle else u) * d
    own -= residual * purchase * (1 + j) ** -months
    return own, rent_npv


@pytest.mark.parametrize("seed", range(20))
def test_npv_closed_form_equals_the_month_by_month_sum(seed):
    rng = random.Random(seed)
    args = {
        "purchase": rng.uniform(1e3, 1e7),
        "fixed_rate": rng.uniform(0, 1e-3),
        "busy_rate": rng.uniform(0, 1e-3),
        "rental_rate": rng.uniform(1e-4, 3e-3),
        "bills_idle": float(rng.random() < 0.3),
        "utilization": rng.uniform(0.05, 1.0),
        "years": rng.choice([1, 2, 3, 4, 5]),
        "discount_rate": rng.choice([0.0, -0.05, rng.uniform(0.01, 0.3)]),
        "residual_fraction": rng.uniform(0, 0.5),
    }
    financed = rng.random() < 0.4
    loan = rng.choice([0.0, rng.uniform(0.01, 0.15)]) if financed else 0.0
    core = rent_vs_own_core(**args, financing_rate=loan, financed=financed, ops=SCALAR)
    own, rent = _brute_force(
        args["purchase"], args["fixed_rate"], args["busy_rate"], args["rental_rate"], args["bills_idle"],
        args["utilization"], args["years"], args["discount_rate"], args["residual_fraction"],
        loan if financed else None,
    )  # fmt: skip
    assert close(core.own_npv_usd, own, 1e-9) and close(core.rent_npv_usd, rent, 1e-9)
    assert close(core.owning_saves_usd, rent - own, 1e-6) or abs(rent - own) < 1e-6 * own


def test_break_even_and_crossover_are_where_the_costs_meet():
    e = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.7, 64, datacenter="US_Average")
    assert e.cheaper == "own" and e.owning_saves_usd > 0
    assert 0 < e.breakeven_utilization < 0.7
    at = rent_vs_own(
        CATALOG, H100, "cheapest", "on_demand", e.breakeven_utilization, 64, datacenter="US_Average"
    )
    assert abs(at.owning_saves_usd) < 1e-6 * at.own_npv_usd
    below = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", e.breakeven_utilization * 0.9, 64)
    assert below.cheaper == "rent"
    # crossover: the purchase is paid back by the monthly saving
    assert close(e.crossover_months * (e.rent_monthly_usd - e.own_monthly_usd), e.purchase_usd)
    assert "Break-even" in rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.7, 64).summary


def test_rent_vs_own_drivers_move_the_answer_the_right_way():
    base = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.6, 8)
    dearer_money = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.6, 8, discount_rate=0.25)
    resale = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.6, 8, residual_value=0.4)
    financed = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.6, 8, financing_rate=0.12)
    committed = rent_vs_own(CATALOG, H100, "AWS_p5_48xlarge", "reserved_1yr", 0.6, 8)
    assert dearer_money.owning_saves_usd < base.owning_saves_usd  # future rent is worth less
    assert resale.owning_saves_usd > base.owning_saves_usd
    assert financed.own_npv_usd > base.own_npv_usd  # a 12 % loan costs more than an 8 % WACC
    assert close(committed.rent_npv_usd, committed.rent_monthly_usd * _annuity(0.08, 4))
    assert close(base.rent_monthly_usd, 8 * base.rental_hour_usd * 0.6 * 730)


def _annuity(wacc, years):
    j = (1 + wacc) ** (1 / 12) - 1
    return (1 - (1 + j) ** (-12 * years)) / j


def test_never_is_infinite_not_a_number():
    # an offer cheaper per busy hour than owning's energy alone: owning never breaks even
    e = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, 1, kwh_price=100.0)
    assert e.breakeven_utilization == math.inf and e.crossover_months == math.inf
    assert e.cheaper == "rent"


def test_facade_result_reads_like_the_core():
    r = RentVsOwnModel().solve("H100", utilization=0.7, accelerators=64)
    e = rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.7, 64)
    assert close(r["own_npv_usd"], e.own_npv_usd) and r["cheaper"] == e.cheaper


# -- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.0), "utilization"),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 1.01), "utilization"),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", -0.5), "utilization"),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", "high"), "utilization"),
        (
            lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, discount_rate=-1.0),
            "discount_rate",
        ),
        (
            lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, discount_rate=-2.0),
            "discount_rate",
        ),
        (
            lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, residual_value=1.0),
            "residual_value",
        ),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, node_price=-1), "node_price"),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, years=0), "years"),
        (
            lambda: rent_vs_own(CATALOG, H100, "cheapest", "on_demand", 0.5, financing_rate=-0.1),
            "financing_rate",
        ),
        (lambda: rent_vs_own(CATALOG, H100, "cheapest", "weekly", 0.5), "term"),
        (lambda: rent_vs_own(CATALOG, H100, "RunPod_A100_SXM", "on_demand", 0.5), "offer"),
        (lambda: run_cost(CATALOG, "H100_64", -1), "hours"),
        (lambda: EconomicsModel().solve("H100_8", 30, utilization=0), "utilization"),
        (lambda: SustainabilityModel().solve("H100_8", 30, utilization=2), "utilization"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert caught.value.argument == argument


def test_a_missing_price_is_an_error_never_zero():
    tpu = CATALOG.get("hardware", "TPUv5e").spec
    with pytest.raises(InvalidInputError, match="no price"):
        node_share(CATALOG, tpu)  # Google sells no TPU: owning one has no price
    with pytest.raises(MlsysimError, match="spot"):
        rental(CATALOG, H100, "AWS_p5_48xlarge", "spot")  # a term the offer does not list
    l4 = CATALOG.get("hardware", "L4").spec
    if not offers(CATALOG, l4):
        with pytest.raises(MlsysimError, match="L4"):
            cheapest(CATALOG, l4, "on_demand")


# -- the price catalog --------------------------------------------------------------------------------


def test_every_offer_is_sourced_dated_and_positive():
    prices = list(CATALOG.entries["price"].values())
    assert len(prices) >= 30
    providers = {p.spec.provider for p in prices}
    assert {"AWS", "Azure", "GCP"} <= providers and len(providers) >= 5
    priced = {p.accelerator.id for p in prices}
    assert {"H100", "H200", "B200", "A100", "L40S", "MI300X", "TPUv5e", "TPUv5p", "TPUv6e"} <= priced
    for p in prices:
        assert p.spec.rates and all(rate > 0 for rate in p.spec.rates.values()), p.id
        assert date.fromisoformat(p.spec.date_read) <= date.today(), p.id
        for term in p.spec.rates:
            assert p.provenance[term.value].source.id, (p.id, term)
        assert p.spec.accelerators_per_instance >= 1


def test_a_user_catalog_adds_and_overrides_prices(tmp_path):
    folder = tmp_path / "mine"
    (folder / "prices").mkdir(parents=True)
    (folder / "sources").mkdir()
    (folder / "sources" / "mine.toml").write_text(
        '[my-quote]\ntitle = "Our broker quote"\npublisher = "us"\nurl = "https://example.com"\n'
        'accessed = "2026-11-30"\n',
        "utf-8",
    )
    (folder / "prices" / "cloud.toml").write_text(
        '[Broker_H100]\nname = "Broker H100"\nprovider = "Broker"\ninstance = "8xH100"\nregion = ""\n'
        'accelerator = "H100"\ndate_read = "2026-11-30"\n'
        'accelerators_per_instance = { value = 8, source = "my-quote" }\n'
        'on_demand = { value = 1.0, unit = "USD/h", source = "my-quote" }\n',
        "utf-8",
    )
    mine = mlsysim.load_catalog(folder)
    assert cheapest(mine, "H100", "on_demand").id == "Broker_H100"
    assert mine.get("price", "Broker_H100").origin != "packaged"
    e = rent_vs_own(mine, mine.get("hardware", "H100").spec, "cheapest", "on_demand", 0.9, 8)
    assert e.offer == "Broker_H100" and e.cheaper == "rent"  # $1/h beats owning


# -- energy bases and embodied carbon ----------------------------------------------------------------


def test_energy_bases_are_named_and_consistent():
    e = EconomicsModel().solve("H100_64", 30, datacenter="Quebec").estimate
    assert e.energy_basis == "facility" and close(e.energy, e.facility_energy)
    s = SustainabilityModel().solve("H100_64", 30, datacenter="Quebec").estimate
    assert close(s.facility_energy, s.it_energy * 1.1)
    seconds = 30 * 86400
    assert close(s.accelerator_energy, 64 * 700 * A.average_power_fraction * seconds)
    assert close(s.it_energy, 8 * 10_200 * A.average_power_fraction * seconds)
    idle = SustainabilityModel().solve("H100_64", 30, datacenter="Quebec", utilization=0.5).estimate
    load = 0.5 * A.average_power_fraction + 0.5 * A.idle_power_fraction
    assert close(idle.it_energy, 8 * 10_200 * load * seconds)


def test_embodied_carbon_per_node_share_or_accelerator():
    with_node = SustainabilityModel().solve("H100_8", 365, include_embodied=True).estimate
    assert with_node.embodied_basis == "node share"
    node = CATALOG.get("node", "DGX_H100").spec
    assert close(with_node.embodied_carbon_kg, node.embodied_carbon / A.amortization_years)
    accelerators = [h for h in CATALOG.entries["hardware"].values() if h.spec.embodied_carbon is not None]
    assert len(accelerators) >= 20
    for entry in accelerators:  # every accelerator with a value works, in a node without one
        hw = entry.spec
        node = dataclasses.replace(CATALOG.get("node", "DGX_H100").spec, accelerator=hw, embodied_carbon=None)
        fleet = dataclasses.replace(CATALOG.get("fleet", "H100_8").spec, node=node)
        e = SustainabilityModel().solve(fleet, 365, include_embodied=True).estimate
        assert e.embodied_basis == "accelerator only"
        assert close(e.embodied_carbon_kg, 8 * hw.embodied_carbon / A.amortization_years), entry.id
    assert all(CATALOG.get("hardware", h).spec.embodied_carbon for h in ("H100", "A100", "B200", "MI300X"))


def test_seconds_per_year_is_the_engine_calendar():
    assert SECONDS_PER_YEAR == 365 * 86400
