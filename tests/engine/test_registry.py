"""Registry names from the spec, look-up by any spelling, and errors that name the closest entry."""

from __future__ import annotations

import mlsysim
import pytest
from mlsysim.errors import UnknownEntryError
from mlsysim.hardware.types import HardwareNode


def test_spec_names_resolve():
    assert isinstance(mlsysim.Hardware.Cloud.H100, HardwareNode)
    assert mlsysim.Hardware.Edge.JetsonAGX.group == "edge"
    assert mlsysim.Models.ResNet50 is mlsysim.Models.Vision.ResNet50
    assert mlsysim.Models.Language.Llama3_70B.spec.layers == 80
    assert [mlsysim.Systems.Clusters[n].spec.accelerators for n in ("H100_8", "H100_64", "H100_256")] == [
        8,
        64,
        256,
    ]
    assert mlsysim.Infra.Grids.Quebec.spec.carbon_intensity < mlsysim.Infra.Grids.Poland.spec.carbon_intensity


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("hardware", "h100", "H100"),
        ("hardware", "H100-SXM", "H100"),
        ("hardware", "JetsonAGXOrin", "JetsonAGX"),
        ("model", "llama3-70b", "Llama3_70B"),
        ("model", "RESNET_50", "ResNet50"),
        ("fleet", "h100 64", "H100_64"),
        ("grid", "us-average", "US_Average"),
    ],
)
def test_lookup_ignores_case_and_punctuation(kind, name, expected):
    assert mlsysim.load_catalog().get(kind, name).id == expected


def test_unknown_name_suggests_the_closest():
    with pytest.raises(UnknownEntryError) as caught:
        mlsysim.load_catalog().get("hardware", "H10")
    assert isinstance(caught.value, KeyError)
    assert "H100" in caught.value.suggestions
    assert "did you mean" in str(caught.value)


def test_unknown_attribute_is_both_key_and_attribute_error():
    with pytest.raises(UnknownEntryError, match="H100"):
        mlsysim.Hardware.Cloud.H1000  # noqa: B018
    assert getattr(mlsysim.Hardware.Cloud, "Nope", None) is None


def test_public_surface_is_explicit():
    for name in mlsysim.__all__:
        assert getattr(mlsysim, name) is not None, name
    assert sorted(dir(mlsysim)) == sorted(mlsysim.__all__)
    with pytest.raises(AttributeError):
        mlsysim.NotAThing  # noqa: B018
