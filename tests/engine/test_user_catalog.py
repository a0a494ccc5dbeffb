"""User catalog folders: added to or overriding the packaged entries, passed explicitly everywhere.

The folder written by ``user_folder`` holds one new accelerator (``MyChip``: 100 TFLOP/s fp16,
40 GB at 1 TB/s, 300 W, 400 GB/s scale-up), a node and a fleet built on it, a source, and a facility
with WUE 0. Known answers are worked from those numbers where a test needs one.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mlsysim
import pytest
from mlsysim import CatalogError, InvalidInputError, UnknownEntryError
from mlsysim.catalog_loader import catalog_root, default_catalog, load_catalog, packaged_catalog

SOURCE = """
[my-lab-sheet]
title = "MyChip product brief"
publisher = "My Lab"
url = "https://example.org/mychip"
accessed = "2026-12-01"
"""

MYCHIP = """
[MyChip]
name = "My Lab MyChip 40GB"
aliases = ["my-chip"]
vendor = "My Lab"
peak_flops.fp16 = { value = 100, unit = "TFLOP/s", source = "my-lab-sheet" }
memory_capacity = { value = 40, unit = "GB", source = "my-lab-sheet" }
memory_bandwidth = { value = 1, unit = "TB/s", source = "my-lab-sheet" }
tdp = { value = 300, unit = "W", source = "my-lab-sheet" }
scale_up_bandwidth = { value = 400, unit = "GB/s", source = "my-lab-sheet" }
price = { value = 9000, unit = "USD", source = "my-lab-sheet" }
"""

SYSTEMS = {
    "nodes.toml": """
[MyChip_Box]
name = "MyChip 4-way box"
accelerator = "MyChip"
accelerators_per_node = { value = 4, source = "my-lab-sheet" }
node_power = { value = 2, unit = "kW", source = "my-lab-sheet" }
price = { value = 50000, unit = "USD", source = "my-lab-sheet" }
""",
    "clusters.toml": """
[MyChip_32]
name = "32x MyChip"
node = "MyChip_Box"
fabric = "IB_NDR"
nodes = { value = 8, source = "my-lab-sheet" }
""",
}

DRY_FACILITY = """
[dry_cooled]
name = "Dry-cooled facility"
pue = { value = 1.3, source = "my-lab-sheet" }
wue = { value = 0, unit = "L/kWh", source = "my-lab-sheet" }
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), "utf-8")
    return folder


@pytest.fixture
def user_folder(tmp_path: Path) -> Path:
    return write(
        tmp_path / "my_catalog",
        {
            "sources/mine.toml": SOURCE,
            "hardware/cloud.toml": MYCHIP,
            **{f"systems/{name}": text for name, text in SYSTEMS.items()},
            "infra/datacenters.toml": DRY_FACILITY,
        },
    )


