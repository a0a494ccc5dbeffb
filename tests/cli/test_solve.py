"""``mlsysim solve``: real runs whose JSON equals the facade, readable tables, one-line errors."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import mlsysim
import pytest
from mlsysim.cli._table import format_value
from mlsysim.cli.solve import EXAMPLES
from mlsysim.sweeps.columns import COLUMNS

from tests.cli.cli import assert_one_line_error, run

CASES = [
    (
        "serving",
        [
            "--model",
            "Llama3_70B",
            "--hardware",
            "H100",
            "--seq-len",
            "4096",
            "--batch-size",
            "1",
            "--tp",
            "8",
        ],
        lambda: mlsysim.ServingModel().solve("Llama3_70B", "H100", seq_len=4096, batch_size=1, tp_size=8),
    ),
    (
        "roofline",
        ["--model", "ResNet50", "--hardware", "A100", "--batch-size", "32", "--precision", "int8"],
        lambda: mlsysim.Engine.solve("ResNet50", "A100", batch_size=32, precision="int8"),
    ),
    (
        "training",
        [
            "--model",
            "Llama3_70B",
            "--fleet",
            "H100_64",
            "--batch-size",
            "512",
            "--tp",
            "8",
            "--pp",
            "4",
            "--microbatch-count",
            "16",
        ],
        lambda: mlsysim.DistributedModel().solve(
            "Llama3_70B", "H100_64", batch_size=512, tp_size=8, pp_size=4, microbatch_count=16
        ),
    ),
    (
        "batching",
        [
            "--model",
            "Llama3_70B",
            "--hardware",
            "H100",
            "--tp",
            "8",
            "--workload",
            "chat",
            "--concurrency",
            "64",
        ],
        lambda: mlsysim.ContinuousBatchingModel().solve(
            "Llama3_70B", "H100", workload="chat", tp_size=8, concurrency=64
        ),
    ),
    (
        "capacity",
        [
            "--model",
            "Llama3_70B",
            "--hardware",
            "H100",
            "--tp",
            "8",
            "--arrival-rate",
            "50",
            "--prompt-len",
            "3000",
            "--output-len",
            "400",
            "--ttft-target",
            "2",
            "--itl-target",
            "0.04",
            "--percentile",
            "0.99",
        ],
        lambda: mlsysim.ServingCapacityModel().solve(
            "Llama3_70B", "H100", 50, 3000, 400, ttft_target=2, itl_target=0.04, percentile=0.99, tp_size=8
        ),
    ),
    (
        "economics",
        ["--fleet", "H100_8", "--duration-days", "365", "--kwh-price", "0.08"],
        lambda: mlsysim.EconomicsModel().solve("H100_8", duration_days=365, kwh_price=0.08),
    ),
    (
        "sustainability",
        ["--fleet", "H100_256", "--duration-days", "30", "--datacenter", "Quebec"],
        lambda: mlsysim.SustainabilityModel().solve("H100_256", duration_days=30, datacenter="Quebec"),
    ),
    (
        "reliability",
        ["--fleet", "H100_256", "--job-duration-hours", "720", "--checkpoint-time-s", "120"],
        lambda: mlsysim.ReliabilityModel().solve("H100_256", job_duration_hours=720, checkpoint_time_s=120),
    ),
    (
        "run",
        # The headline question: 15 T tokens of a 70B model on 2,048 H100s, the best layout.
        [
            "--model",
            "Llama3_70B",
            "--fleet",
            "DGX_H100:2048:IB_NDR",
            "--batch-size",
            "1024",
            "--seq-len",
            "4096",
            "--precision",
            "bf16",
            "--tokens",
            "15e12",
            "--datacenter",
            "Quebec",
        ],
        lambda: mlsysim.TrainingRunModel().solve(
            "Llama3_70B", "DGX_H100:2048:IB_NDR", 1024, 4096, "bf16", tokens=15e12, datacenter="Quebec"
        ),
    ),
    (
        "layout",
        ["--model", "Mixtral_8x7B", "--fleet", "DGX_H100:64:IB_NDR", "--batch-size", "256", "--tp", "2"],
        lambda: mlsysim.ParallelismOptimizer().solve("Mixtral_8x7B", "DGX_H100:64:IB_NDR", 256, tp_size=2),
    ),
]


@pytest.mark.parametrize(("solver", "flags", "call"), CASES, ids=[c[0] for c in CASES])
def test_json_equals_the_facade(solver, flags, call):
    result = run("solve", solver, *flags, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["solver"] == solver
    estimate = call().estimate
    for column in COLUMNS[solver]:
        got = document["results"][column.name]
        expected = getattr(estimate, column.field)
        if column.kind == "number":
            # JSON writes floats with repr, so the value survives exactly.
            assert got == expected * column.scale, column.name
        else:
            assert got == expected, column.name


def test_layout_json_has_the_ranked_table_and_rejections():
    result = run(
        "solve", "layout", "--model", "Llama3_70B", "--fleet", "H100_64", "--batch-size", "512", "--json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    found = mlsysim.ParallelismOptimizer().solve("Llama3_70B", "H100_64", 512)
    assert document["ranked"] == [row._asdict() for row in found.ranked]
    assert document["rejected"] == dict(found.rejected)
    table = run("solve", "layout", "--model", "Llama3_70B", "--fleet", "H100_64", "--batch-size", "512")
    assert found.ranked[0].layout in table.stdout and "rejected: " in table.stdout


def test_a_search_with_nothing_feasible_says_why():
    result = run("solve", "layout", "--model", "Llama3_1_405B", "--fleet", "H100_8", "--batch-size", "8")
    assert result.returncode == 0, result.stderr
    assert "constraint: no layout fits in memory: the smallest need is" in result.stdout


def test_table_shows_values_and_units():
    result = run("solve", "serving", "--model", "Llama3_70B", "--hardware", "H100", "--seq-len", "4096")
    assert result.returncode == 0, result.stderr
    estimate = mlsysim.ServingModel().solve("Llama3_70B", "H100", seq_len=4096).estimate
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[3:] if line.strip()}
    assert lines["ttft"] == [format_value(estimate.ttft * 1e3), "ms"]
    assert lines["kv_cache_size"] == [format_value(estimate.kv_cache_size * 1e-9), "GB"]
    # 141 GB of weights do not fit one 80 GB H100: the table says so and why.
    assert lines["feasible"] == ["no"]
    assert lines["constraint:"][0] == "needs"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--hardware", "H10"], ["mlsysim solve serving: error:", "unknown hardware 'H10'", "H100"]),
        (
            ["--hardware", "H100", "--seqlen", "4096"],
            ["unrecognized arguments: --seqlen", "did you mean --seq-len?"],
        ),
        (["--hardware", "H100", "--precision", "fp9"], ["invalid precision='fp9'", "closest: fp8"]),
        (["--hardware", "H100", "--tp", "3"], ["invalid tp_size=3: must divide the 64 attention heads"]),
        (["--hardware", "H100", "--batch-size", "many"], ["argument --batch-size", "'many'"]),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, fragments):
    base = ["solve", "serving", "--model", "Llama3_70B", "--seq-len", "4096"]
    if "--seqlen" in args:
        base = base[:-2]
    assert_one_line_error(run(*base, *args), *fragments)


def test_capacity_bad_input_and_unmeetable_targets():
    base = ["solve", "capacity", "--model", "Llama3_70B", "--hardware", "H100", "--tp", "8"]
    lengths = ["--prompt-len", "3000", "--output-len", "400"]
    assert_one_line_error(run(*base, *lengths, "--arrival-rate", "0"), "invalid arrival_rate=0", "positive")
    assert_one_line_error(run(*base, "--arrival-rate", "5"), "invalid prompt_len=None")
    # a target no number of replicas meets is a result: exit 0, feasible false and the reason
    done = run(*base, *lengths, "--arrival-rate", "5", "--itl-target", "0.005", "--json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert results["feasible"] is False and results["replicas"] is None
    assert results["binding"] == "ITL target" and results["constraint"].startswith("ITL target: 5 ms")


def test_run_bad_budget_is_one_line():
    base = ["solve", "run", "--model", "Llama3_70B", "--fleet", "H100_64", "--batch-size", "512"]
    assert_one_line_error(run(*base, "--tokens", "0"), "invalid tokens=0.0: expected a positive")
    assert_one_line_error(run(*base), "give exactly one of tokens, steps or wall_days")
    assert_one_line_error(run(*base, "--tokens", "1e12", "--ep", "2"), "invalid ep_size=2")


def test_unknown_solver_and_missing_flag_are_one_line():
    assert_one_line_error(run("solve", "servng"), "invalid choice: 'servng'", "did you mean serving?")
    assert_one_line_error(
        run("solve", "serving", "--model", "Llama3_8B", "--hardware", "H100"),
        "the following arguments are required: --seq-len",
    )


def test_every_documented_example_runs():
    for name, examples in EXAMPLES.items():
        for example in examples:
            args = shlex.split(example)[1:]
            result = run(*args)
            assert result.returncode == 0, (example, result.stderr)
            assert result.stdout.startswith("{" if "--json" in args else f"{name}:"), example


def test_help_has_examples_for_every_solver():
    for args in (["solve"], *(["solve", name] for name in EXAMPLES)):
        result = run(*args, "--help")
        assert result.returncode == 0
        assert "examples:" in result.stdout


def test_console_script_is_installed():
    # The script pip installs beside the interpreter running the tests (no PATH needed).
    script = Path(sys.executable).parent / ("mlsysim.exe" if sys.platform == "win32" else "mlsysim")
    assert script.is_file(), f"no console script at {script}; install the package (pip install -e .)"
    out = subprocess.run(
        [
            str(script),
            "solve",
            "reliability",
            "--fleet",
            "H100_8",
            "--job-duration-hours",
            "24",
            "--checkpoint-time-s",
            "60",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout)["results"]["goodput"] <= 1.0
