"""``mlsysim catalog``: listings and single entries with every value, unit and source."""

from __future__ import annotations

import csv
import io
import json

import mlsysim

from tests.cli.cli import assert_one_line_error, run

CATALOG = mlsysim.load_catalog()


def test_kinds_and_their_sizes():
    result = run("catalog", "--json")
    assert result.returncode == 0, result.stderr
    sizes = {row["kind"]: row["entries"] for row in json.loads(result.stdout)}
    assert sizes["hardware"] == len(CATALOG.entries["hardware"])
    assert sizes["models"] == len(CATALOG.entries["model"])
    assert sizes["fleets"] == len(CATALOG.entries["fleet"])
    assert sizes["regions"] == len(CATALOG.entries["grid"])


def test_hardware_list_has_every_entry_with_key_figures():
    rows = json.loads(run("catalog", "hardware", "--json").stdout)
    assert [row["id"] for row in rows] == list(CATALOG.ids("hardware"))
    h100 = next(row for row in rows if row["id"] == "H100")
    # The H100 SXM5 datasheet: 80 GB of HBM3 at 3.35 TB/s, 700 W.
    assert h100["memory_gb"] == 80.0
    assert h100["memory_bandwidth_gb_per_s"] == 3350.0
    assert h100["tdp_w"] == 700.0


def test_one_entry_shows_every_value_its_unit_and_source():
    result = run("catalog", "hardware", "h100-sxm", "--json")  # an alias, any case
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    entry = CATALOG.get("hardware", "H100")
    assert document["id"] == "H100"
    values = {v["field"]: v for v in document["values"]}
    assert set(values) == set(entry.provenance)
    for field, measured in entry.provenance.items():
        assert values[field]["unit"] == measured.unit
        assert values[field]["si_value"] == measured.si_value
        assert values[field]["source"] == measured.source.id
        assert values[field]["url"] == measured.source.url
    assert values["memory_bandwidth"]["value"] == 3.35 and values["memory_bandwidth"]["unit"] == "TB/s"


def test_a_fleet_includes_its_node_accelerator_and_fabric_values_as_csv():
    result = run("catalog", "fleets", "H100_64", "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    fields = {row["field"] for row in rows}
    assert {"nodes", "node.node_power", "node.accelerator.memory_bandwidth", "fabric.latency"} <= fields
    nodes = next(row for row in rows if row["field"] == "nodes")
    assert nodes["value"] == "8"


def test_terminal_view_lists_sources_with_titles():
    result = run("catalog", "regions", "Quebec")
    assert result.returncode == 0, result.stderr
    entry = CATALOG.get("grid", "Quebec")
    source = entry.source_of("carbon_intensity").source
    assert result.stdout.startswith("Quebec: ")
    assert f"{source.id}: {source.title}" in result.stdout
    assert "gCO2e/kWh" in result.stdout


def test_unknown_names_are_one_line_with_the_closest():
    assert_one_line_error(run("catalog", "hardware", "H1000"), "unknown hardware 'H1000'", "H100")
    assert_one_line_error(run("catalog", "modls"), "invalid kind='modls'", "models")
    assert_one_line_error(run("catalog", "hardware", "--json", "--csv"), "not allowed with argument")