def _packaged_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(str(catalog_root())).rglob("*.toml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def test_user_entries_are_added_and_marked(user_folder):
    before = _packaged_digest()
    catalog = load_catalog(user_folder)
    chip = catalog.get("hardware", "my chip")  # aliases resolve like packaged ones
    assert chip.origin == str(user_folder.resolve())
    assert catalog.get("hardware", "H100").origin == "packaged"
    assert [e.id for e in catalog.user_entries("hardware")] == ["MyChip"]
    assert catalog.registry("Hardware").Cloud.MyChip is chip
    assert len(catalog.entries["hardware"]) == len(packaged_catalog().entries["hardware"]) + 1
    # The packaged catalog is untouched, on disk and in memory.
    assert _packaged_digest() == before
    assert not packaged_catalog().has("hardware", "MyChip")


def test_entries_hold_their_parts_without_a_global_lookup(user_folder):
    catalog = load_catalog(user_folder)
    fleet = catalog.get("fleet", "MyChip_32")
    # Before the explicit catalog, Fleet.accelerator searched the packaged catalog and raised here.
    assert fleet.accelerator is catalog.get("hardware", "MyChip")
    assert fleet.node.accelerator is fleet.accelerator
    assert fleet.fabric is catalog.get("fabric", "IB_NDR")
    assert fleet.total_accelerators == 32  # 8 nodes x 4


def test_facades_resolve_names_in_their_catalog(user_folder):
    catalog = load_catalog(user_folder)
    result = mlsysim.ServingModel(catalog).solve("Llama3_8B", "MyChip", seq_len=1024)
    # The same device passed as an entry gives the same numbers through the default facade.
    same = mlsysim.ServingModel().solve("Llama3_8B", catalog.get("hardware", "MyChip"), seq_len=1024)
    assert result.ttft == same.ttft
    with pytest.raises(UnknownEntryError, match="MyChip"):
        mlsysim.ServingModel().solve("Llama3_8B", "MyChip", seq_len=1024)
    profile = mlsysim.Engine.solve("ResNet50", "MyChip", catalog=catalog)
    assert profile.feasible
    # A folder path works wherever a catalog does.
    folder_result = mlsysim.ServingModel(str(user_folder)).solve("Llama3_8B", "MyChip", seq_len=1024)
    assert folder_result.ttft == result.ttft


def test_shadowing_a_packaged_entry_needs_override(tmp_path):
    h100 = MYCHIP.replace("[MyChip]", "[H100]").replace('aliases = ["my-chip"]', "aliases = []")
    folder = write(tmp_path / "shadow", {"sources/mine.toml": SOURCE, "hardware/cloud.toml": h100})
    with pytest.raises(CatalogError, match=r"hardware/cloud.toml\[H100\].*add override = true"):
        load_catalog(folder)
    alias_clash = MYCHIP.replace('aliases = ["my-chip"]', 'aliases = ["H100 SXM"]')
    folder = write(tmp_path / "alias", {"sources/mine.toml": SOURCE, "hardware/cloud.toml": alias_clash})
    with pytest.raises(CatalogError, match="also names hardware 'H100'"):
        load_catalog(folder)
    needless = MYCHIP.replace("[MyChip]\n", "[MyChip]\noverride = true\n")
    folder = write(tmp_path / "needless", {"sources/mine.toml": SOURCE, "hardware/cloud.toml": needless})
    with pytest.raises(CatalogError, match="no hardware 'MyChip' to override"):
        load_catalog(folder)


def test_an_override_flows_into_packaged_entries_that_use_it(tmp_path):
    # H100 with 4 TB/s instead of 3.35: the packaged DGX_H100 node and H100_64 fleet are built with it.
    faster = (
        MYCHIP.replace("[MyChip]\n", "[H100]\noverride = true\n")
        .replace('aliases = ["my-chip"]', "aliases = []")
        .replace('value = 1, unit = "TB/s"', 'value = 4, unit = "TB/s"')
    )
    folder = write(tmp_path / "faster", {"sources/mine.toml": SOURCE, "hardware/cloud.toml": faster})
    catalog = load_catalog(folder)
    assert catalog.get("hardware", "H100").spec.memory_bandwidth == 4e12
    assert catalog.get("fleet", "H100_64").accelerator.spec.memory_bandwidth == 4e12
    assert packaged_catalog().get("fleet", "H100_64").accelerator.spec.memory_bandwidth == 3.35e12


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (MYCHIP.replace("tdp =", "colour = 'red'\ntdp ="), r"\[MyChip\]: unknown field\(s\) colour"),
        (MYCHIP.replace('unit = "W"', 'unit = "GB"'), r"\[MyChip\]\.tdp: unit 'GB' is data, expected power"),
        (MYCHIP.replace("value = 300", "value = -300"), r"\[MyChip\]\.tdp: -300.0: expected a positive"),
        (MYCHIP.replace("[MyChip]", "[MyChip"), r"hardware/cloud.toml: not valid TOML"),
        (MYCHIP.replace('"my-lab-sheet" }\nmemory_capacity', '"nope" }\nmemory_capacity'), "unknown source"),
    ],
)
def test_bad_user_files_name_file_entry_and_field(tmp_path, text, message):
    folder = write(tmp_path / "bad", {"sources/mine.toml": SOURCE, "hardware/cloud.toml": text})
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(folder)
    assert str(folder.resolve()) in str(info.value)


def test_bad_folder_layout_is_named(tmp_path):
    folder = write(tmp_path / "layout", {"gpus/cloud.toml": MYCHIP})
    with pytest.raises(CatalogError, match="gpus: unknown folder"):
        load_catalog(folder)
    folder = write(tmp_path / "file", {"hardware/datacenter.toml": MYCHIP})
    with pytest.raises(CatalogError, match=r"unknown file; expected one of cloud\.toml"):
        load_catalog(folder)
    with pytest.raises(CatalogError, match="is not a folder"):
        load_catalog(tmp_path / "missing")


