"""The functions as each Excel runtime calls them, through xlwings' own code (no Excel here).

- Classic add-in: ``replay_classic.py`` runs ``xlwings.udfs.call_udf`` with pywin32's modules
  stubbed, on the values pywin32 produces (``Decimal`` for Currency, ``TimeType`` for dates, int
  SCODEs for errors, ranges whose ``.Value`` is a tuple of rows).
- xlwings Lite and xlwings Server: ``replay_officejs.py`` runs ``custom_functions_call`` on the
  JSON-shaped arguments Office.js sends, with the module each runtime loads.

Each call must give what the function gives when called directly with the plain values the cell
means (that direct path is checked against the engine's facade in ``test_macros_equivalence``).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from mlsysim.macros import REGISTRY
from mlsysim.macros.cells import SCODE_BASE, XL_CV_ERRORS
from mlsysim.macros.descriptions import LIMIT, insert_function_text
from mlsysim.macros.sheet_schema import catalog_rows, schema

HERE = Path(__file__).parent
F = {name: fn.python for name, fn in REGISTRY.items()}
MISSING = -2147352572  # Excel's omitted argument in the classic add-in (DISP_E_PARAMNOTFOUND)


def _replay(script: str, calls: list, *argv: str, env: dict | None = None) -> object:
    done = subprocess.run(
        [sys.executable, str(HERE / script), *argv],
        input=pickle.dumps(calls),
        capture_output=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and done.stdout, done.stderr.decode()[-3000:]
    return pickle.loads(done.stdout)


def _h100_row(money: type) -> tuple:
    """The H100 row of the Hardware sheet as pywin32 reads it, the Price column ``money``-typed."""
    row = list(next(r for r in catalog_rows("hardware") if r[0] == "H100"))
    price = schema("hardware").index("price")
    row[price] = money(str(row[price])) if money is Decimal else float(row[price])
    return tuple(row)


# ---------------------------------------------------------------------------------------------
# Classic add-in


def _time(*args: int) -> object:
    sys.path.insert(0, str(HERE))
    try:
        from replay_classic import TimeType
    finally:
        sys.path.remove(str(HERE))
    return TimeType(*args)


CLASSIC = {
    # Currency-formatted cells: pywin32 gives Decimal, as a literal or inside a range
    "tco currency": (
        ("MLSYS_TCO", ["H100_64", ("range", ((Decimal("365.0000"),),)), ("range", ((Decimal("0.0800"),),))]),
        ("H100_64", 365.0, 0.08),
    ),
    "catalog row with a $ price, Decimal first": (
        ("MLSYS_TTFT", ["Llama3_70B", ("range", (_h100_row(Decimal),)), 4096.0, 1.0, MISSING, 2.0]),
        ("Llama3_70B", [_h100_row(float)], 4096.0, 1.0, None, 2.0),
    ),
    "the same row as plain numbers, after": (
        ("MLSYS_TTFT", ["Llama3_70B", ("range", (_h100_row(float),)), 4096.0, 1.0, MISSING, 2.0]),
        ("Llama3_70B", [_h100_row(float)], 4096.0, 1.0, None, 2.0),
    ),
    "a date where days are asked (=End-Start shown as a date)": (
        ("MLSYS_CARBON", ["H100_64", ("range", ((_time(1900, 12, 30),),))]),
        ("H100_64", 365.0),
    ),
    "omitted optional arguments": (
        ("MLSYS_TTFT", ["Llama3_8B", "H100", 1024.0, 8.0, MISSING, MISSING, "s"]),
        ("Llama3_8B", "H100", 1024.0, 8.0, None, None, "s"),
    ),
    "a block over ranges": (
        (
            "MLSYS_SERVING_BLOCK",
            [
                ("range", (("Llama3_8B",), ("Llama3_70B",))),
                "H100",
                ("range", ((1024.0,), (4096.0,))),
                1.0,
                MISSING,
                ("range", ((1.0,), (2.0,))),
                MISSING,
                MISSING,
                "TTFT,ITL",
                True,
            ],
        ),
        (
            ["Llama3_8B", "Llama3_70B"],
            "H100",
            [1024.0, 4096.0],
            1.0,
            None,
            [1.0, 2.0],
            None,
            None,
            "TTFT,ITL",
            True,
        ),
    ),
}
CLASSIC_ERRORS = {  # an error cell in a range, as pywin32 passes it: the SCODE
    name: ("MLSYS_TTFT", ["Llama3_8B", "H100", ("range", ((SCODE_BASE + number,),)), 1.0])
    for number, name in XL_CV_ERRORS.items()
}


@pytest.fixture(scope="module")
def classic() -> dict[str, object]:
    calls = [c for c, _ in CLASSIC.values()] + list(CLASSIC_ERRORS.values())
    calls += [
        ("MLSYS_FAIL_PROB", ["H100_64", ("range", ((_time(1900, 1, 1, 12),),))]),  # a time as hours
        ("MLSYS_TTFT", ["Llama3_8B", "H100", 1024.0, True]),
        ("MLSYS_TTFT", ["Llama3_8B", "H100", ("range", ((SCODE_BASE + 2051,),)), 1.0]),
    ]
    results = _replay("replay_classic.py", calls)
    names = [*CLASSIC, *CLASSIC_ERRORS, "time as hours", "boolean", "future error code"]
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("case", sorted(CLASSIC))
def test_classic_add_in_passes_every_number_as_the_function_reads_it(classic, case):
    (name, _), direct = CLASSIC[case]
    want = F[name](*direct)
    assert classic[case] == (want if isinstance(want, list) else [[want]])
    assert "#MLSYS!" not in str(classic[case])


@pytest.mark.parametrize("error", sorted(CLASSIC_ERRORS))
def test_classic_add_in_names_every_excel_error_code(classic, error):
    # 2045 (#SPILL!) arrives as -2146826243: before, the functions read it as the number -2.1e9
    assert classic[error] == [
        [f"#MLSYS! invalid seq='{error}': the cell holds an Excel error; fix that cell first"]
    ]


def test_classic_add_in_refuses_what_is_not_the_number_asked(classic):
    assert classic["time as hours"][0][0].startswith(
        "#MLSYS! invalid hours='1900-01-01 12:00:00': a date or time"
    )
    assert classic["boolean"] == [["#MLSYS! invalid batch=True: expected a number"]]
    assert classic["future error code"][0][0].startswith(
        "#MLSYS! invalid seq='#ERROR 2051': the cell holds an"
    )


# ---------------------------------------------------------------------------------------------
# xlwings Lite and xlwings Server (Office.js)


def _error(name: str) -> dict:
    return {"type": "Error", "basicType": "Error", "basicValue": name, "errorType": "Other"}


OFFICEJS = {  # Office.js arguments (rows; None for empty or omitted) -> the direct call
    "whole numbers arrive as int": (
        ("MLSYS_TTFT", [[["Llama3_70B"]], [["H100"]], [[4096]], [[1]], None, [[2]]]),
        ("Llama3_70B", "H100", 4096.0, 1.0, None, 2.0),
    ),
    "a date cell arrives as its serial": (
        ("MLSYS_TCO", [[["H100_64"]], [[365]], [[0.08]], [["colocation"]], [["kUSD"]]]),
        ("H100_64", 365.0, 0.08, "colocation", "kUSD"),
    ),
    "a catalog row with an empty cell": (
        ("MLSYS_ITL", [[["Llama3_8B"]], [list(_h100_row(float))], [[2048]], [[4]]]),
        ("Llama3_8B", [_h100_row(float)], 2048.0, 4.0),
    ),
    "a block over columns": (
        (
            "MLSYS_TRAINING_BLOCK",
            [
                *([["Llama3_8B"], ["Llama3_70B"]], [["H100_64"]], [[512], [512]], [[8], [8]]),
                *([[1], [8]], [[64], [64]], None, None, None, None, None),
                *([["STEP_TIME", "TRAIN_MFU"]], [[False]]),
            ],
        ),
        (
            *(["Llama3_8B", "Llama3_70B"], "H100_64", [512.0] * 2, [8.0, 8.0], [1.0, 8.0], [64.0, 64.0]),
            *(None, None, None, None, None, [["STEP_TIME", "TRAIN_MFU"]], False),
        ),
    ),
}
OFFICEJS_ERRORS = {
    name: ("MLSYS_TTFT", [[["Llama3_8B"]], [["H100"]], [[_error(name)]], [[1]]])
    for name in (
        *("#N/A", "#SPILL!", "#CALC!", "#BUSY!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!"),
        *("#UNKNOWN!", "#EXTERNAL!", "#PYTHON!", "#TIMEOUT!"),
    )
}


@pytest.fixture(scope="module", params=["lite", "server"])
def officejs(request) -> tuple[str, dict]:
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    calls = [c for c, _ in OFFICEJS.values()] + list(OFFICEJS_ERRORS.values())
    out = _replay("replay_officejs.py", calls, request.param, env=env)
    results = dict(zip([*OFFICEJS, *OFFICEJS_ERRORS], out["results"], strict=True))
    return request.param, {"results": results, "meta": out["meta"], "cache": out["cache"]}


def test_officejs_runtimes_pass_every_value_as_the_function_reads_it(officejs):
    _, out = officejs
    for case, ((name, _), direct) in OFFICEJS.items():
        want = F[name](*direct)
        assert out["results"][case] == (want if isinstance(want, list) else [[want]]), case
        assert "#MLSYS!" not in str(out["results"][case]), case


def test_officejs_runtimes_name_every_excel_error(officejs):
    _, out = officejs
    for error in OFFICEJS_ERRORS:
        expected = f"#MLSYS! invalid seq='{error}': the cell holds an Excel error; fix that cell first"
        assert out["results"][error] == [[expected]]


def test_officejs_registration_describes_every_function_within_excels_limit(officejs):
    runtime, out = officejs
    functions = {f["id"]: f for f in out["meta"]["functions"]}
    assert set(functions) == set(REGISTRY)
    for name, spec in REGISTRY.items():
        registered = functions[name]
        assert registered["name"] == name  # no namespace of its own (xlwings Server adds its manifest's)
        assert registered["description"] == insert_function_text(spec)
        assert len(registered["description"]) <= LIMIT
        assert [p["name"] for p in registered["parameters"]] == [a.name for a in spec.args]
        assert [p.get("optional", False) for p in registered["parameters"]] == [a.optional for a in spec.args]
        assert out["cache"][name] is True, (runtime, name)


def test_descriptions_are_short_sentences_with_the_unit():
    for name, spec in REGISTRY.items():
        text = insert_function_text(spec)
        assert len(text) <= LIMIT and text.endswith("."), name
        assert text.startswith(spec.description), name
        if spec.returns == "number":
            assert f" {spec.shown_unit}" in text or "fraction" in text, name
        assert all(len(a.doc) <= LIMIT for a in spec.args), name
