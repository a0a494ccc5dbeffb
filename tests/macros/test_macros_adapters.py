"""The adapters generated from the registry: the xlwings UDF module, xlwings Lite's main.py, the
``formulas`` headless binding (run on a real workbook) and the README's function list."""

from __future__ import annotations

import inspect
import runpy
import subprocess
import sys
from pathlib import Path

import formulas
import openpyxl
import pytest
from mlsysim.macros import REGISTRY, docs
from mlsysim.macros.bindings import formulas_functions
from mlsysim.macros.descriptions import insert_function_text
from mlsysim.macros.sheet_schema import catalog_rows, headers
from openpyxl.utils import get_column_letter

MACROS = Path(docs.__file__).parent
F = {name: fn.python for name, fn in REGISTRY.items()}


def test_xlwings_module_registers_every_function_with_docstring_and_signature():
    import xlwings
    from mlsysim.macros import xlwings_udfs

    assert xlwings_udfs.__all__ == sorted(REGISTRY)
    for name, spec in REGISTRY.items():
        udf = getattr(xlwings_udfs, name)
        assert udf.__name__ == name
        # Excel's short description for the UDF; Python's help keeps the long docstring
        assert udf.__doc__ == insert_function_text(spec)
        assert udf is not spec.python and spec.signature in spec.python.__doc__
        parameters = list(inspect.signature(udf).parameters.values())
        assert [p.name for p in parameters] == [a.name for a in spec.args]
        # xlwings refuses keyword-only and **kwargs parameters and reads annotations as converters.
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters)
        assert [p.default is None for p in parameters] == [a.optional for a in spec.args]
        assert udf.__annotations__ == {}
    assert xlwings_udfs.MLSYS_TTFT("Llama3_8B", "H100", 1024.0, 1.0) == F["MLSYS_TTFT"](
        "Llama3_8B", "H100", 1024, 1
    )
    assert xlwings.__version__  # the real package, imported on this platform


def test_lite_main_exposes_the_same_functions():
    namespace = runpy.run_path(str(MACROS / "lite" / "main.py"))
    for name in REGISTRY:
        assert namespace[name]("H100_64") == F[name]("H100_64")  # same callables (errors included)
    requirements = (MACROS / "lite" / "requirements.txt").read_text()
    assert "xlwings" in requirements and ".whl" in requirements


def test_readme_function_list_is_the_generated_one():
    text = (MACROS / "README.md").read_text(encoding="utf-8")
    assert docs.readme_with_list(text) == text
    for name, spec in REGISTRY.items():
        assert f"`{spec.signature}`" in text, name
    assert docs.main(["--check"]) == 0