def test_environment_variable_sets_the_default_catalog(user_folder, monkeypatch):
    monkeypatch.setenv("MLSYSIM_CATALOG", str(user_folder))
    try:
        assert default_catalog(reload=True).has("hardware", "MyChip")
        assert load_catalog().has("hardware", "MyChip")
        assert mlsysim.ServingModel().solve("Llama3_8B", "MyChip", seq_len=512).feasible
    finally:
        monkeypatch.delenv("MLSYSIM_CATALOG")
        default_catalog(reload=True)
    assert not load_catalog().has("hardware", "MyChip")


def test_one_rule_for_toml_and_sheet_rows(user_folder):
    """WUE 0 (a dry-cooled facility) is a value both ways; a negative WUE is refused both ways with
    the same words (before, TOML refused 0 and the Regions sheet accepted it)."""
    from mlsysim.macros.sheet_schema import catalog_rows, row_to_spec

    catalog = load_catalog(user_folder)
    assert catalog.get("datacenter", "dry_cooled").spec.wue == 0.0
    row = list(next(r for r in catalog_rows("region") if r[0] == "Quebec"))
    wue_column = 7
    row[wue_column] = 0
    assert row_to_spec("region", row)[1].wue == 0.0
    row[wue_column] = -1
    with pytest.raises(InvalidInputError, match="expected a finite number >= 0"):
        row_to_spec("region", row)
    negative = DRY_FACILITY.replace("value = 0,", "value = -1,")
    folder = write(
        user_folder.parent / "negative", {"sources/mine.toml": SOURCE, "infra/datacenters.toml": negative}
    )
    with pytest.raises(CatalogError, match="expected a finite number >= 0"):
        load_catalog(folder)


def test_fleets_of_any_size():
    catalog = packaged_catalog()
    fleet = mlsysim.Systems.fleet("DGX_H100", 2048, "IB_NDR")
    assert (fleet.spec.nodes, fleet.total_accelerators, fleet.id) == (256, 2048, "DGX_H100:2048:IB_NDR")
    assert catalog.get("fleet", "DGX_H100:2048:IB_NDR").spec == fleet.spec
    # 2,048 H100 at 8 per node: the same step as the packaged 64-GPU fleet scaled by its node count.
    step = mlsysim.DistributedModel().solve("Llama3_8B", "dgx_h100 : 16 : ib_ndr", 64, tp_size=8)
    assert step.data_parallel == 2
    with pytest.raises(InvalidInputError, match="a multiple of the 8 accelerators per DGX_H100"):
        catalog.fleet("DGX_H100", 12, "IB_NDR")
    with pytest.raises(UnknownEntryError, match="DGX_H10"):
        catalog.get("fleet", "DGX_H10:16:IB_NDR")


@pytest.mark.parametrize(
    ("device", "precision"),
    [("H100", "fp16"), ("TPUv5e", "bf16"), ("CoralEdgeTPU", "int8")],
)
def test_python_and_excel_take_the_same_default_precision(device, precision):
    """A GPU defaults to fp16, a TPU (no fp16) to bf16, the Coral edge TPU (int8 only) to int8, in
    the facades and in the MLSYS_* functions alike."""
    from mlsysim.macros import CALLABLES

    hardware = packaged_catalog().get("hardware", device)
    assert hardware.spec.default_precision.value == precision
    model = "MobileNetV2"
    python = mlsysim.Engine.solve(model, device)
    explicit = mlsysim.Engine.solve(model, device, precision=precision)
    # Arithmetic intensity depends on the precision's bytes per element (1 for int8, 2 for 16-bit)
    # and is reported whether or not the model fits (it does not fit the Coral's 8 MB).
    excel = CALLABLES["MLSYS_INTENSITY"](model, device, 1)
    assert python.arithmetic_intensity == explicit.arithmetic_intensity
    assert python.arithmetic_intensity.magnitude == pytest.approx(excel, rel=1e-12)


def _cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=cwd,
    )


