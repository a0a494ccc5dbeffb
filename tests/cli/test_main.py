"""The ``mlsysim`` entry point: usage errors are one line naming the closest valid spelling."""

from __future__ import annotations

from tests.cli.cli import assert_one_line_error, run


def test_misspelt_command_names_the_closest():
    assert_one_line_error(run("slove"), "mlsysim: error:", "invalid choice: 'slove'", "did you mean solve?")


def test_unknown_flag_far_from_any_gets_no_guess():
    line = assert_one_line_error(run("catalog", "--frobnicate"), "unrecognized arguments: --frobnicate")
    assert "did you mean" not in line


def test_no_command_prints_help_and_exits_2():
    result = run()
    assert result.returncode == 2
    for command in ("solve", "catalog", "sweep"):
        assert command in result.stdout