def test_docs_command_prints_the_list():
    out = subprocess.run(
        [sys.executable, "-m", "mlsysim.macros.docs"], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out == docs.function_list()
    assert "| `MLSYS_TTFT(model, hw, seq, batch, [precision], [tp], [unit])` | ms | `#MLSYS!` error |" in out


def test_docs_write_updates_a_stale_list(tmp_path, monkeypatch):
    stale = tmp_path / "README.md"
    text = "# x\n{}\nold examples\n{}\nmiddle\n{}\nold list\n{}\ntail\n"
    stale.write_text(text.format(docs.BEGIN_EXAMPLES, docs.END_EXAMPLES, docs.BEGIN, docs.END), "utf-8")
    monkeypatch.setattr(docs, "README", stale)
    assert docs.main(["--check"]) == 1
    assert docs.main(["--write"]) == 0
    wanted = text.replace("\nold examples\n", "\n" + docs.examples()).replace(
        "\nold list\n", "\n" + docs.function_list()
    )
    assert stale.read_text(encoding="utf-8") == wanted.format(
        docs.BEGIN_EXAMPLES, docs.END_EXAMPLES, docs.BEGIN, docs.END
    )
    assert docs.main(["--check"]) == 0


@pytest.fixture(scope="module")
def recomputed(tmp_path_factory):
    """A workbook with catalog sheets and MLSYS_* formulas, recomputed by the formulas engine."""
    formulas.get_functions().update(formulas_functions())
    book = openpyxl.Workbook()
    calc = book.active
    calc.title = "Calc"
    for kind, title in (
        ("hardware", "Hardware"),
        ("model", "Models"),
        ("fleet", "Fleets"),
        ("region", "Regions"),
    ):
        sheet = book.create_sheet(title)
        sheet.append(list(headers(kind)))
        for row in catalog_rows(kind):
            sheet.append(list(row))
    hw_row = 2 + [r[0] for r in catalog_rows("hardware")].index("H100")
    model_row = 2 + [r[0] for r in catalog_rows("model")].index("Llama3_70B")
    fleet_row = 2 + [r[0] for r in catalog_rows("fleet")].index("H100_64")
    region_row = 2 + [r[0] for r in catalog_rows("region")].index("Quebec")
    fleet = f"Fleets!A{fleet_row}:{get_column_letter(len(headers('fleet')))}{fleet_row}"
    cases = {
        "A1": '=MLSYS_TTFT("Llama3_70B","H100",4096,1,,2,"s")',
        "A2": f"=MLSYS_TTFT(Models!A{model_row}:U{model_row},Hardware!A{hw_row}:U{hw_row},4096,1,,2)",
        "A3": '=MLSYS_TTFT("Llama3_70B",INDEX(Hardware!A2:U80,MATCH("H100",Hardware!A2:A80,0),0),4096,1,,2)',
        "A4": '=MLSYS_TTFT("Llama3_70B","H10",4096,1)',
        "A5": '=MLSYS_FITS("Llama3_70B","H100",4096,1)',
        "A6": '=MLSYS_TTFT("Llama3_70B",NA(),4096,1)',
        "A7": f"=MLSYS_CARBON({fleet},30,Regions!A{region_row}:J{region_row})",
        "A8": '=MLSYS_TCO("H100_64",365,,"colocation","kUSD")',
        "A9": '=MLSYS_TTFT("Llama3_70B","H100",4096,1)',
        "A10": "=MLSYS_VERSION()",
        "A11": '=MLSYS_SPEC("hardware","H100","memory_bandwidth")',
        "A12": '=MLSYS_TTFT("Llama3_70B",B1,4096,1,,2)',
        "A13": '=MLSYS_STEP_TIME("Llama3_70B","H100_64",512,8,8,8)',
    }
    for cell, formula in cases.items():
        calc[cell] = formula
    calc["B1"] = "H100"
    path = tmp_path_factory.mktemp("recalc") / "plan.xlsx"
    book.save(path)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    return {key.split("!")[1]: value.value[0, 0] for key, value in solution.items() if "CALC" in key.upper()}


def test_formulas_binding_gives_the_python_numbers(recomputed):
    ttft = F["MLSYS_TTFT"]("Llama3_70B", "H100", 4096, 1, None, 2)
    assert recomputed["A1"] == ttft / 1000  # omitted precision, unit "s"
    assert recomputed["A2"] == ttft  # catalog rows as ranges
    assert recomputed["A3"] == ttft  # INDEX/MATCH row, as the generated workbook writes it
    assert recomputed["A12"] == ttft  # id in a referenced cell
    assert recomputed["A4"] == F["MLSYS_TTFT"]("Llama3_70B", "H10", 4096, 1)
    assert recomputed["A5"] is False
    assert recomputed["A6"].startswith("#MLSYS! invalid hw='#N/A'")
    assert recomputed["A7"] == F["MLSYS_CARBON"]("H100_64", 30, "Quebec")
    assert recomputed["A8"] == F["MLSYS_TCO"]("H100_64", 365, None, "colocation", "kUSD")
    assert recomputed["A9"].startswith("#MLSYS! does not fit")
    assert recomputed["A10"] == F["MLSYS_VERSION"]()
    assert recomputed["A11"] == 3350.0
    assert recomputed["A13"] == F["MLSYS_STEP_TIME"]("Llama3_70B", "H100_64", 512, 8, 8, 8)


def test_formulas_binding_reads_a_literal_zero_as_omitted_only_where_optional():
    bound = formulas_functions()
    assert bound["MLSYS_TTFT"]("Llama3_8B", "H100", 1024, 1, 0, 0, 0) == F["MLSYS_TTFT"](
        "Llama3_8B", "H100", 1024, 1
    )
    assert bound["MLSYS_TTFT"]("Llama3_8B", "H100", 0, 1).startswith("#MLSYS! invalid seq_len=0")


# VBA keywords and statements: xlwings' "Import Functions" writes each argument name into a VBA
# Function declaration, where these would not compile (Microsoft, VBA language reference).
VBA_RESERVED = {
    *[
        "and",
        "as",
        "boolean",
        "byref",
        "byte",
        "byval",
        "call",
        "case",
        "class",
        "close",
        "const",
        "currency",
        "date",
        "debug",
        "declare",
        "dim",
        "do",
        "double",
        "each",
        "else",
        "elseif",
        "empty",
        "end",
        "enum",
        "eqv",
        "erase",
        "error",
        "event",
        "exit",
        "false",
        "for",
        "friend",
        "function",
        "get",
        "global",
        "gosub",
        "goto",
        "if",
        "imp",
        "implements",
        "in",
        "input",
        "integer",
        "is",
        "let",
        "lib",
        "like",
        "line",
        "load",
        "lock",
        "long",
        "loop",
        "lset",
        "me",
        "mid",
        "mod",
        "name",
        "new",
        "next",
        "not",
        "nothing",
        "null",
        "on",
        "open",
        "option",
        "optional",
        "or",
        "paramarray",
        "preserve",
        "print",
        "private",
        "property",
        "public",
        "put",
        "raiseevent",
        "randomize",
        "redim",
        "rem",
        "resume",
        "return",
        "rset",
        "seek",
        "select",
        "set",
        "shared",
        "single",
        "static",
        "step",
        "stop",
        "string",
        "sub",
        "then",
        "time",
        "to",
        "true",
        "type",
        "typeof",
        "unload",
        "unlock",
        "until",
        "variant",
        "wend",
        "while",
        "width",
        "with",
        "withevents",
        "write",
        "xor",
    ]
}


def test_argument_names_are_valid_vba_parameters():
    for name, spec in REGISTRY.items():
        for argument in spec.args:
            assert argument.name.isidentifier() and argument.name[0].isalpha(), (name, argument.name)
            assert argument.name.lower() not in VBA_RESERVED, (name, argument.name)


def test_set_catalog_is_reachable_as_the_readme_spells_it():
    import mlsysim.macros
    from mlsysim.macros import resolve

    assert mlsysim.macros.set_catalog is resolve.set_catalog
    assert "set_catalog" in dir(mlsysim.macros)