def test_cli_uses_the_catalog_option_and_the_environment(user_folder):
    args = ("solve", "serving", "--model", "Llama3_8B", "--hardware", "MyChip", "--seq-len", "1024", "--json")
    expected = mlsysim.ServingModel(user_folder).solve("Llama3_8B", "MyChip", seq_len=1024)
    done = _cli(*args, "--catalog", str(user_folder))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"]["ttft_ms"] == pytest.approx(expected.ttft.to("ms").magnitude)
    env = {**os.environ, "MLSYSIM_CATALOG": str(user_folder)}
    assert _cli(*args, env=env).stdout == done.stdout
    unknown = _cli(*args)  # no user folder: one line, exit 2, the closest names
    assert unknown.returncode == 2 and "unknown hardware 'MyChip'" in unknown.stderr
    shown = _cli("catalog", "hardware", "MyChip", "--json", "--catalog", str(user_folder))
    assert json.loads(shown.stdout)["properties"]["origin"] == str(user_folder.resolve())


def test_sweeps_and_cells_use_the_catalog(user_folder):
    from mlsysim.macros import CALLABLES
    from mlsysim.macros.resolve import set_catalog

    catalog = load_catalog(user_folder)
    expected = (
        mlsysim.ServingModel(catalog).solve("Llama3_8B", "MyChip", seq_len=1024).ttft.to("ms").magnitude
    )
    frame = mlsysim.sweep([{"model": "Llama3_8B", "hardware": "MyChip", "seq_len": 1024}], catalog=catalog)
    assert frame["ttft_ms"].iloc[0] == pytest.approx(expected, rel=1e-12)
    ttft = CALLABLES["MLSYS_TTFT"]
    assert ttft("Llama3_8B", "MyChip", 1024, 1).startswith("#MLSYS! unknown hardware 'MyChip'")
    try:
        set_catalog(user_folder)
        assert ttft("Llama3_8B", "MyChip", 1024, 1) == pytest.approx(expected, rel=1e-12)
    finally:
        set_catalog(None)
    assert ttft("Llama3_8B", "MyChip", 1024, 1).startswith("#MLSYS! unknown hardware")  # caches emptied


def test_plan_lists_user_entries_and_computes_with_them(user_folder, tmp_path):
    import openpyxl

    scenarios = tmp_path / "mine.toml"
    scenarios.write_text(
        textwrap.dedent(
            """
            [[serving]]
            name = "Llama 3 8B on MyChip"
            model = "Llama3_8B"
            hardware = "MyChip"
            prompt_tokens = 1024
            [[training]]
            name = "Llama 3 8B on 32 MyChip"
            model = "Llama3_8B"
            fleet = "MyChip_32"
            global_batch = 64
            [[reliability]]
            name = "2,048 H100, built fleet"
            fleet = "DGX_H100:2048:IB_NDR"
            """
        ),
        "utf-8",
    )
    done = _cli("plan", "--scenarios", str(scenarios), "--catalog", str(user_folder), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", data_only=True)
    hardware = {row[0]: row for row in book["Hardware"].iter_rows(values_only=True) if row[0]}
    assert str(hardware["MyChip"][-1]).startswith(f"user catalog {user_folder.resolve()}:")
    assert not str(hardware["H100"][-1]).startswith("user catalog")
    fleets = [row[0] for row in book["Fleets"].iter_rows(values_only=True)]
    assert "MyChip_32" in fleets and "DGX_H100:2048:IB_NDR" in fleets
    serving = book["Serving"]
    expected = mlsysim.ServingModel(user_folder).solve("Llama3_8B", "MyChip", seq_len=1024).ttft.to("ms")
    cells = [c.value for row in serving.iter_rows() for c in row if isinstance(c.value, float)]
    assert any(v == pytest.approx(expected.magnitude, rel=1e-9) for v in cells)


def test_readme_example_runs(capsys):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Your own hardware and models", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    # Prefill of 2,048 tokens of Llama 3 8B: 2·8.03e9·2048 + 2·32·2048²·4096 = 3.40e13 FLOP, at
    # 400e12 × 0.765 (prefill efficiency) = 111 ms; the 16 GB weight read at 2.4e12 × 0.9 adds 7.4 ms,
    # activations and launches a few more: between 112 and 150 ms, and 16 GB fits in 96 GB.
    assert printed[0].startswith("TTFT ") and printed[0].endswith("fits: True")
    assert 112 < float(printed[0].split()[1]) < 150
    assert printed[1] == "DGX_H100:2048:IB_NDR 2048"
