"""Replays an Office.js custom-function call (xlwings Lite or xlwings Server) with xlwings' own code.

Run as a script (``python replay_officejs.py lite|server``) by ``test_macros_xlwings_replay.py``
with ``XLWINGS_ON_SERVER=true`` (xlwings then binds ``func``/``arg`` to its Office.js decorators,
as in xlwings Lite's Pyodide runtime and in xlwings Server) and an xlwings PRO licence key in the
environment. It reads a pickled list of calls ``(function name, [argument, ...])`` from stdin,
each argument as Office.js sends it for a parameter of ``dimensionality: "matrix"`` (a list of
rows; ``None`` for an empty cell or an omitted argument; numbers as JSON numbers; an error cell
as ``{"type": "Error", "basicValue": "#SPILL!", ...}``), runs each through
``xlwings.server.custom_functions_call`` — the code both runtimes use to convert the arguments,
call the function and convert the result — and writes the pickled results and the functions'
metadata (``custom_functions_meta``, what the add-in registers with Excel) to stdout.

``lite`` loads ``macros/lite/main.py`` as the workbook's ``main.py``; ``server`` runs the two lines
the README gives for xlwings Server's custom functions module.
"""

from __future__ import annotations

import asyncio
import pickle
import runpy
import sys
import types
from pathlib import Path

LITE_MAIN = Path(__file__).resolve().parents[2] / "macros" / "lite" / "main.py"
SERVER_MODULE = """
from xlwings.server import arg, func
from mlsysim.macros.xlwings_udfs import decorate

globals().update(decorate(func, arg, cache=True))
"""


def _module(runtime: str) -> types.ModuleType:
    module = types.ModuleType("main" if runtime == "lite" else "custom_functions")
    if runtime == "lite":
        module.__dict__.update(runpy.run_path(str(LITE_MAIN)))
    else:
        exec(compile(SERVER_MODULE, "custom_functions.py", "exec"), module.__dict__)
    return module


def main() -> None:
    import xlwings
    from xlwings.server import custom_functions_call, custom_functions_meta

    module = _module(sys.argv[1])
    calls = pickle.load(sys.stdin.buffer)
    results = []
    for name, arguments in calls:
        data = {
            "client": "Office.js",
            "func_name": name,
            "args": arguments,
            "caller_address": "[Book1.xlsx]Sheet1!A1",
            "culture_info_name": "en-US",
            "date_format": "M/d/yyyy",
            "version": xlwings.__version__,
            "runtime": "1.4",
        }
        results.append(asyncio.run(custom_functions_call(data, module)))
    flags = {name: getattr(module, name).__xlfunc__ for name in dir(module) if name.startswith("MLSYS_")}
    meta = {"meta": custom_functions_meta(module), "cache": {n: f["cache"] for n, f in flags.items()}}
    sys.stdout.buffer.write(pickle.dumps({"results": results, **meta}))


if __name__ == "__main__":
    main()
