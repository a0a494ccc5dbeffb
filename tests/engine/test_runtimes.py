"""Serving runtimes and scale-up topologies in the catalog: read, checked, and what they mean."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlsysim
import pytest
from mlsysim.catalog_loader import load_catalog_from
from mlsysim.errors import CatalogError, UnknownEntryError
from mlsysim.hardware.types import SCALE_UP_TOPOLOGIES
from mlsysim.solvers.collectives import TOPOLOGIES, topology_code

CATALOG = Path(__file__).resolve().parents[2] / "catalog"
A = mlsysim.load_catalog().assumptions


def _broken_copy(tmp_path, rel, old, new):
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    target = root / rel
    text = target.read_text("utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), "utf-8")
    return root


def test_profiles_as_the_serving_core_takes_them():
    # vLLM, the default: CUDA-graph decode, custom all-reduce up to 8 MiB, NVLS, no prefill overlap,
    # a host scheduler between iterations.
    assert A.default_runtime == "vllm"
    assert A.runtime() == (1.0, 8 * 2**20, 1.0, 1.0, A.serving_iteration_overhead)
    assert A.runtime("vllm") == A.runtime()
    # The measurements' older engines: host launches, NCCL rings, no scheduler between iterations
    # (vLLM 0.1 and DeepSpeed-FastGen had one).
    assert A.runtime("trtllm-0.5") == (0.0, 0.0, 0.0, 1.0, 0.0)
    assert A.runtime("fastertransformer") == (0.0, 0.0, 0.0, 1.0, 0.0)
    assert A.runtime("gpt-fast").iteration_overhead == 0.0
    assert A.runtime("vllm-0.1") == (0.0, 0.0, 0.0, 1.0, A.serving_iteration_overhead)
    assert A.runtime("deepspeed-fastgen") == A.runtime("vllm-0.1")
    assert A.runtime("flux").prefill_comm_exposed == pytest.approx(1 - 0.96)
    for name, profile in A.runtimes.items():
        assert profile.name == name and profile.note and profile.source.url.startswith("https://")


def test_unknown_runtime_lists_the_profiles():
    with pytest.raises(UnknownEntryError) as caught:
        A.runtime("sglang-9")
    assert caught.value.kind == "runtime" and "vllm" in caught.value.suggestions


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('default_runtime = { name = "vllm"', 'default_runtime = { name = "tgi"', "'tgi' is not one of"),
        (
            "[runtimes.vllm]\ncuda_graph_decode = true",
            "[runtimes.vllm]\ncuda_graph_decode = 1",
            "true or false",
        ),
        ("[runtimes.vllm]\ncuda_graph_decode = true\n", "[runtimes.vllm]\n", "needs exactly"),
        ('source = "gpt-fast-readme"', 'source = "gpt-slow"', "unknown source id 'gpt-slow'"),
    ],
)
def test_bad_runtime_profiles_are_rejected(tmp_path, old, new, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog_from(_broken_copy(tmp_path, "assumptions.toml", old, new))


def test_scale_up_topology_and_domain_in_the_catalog():
    hardware = mlsysim.Hardware.Cloud
    assert (hardware.H100.spec.scale_up_topology, hardware.H100.spec.scale_up_domain) == ("switch_reduce", 8)
    assert (hardware.A100.spec.scale_up_topology, hardware.A100.spec.scale_up_domain) == ("switch", 8)
    assert hardware.MI300X.spec.scale_up_topology == "mesh"
    # Every name the catalog may use has a code the collectives take; none is a ring.
    assert set(TOPOLOGIES) == set(SCALE_UP_TOPOLOGIES)
    assert topology_code("") == topology_code(None) == TOPOLOGIES["ring"]


def test_unknown_topology_is_rejected(tmp_path):
    root = _broken_copy(
        tmp_path,
        "hardware/cloud.toml",
        'scale_up_topology = "switch_reduce"',
        'scale_up_topology = "hypercube"',
    )
    message = r"H100\]\.scale_up_topology: 'hypercube': one of switch, switch_reduce, mesh"
    with pytest.raises(CatalogError, match=message):
        load_catalog_from(root)
