"""From traffic to capacity: the issue's question, the fewest replicas, the binding limit, targets no
replica count meets (a result, not an error), and bad input."""

from __future__ import annotations

import math

import mlsysim
import pytest
from mlsysim import ServingCapacityModel
from mlsysim.errors import InvalidInputError
from mlsysim.solvers.ops import SCALAR
from mlsysim.solvers.queueing import wait_quantile
from mlsysim.units import Q_

CAPACITY = ServingCapacityModel()


def plan(**kw):
    base = {
        "model": "Llama3_70B",
        "hardware": "H100",
        "arrival_rate": 50,
        "prompt_len": 3000,
        "output_len": 400,
        "ttft_target": 2.0,
        "itl_target": 0.040,
        "percentile": 0.99,
        "tp_size": 8,
    }
    return CAPACITY.solve(**(base | kw))


def test_the_issues_question():
    # 50 requests/s of 3,000-token prompts and 400-token answers, P99 TTFT under 2 s and ITL under
    # 40 ms, Llama 3 70B on H100s in TP8 replicas: a plan that meets both, priced in accelerators.
    r = plan()
    assert r.feasible and r.constraint == ""
    assert r.ttft_percentile.to("s").magnitude <= 2.0
    assert r.itl_percentile.to("s").magnitude <= 0.040
    assert r.accelerators == 8 * r.replicas and r.replicas == int(r.replicas)
    assert 0 < r.utilization < 1
    # what finance reads: per-replica rates at the planned concurrency and the utilisation
    served = r.utilization * r.replicas * r.output_tokens_per_s.to("1/s").magnitude
    assert served == pytest.approx(50 * 400, rel=1e-9)
    assert r.input_tokens_per_s.to("1/s").magnitude == pytest.approx(
        7.5 * r.output_tokens_per_s.to("1/s").magnitude, rel=1e-12
    )
    assert r.binding in ("ITL target", "TTFT target", "queueing", "KV memory", "token budget")


def test_fewest_replicas():
    # One replica fewer either cannot keep up (ρ >= 1) or lets the P99 slot wait exceed what the TTFT
    # target leaves after the replica's own prefill: the slot-wait quantile at R - 1 replicas.
    r = plan()
    n = r.concurrency
    service = 399 * r.itl.to("s").magnitude
    fewer = (r.replicas - 1) * n
    leftover = 2.0 - (r.ttft_percentile.to("s").magnitude - r.queue_wait_percentile.to("s").magnitude)
    unstable = 50 * service >= fewer
    assert unstable or wait_quantile(fewer, 50.0, service, 0.0, 0.99, SCALAR) > leftover


def test_more_traffic_needs_more_replicas_and_tighter_itl_less_concurrency():
    low, high = plan(arrival_rate=10), plan(arrival_rate=100)
    assert low.replicas < plan().replicas < high.replicas
    loose, tight = plan(itl_target=0.08), plan(itl_target=0.03)
    assert tight.concurrency < loose.concurrency and tight.replicas > loose.replicas


def test_quantities_are_accepted():
    r = plan(arrival_rate=Q_(3000, "1/min"), ttft_target=Q_(2000, "ms"), itl_target=Q_(40, "ms"))
    assert r.replicas == plan().replicas


def test_no_targets_sizes_for_throughput_and_kv_memory():
    r = plan(ttft_target=None, itl_target=None)
    assert r.feasible and r.binding in ("KV memory", "token budget", "queueing")
    assert r.concurrency == r.max_concurrency


def test_an_itl_target_below_one_decode_step_is_a_result():
    r = plan(itl_target=0.005)
    assert not r.feasible and r.binding == "ITL target"
    assert math.isnan(r.replicas) and math.isnan(r.accelerators)
    assert r.constraint.startswith("ITL target: 5 ms is below the") and "concurrency 1" in r.constraint


def test_a_ttft_target_below_the_prefill_is_a_result():
    r = plan(ttft_target=0.01)
    assert not r.feasible and r.binding == "TTFT target" and "3000-token prompt" in r.constraint


def test_an_e2e_target_below_one_request_alone_is_a_result():
    r = plan(ttft_target=None, itl_target=None, e2e_target=1.0)
    assert not r.feasible and r.binding == "end-to-end target"


def test_nothing_fits_is_a_result():
    r = plan(tp_size=1)
    assert not r.feasible and r.binding == "KV memory" and "141.1 GB" in r.constraint


@pytest.mark.parametrize(
    ("kw", "argument"),
    [
        ({"arrival_rate": 0}, "arrival_rate"),
        ({"arrival_rate": -5}, "arrival_rate"),
        ({"ttft_target": 0}, "ttft_target"),
        ({"itl_target": -0.01}, "itl_target"),
        ({"percentile": 99}, "percentile"),
        ({"percentile": 1.0}, "percentile"),
        ({"prompt_len": 8000}, "prompt_len"),  # 8000 + 400 - 1 beyond Llama 3's 8192
        ({"prompt_len": None, "output_len": None, "workload": [(100, 10, 0.0)]}, "workload weights"),
        ({"prompt_len": None, "output_len": None, "workload": "support-tickets"}, "workload"),
    ],
)
def test_bad_input_names_the_argument(kw, argument):
    with pytest.raises((InvalidInputError, mlsysim.UnknownEntryError)) as info:
        plan(**kw)
    error = info.value
    assert getattr(error, "argument", getattr(error, "kind", None)) == argument
