"""Scale-out: the same ``sweep`` mapped over the partitions of a Dask DataFrame on a local cluster.

A Dask DataFrame goes in, a lazy Dask DataFrame comes out (``map_partitions``); computing it on a
``LocalCluster`` gives, row for row, what one pandas sweep gives.
"""

from __future__ import annotations

import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from mlsysim.sweeps import grid, sweep
from mlsysim.sweeps.columns import result_names


@pytest.fixture(scope="module")
def client():
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        yield client


def test_sweep_over_dask_partitions_equals_pandas(client):
    frame = grid(
        model=["Llama3_8B", "Llama3_70B", "NotAModel"],
        hardware=["H100", "A100"],
        seq_len=[512, 4096, 9000],
        tp_size=[1, 2, 3],
    )
    scenarios = dd.from_pandas(frame, npartitions=4)
    lazy = sweep(scenarios, solver="serving")
    assert isinstance(lazy, dd.DataFrame)
    assert list(lazy.columns) == list(sweep(frame.head(0), "serving").columns)
    result = client.compute(lazy).result()
    expected = sweep(frame, "serving")
    assert len(result) == len(frame)
    result = result.sort_index()
    # Dask keeps text in its own string dtype; values and every result column must be equal.
    assert result[list(frame.columns)].astype(object).equals(frame.astype(object))
    names = list(result_names("serving"))
    pd.testing.assert_frame_equal(
        result[names].astype({"error": object, "constraint": object}),
        expected[names].astype({"error": object, "constraint": object}),
        check_exact=True,
    )
    assert result["error"].notna().any() and result["error"].isna().any()
