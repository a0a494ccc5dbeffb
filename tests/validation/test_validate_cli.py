"""`mlsysim validate` run as a real program."""

from __future__ import annotations

import json
import subprocess
import sys

from mlsysim.validation import load_cases
from mlsysim.validation.cases import default_path

CASES = load_cases()


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "mlsysim.cli.main", "validate", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_table_lists_every_case_and_category():
    done = _run()
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    for case in CASES.cases:
        assert f"| {case.id} |" in done.stdout
    for category in CASES.categories.values():
        assert f"| {category.title} |" in done.stdout
    assert "| case | measured | estimated | unit | error | tolerance | within |" in done.stdout


def test_json_report(tmp_path):
    done = _run("--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [r["id"] for r in report["cases"]] == [c.id for c in CASES.cases]
    row = report["cases"][0]
    assert row["error"] == row["estimated"] / row["measured"] - 1
    assert {c["key"] for c in report["categories"]} == set(CASES.categories)
    assert set(report["assumptions"]) >= {"prefill_compute_efficiency", "kernel_overhead"}


def test_fit_and_output_file(tmp_path):
    target = tmp_path / "validation.md"
    done = _run("--fit", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert "| assumption | catalog | fitted |" in text and "| training_compute_efficiency |" in text
    assert [p.name for p in tmp_path.iterdir()] == ["validation.md"]  # no temporary file left


def test_unexpected_failure_exits_1_and_names_the_case(tmp_path):
    # Double one measured value: that case falls outside its tolerance without a recorded reason.
    text = default_path().read_text(encoding="utf-8").replace("measured = 137\n", "measured = 274\n", 1)
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    done = _run("--cases", str(path))
    assert done.returncode == 1
    assert "megatron21-gpt-1.7b-32gpu-tflops is outside its tolerance" in done.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    done = _run("--cases", str(tmp_path / "missing.toml"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot read the validation cases" in done.stderr
    done = _run("--output", str(tmp_path / "no" / "such" / "dir.md"))
    assert done.returncode == 2 and "invalid output=" in done.stderr
