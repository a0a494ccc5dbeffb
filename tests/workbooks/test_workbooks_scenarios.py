"""Scenario input: the packaged defaults, TOML and CSV files, records and DataFrames, and errors
that name the input, the value and what is valid."""

from __future__ import annotations

import pandas as pd
import pytest
from mlsysim.errors import InvalidInputError, UnknownEntryError
from mlsysim.workbooks import Scenarios, load_scenarios
from mlsysim.workbooks.scenarios import ServingScenario


def test_defaults_cover_every_sheet_with_canonical_ids():
    plan = load_scenarios()
    assert len(plan.serving) >= 5 and len(plan.training) >= 3 and len(plan.reliability) >= 3
    names = [s.name for s in (*plan.serving, *plan.training, *plan.reliability)]
    assert len(set(names)) == len(names)
    assert {s.hardware for s in plan.serving} <= {"H100", "H200", "A100", "RTX4090", "MI300X", "B200"}
    assert all(s.region for s in (*plan.serving, *plan.training))


def test_toml_aliases_resolve_to_catalog_ids(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(
        """
[[serving]]
name = "alias test"
model = "meta-llama-3-70b"
hardware = "h100 sxm5"
precision = "half"
tp = 8

[[training]]
name = "t"
model = "Llama3_8B"
fleet = "1x DGX H100"
tokens = 5e9

[[reliability]]
name = "r"
fleet = "H100x64"
""",
        "utf-8",
    )
    plan = load_scenarios(path)
    s = plan.serving[0]
    assert (s.model, s.hardware, s.precision, s.tp) == ("Llama3_70B", "H100", "fp16", 8)
    # omitted keys take the dataclass defaults
    assert (s.prompt_tokens, s.output_tokens, s.batch) == (2048, 128, 1)
    assert (s.peak_rps, s.ttft_target_ms, s.itl_target_ms, s.percentile) == (1.0, 2000.0, 100.0, 0.99)
    assert plan.training[0].fleet == "H100_8" and plan.training[0].tokens == 5e9
    assert plan.reliability[0].fleet == "H100_64" and plan.reliability[0].job_hours == 720.0


def test_csv_with_and_without_sheet_column(tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(
        "sheet,name,model,hardware,fleet,tp,job_hours\n"
        "serving,a,Llama3_8B,A100,,2,\n"
        "reliability,b,,,B200_64,,48\n",
        "utf-8",
    )
    plan = load_scenarios(mixed)
    # No precision given: the A100's default (fp16), as the facades and MLSYS_* functions choose it.
    assert plan.serving == (ServingScenario("a", "Llama3_8B", "A100", precision="fp16", tp=2),)
    assert plan.reliability[0].job_hours == 48.0 and plan.training == ()

    inferred = tmp_path / "serving.csv"
    inferred.write_text("model,hardware,seq_len,batch_size\nLlama3_70B,H100,512,8\n", "utf-8")
    s = load_scenarios(inferred).serving[0]
    assert (s.prompt_tokens, s.batch) == (512, 8)  # the serving solver's keyword names are accepted
    assert s.name == "Serving 1: Llama3_70B on 1x H100"  # generated when no name is given


def test_dataframe_and_records():
    frame = pd.DataFrame(
        {"model": ["Llama3_8B"] * 3, "hardware": ["H100", "A100", "L4"], "seq_len": [1, 2, 3]}
    )
    plan = load_scenarios(frame)
    assert [s.hardware for s in plan.serving] == ["H100", "A100", "L4"]
    assert [s.name for s in plan.serving][2] == "Serving 3: Llama3_8B on 1x L4"
    records = [
        {"sheet": "training", "name": "x", "model": "Llama3_70B", "fleet": "H100_256", "tp": 8, "pp": 4}
    ]
    assert load_scenarios(records).training[0].pp == 4
    assert load_scenarios(load_scenarios(records)) == load_scenarios(records)
    assert isinstance(load_scenarios(records), Scenarios)


def test_unknown_catalog_id_suggests_the_closest():
    with pytest.raises(UnknownEntryError) as err:
        load_scenarios([{"model": "Llama3_70B", "hardware": "H10"}])
    assert "H100" in err.value.suggestions


@pytest.mark.parametrize(
    ("record", "argument", "valid"),
    [
        ({"model": "Llama3_70B", "hardware": "H100", "tpp": 2}, "key", "expected one of"),
        ({"model": "Llama3_70B", "hardware": "H100", "tp": 0}, "tp", "whole number >= 1"),
        ({"model": "Llama3_70B", "hardware": "H100", "batch": 1.5}, "batch", "whole number >= 1"),
        ({"model": "Llama3_70B", "hardware": "H100", "precision": "fp7"}, "precision", "expected one of"),
        (
            {"sheet": "training", "model": "Llama3_70B", "fleet": "H100_64", "tokens": -1},
            "tokens",
            "positive",
        ),
        ({"sheet": "reliability", "job_hours": 5}, "fleet", "required"),
        ({"sheet": "billing", "model": "x"}, "sheet", "serving, training, reliability"),
        ({"model": "Llama3_70B"}, "sheet", "add a 'sheet' column"),
        ({"model": "ResNet50", "hardware": "H100"}, "model", "need a transformer"),
        ({"model": "Llama3_8B", "hardware": "H100", "precision": "int4"}, "precision", "fp8, int8"),
        (
            {"sheet": "training", "model": "Llama3_8B", "fleet": "A100_64", "precision": "fp8"},
            "precision",
            "A100",
        ),
    ],
)
def test_bad_records_name_argument_value_and_valid_set(record, argument, valid):
    with pytest.raises(InvalidInputError) as err:
        load_scenarios([record])
    assert argument in err.value.argument and valid in err.value.valid


def test_bad_files(tmp_path):
    with pytest.raises(InvalidInputError, match=r"expected a \.toml or \.csv file"):
        load_scenarios(tmp_path / "plan.xls")
    with pytest.raises(InvalidInputError, match="cannot be read"):
        load_scenarios(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[serving]\nname=", "utf-8")
    with pytest.raises(InvalidInputError, match="not valid TOML"):
        load_scenarios(broken)
    other = tmp_path / "other.toml"
    other.write_text('[[billing]]\nname = "x"\n', "utf-8")
    with pytest.raises(InvalidInputError, match="expected serving, training, reliability"):
        load_scenarios(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("model,hardware\n", "utf-8")
    with pytest.raises(InvalidInputError, match="no scenarios"):
        load_scenarios(empty)
    with pytest.raises(InvalidInputError, match=r"expected a \.toml/\.csv path"):
        load_scenarios({"model": "x"})
