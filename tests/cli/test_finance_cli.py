"""``mlsysim solve`` for the finance solvers and ``mlsysim plan --pdf``: JSON equal to the facades,
the answer in a sentence with its drivers and the date the price was read, one-line errors (a
missing price is an error, never $0), and the PDF written through LibreOffice or a one-line
message saying how to get it."""

from __future__ import annotations

import json
import os
import shutil

import mlsysim
import pytest
from mlsysim.sweeps.columns import COLUMNS

from tests.cli.cli import assert_one_line_error, run

CASES = [
    (
        "token_cost",
        ["--model", "Llama3_70B", "--hardware", "H100", "--seq-len", "4096", "--batch-size", "16",
         "--output-len", "256", "--tp", "8", "--replicas", "4", "--utilization", "0.6"],
        lambda: mlsysim.CostPerTokenModel().solve(
            "Llama3_70B", "H100", 4096, 16, output_len=256, tp_size=8, replicas=4, utilization=0.6
        ),
    ),
    (
        "rent_vs_own",
        ["--hardware", "H100", "--utilization", "0.7", "--accelerators", "64", "--offer",
         "AWS_p5_48xlarge", "--term", "reserved_1yr", "--discount-rate", "0.1", "--financing-rate", "0.07"],
        lambda: mlsysim.RentVsOwnModel().solve(
            "H100", offer="AWS_p5_48xlarge", term="1yr", utilization=0.7, accelerators=64,
            discount_rate=0.1, financing_rate=0.07,
        ),
    ),
    (
        "run_cost",
        ["--fleet", "H100_256", "--hours", "720", "--offer", "cheapest"],
        lambda: mlsysim.RunCostModel().solve("H100_256", 720, offer="cheapest"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("solver", "flags", "call"), CASES, ids=[c[0] for c in CASES])
def test_json_equals_the_facade(solver, flags, call):
    result = run("solve", solver, *flags, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    estimate = call().estimate
    for column in COLUMNS[solver]:
        expected = getattr(estimate, column.field)
        got = document["results"][column.name]
        assert got == (expected * column.scale if column.kind == "number" else expected), column.name


def test_the_answer_is_a_sentence_with_its_drivers():
    result = run("solve", "rent_vs_own", "--hardware", "H100", "--utilization", "0.7", "--accelerators", "64")
    assert result.returncode == 0, result.stderr
    best = mlsysim.prices.cheapest(mlsysim.load_catalog(), "H100", "on_demand")
    assert "Owning is cheaper by $" in result.stdout and "Break-even" in result.stdout
    assert best.id in result.stdout and best.spec.date_read in result.stdout
    rented = run("solve", "token_cost", "--model", "Llama3_8B", "--hardware", "H100", "--seq-len", "2048",
                 "--offer", "cheapest", "--utilization", "0.5")  # fmt: skip
    assert rented.returncode == 0 and best.spec.date_read in rented.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["rent_vs_own", "--hardware", "H100", "--utilization", "0"],
         ["invalid utilization=0", "greater than 0 and at most 1"]),
        (["rent_vs_own", "--hardware", "H100", "--utilization", "1.2"], ["invalid utilization=1.2"]),
        (["rent_vs_own", "--hardware", "H100", "--discount-rate", "-1"], ["invalid discount_rate=-1"]),
        (["rent_vs_own", "--hardware", "H100", "--node-price", "-5"], ["invalid node_price=-5"]),
        (["rent_vs_own", "--hardware", "TPUv5e"], ["no price"]),
        (["rent_vs_own", "--hardware", "H100", "--term", "weekly"],
         ["argument --term: invalid choice: 'weekly'"]),
        (["run_cost", "--fleet", "H100_64", "--hours", "10", "--offer", "AWS_p5_48xlarge", "--term", "spot"],
         ["spot"]),
        (["token_cost", "--model", "Llama3_8B", "--hardware", "TPUv5e", "--seq-len", "1024"], ["no price"]),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(args, fragments):
    assert_one_line_error(run("solve", *args), *fragments)


def test_plan_pdf_without_libreoffice_says_how_to_get_it(tmp_path):
    env = {**os.environ, "MLSYSIM_SOFFICE": str(tmp_path / "no-soffice")}
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "plan", "-o", str(tmp_path / "p.xlsx"), "--pdf"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    line = assert_one_line_error(done, "--pdf needs LibreOffice", "apt-get install libreoffice-calc")
    assert "MLSYSIM_SOFFICE" in line
    assert not (tmp_path / "p.xlsx").exists()  # checked before anything is built


def test_plan_pdf_writes_the_report(tmp_path):
    if not (shutil.which("soffice") or shutil.which("libreoffice")) and not os.environ.get("CI"):
        pytest.skip("LibreOffice (soffice) is not installed")
    result = run("plan", "-o", str(tmp_path / "plan.xlsx"), "--pdf", timeout=600)
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "plan.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-") and "printed to PDF" in result.stdout
    assert "USD/Mtok" in result.stdout and "read on" in result.stdout
    again = run("plan", "-o", str(tmp_path / "plan.xlsx"), "--pdf", str(tmp_path / "other.pdf"))
    assert_one_line_error(again, "exists; pass --force")
    named = run("plan", "-o", str(tmp_path / "x.xlsx"), "--pdf", str(tmp_path / "report.txt"))
    assert_one_line_error(named, "invalid --pdf", ".pdf")
