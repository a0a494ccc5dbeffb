"""Quantities and results leave the process they were made in: Quantities hash (equal quantities
in different units hash alike) and convert to base units; results pickle, copy and deep-copy, and
come back equal from a multiprocessing worker and from a Dask worker process."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import mlsysim
import pytest
from mlsysim import ServingModel
from mlsysim.units import Q_


def _solve(seq_len: int):
    return ServingModel().solve(
        mlsysim.Models.Language.Llama3_70B,
        mlsysim.Hardware.Cloud.H100,
        seq_len=seq_len,
        batch_size=1,
        tp_size=8,
    )


def test_quantities_hash_and_convert_to_base_units():
    bandwidth = mlsysim.Hardware.Cloud.H100.memory.bandwidth
    assert hash(bandwidth) == hash(bandwidth.to("TB/s"))  # equal quantities, equal hashes
    assert {Q_(1, "s"), Q_(1000, "ms")} == {Q_(1, "s")}
    # 1 kWh = 3.6e6 J = 3.6e6 kg m^2 s^-2; 3 GB = 24e9 bit; FLOP and USD are base units of their own
    energy = Q_(1, "kWh").to_base_units()
    assert energy.magnitude == pytest.approx(3.6e6, rel=1e-15)
    assert energy.units == Q_(1, "kg*m**2/s**2").units
    assert Q_(3, "GB").to_base_units().magnitude == pytest.approx(24e9, rel=1e-15)
    assert Q_(2, "TFLOPs").to_base_units().units == Q_(1, "FLOP").units
    assert Q_(5, "USD").to_base_units().units == Q_(1, "USD").units


def test_results_pickle_copy_and_deepcopy():
    result = _solve(4096)
    for twin in (pickle.loads(pickle.dumps(result)), copy.copy(result), copy.deepcopy(result)):
        assert twin == result and type(twin) is type(result)
        assert twin["ttft"] == result["ttft"] and twin.itl == result.itl
    assert hash(copy.deepcopy(result)) == hash(result)
    assert _solve(2048) != result


def test_results_come_back_from_a_worker_process():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        returned = pool.map(_solve, [1024, 4096])
    assert returned == [_solve(1024), _solve(4096)]


def test_results_come_back_from_a_dask_worker_process():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        returned = client.gather(client.map(_solve, [1024, 4096]))
    assert returned == [_solve(1024), _solve(4096)]
