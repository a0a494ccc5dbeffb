"""Runs one measurement inside a fresh interpreter and writes its result as JSON to a file.

Started by ``run.py`` as a subprocess, with our interpreter (``sys.executable``) or the
reference venv's, so every measurement starts from a clean process and the two ``mlsysim``
packages never meet. Usage:

    python bench/worker.py seed <ours|reference> <call-name> <min-calls> <out.json>
    python bench/worker.py hook <module> <ours|reference> <quick:0|1> <out.json>

``seed`` runs the call's setup once, evaluates its check on one result, then times the call with
``timing.time_calls``. ``hook`` imports a section module (``macros_bench`` ...) and runs its
``run_ours``/``run_reference``. Errors are not caught here: the traceback goes to stderr and the
exit status is non-zero, which ``run.py`` reports. Only the standard library is needed besides
the package under test; this file's folder is on ``sys.path`` because it is run as a script.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys


def _version() -> str:
    mod = sys.modules.get("mlsysim")
    return getattr(mod, "__version__", "unknown") if mod else "not imported"


def seed(side: str, name: str, min_calls: int) -> dict:
    import seed_calls
    import timing

    call = seed_calls.SIDES[side][name]
    ns: dict = {}
    exec(call.setup, ns)
    fn = eval(f"lambda: {call.expr}", ns)
    ns["r"] = fn()
    check = eval(call.check, ns)
    stats = timing.time_calls(fn, min_calls=min_calls)
    return {
        **stats,
        "setup": call.setup,
        "called": call.expr,
        "check": {"expr": call.check, "value": check, "unit": call.check_unit},
    }


def hook(module: str, side: str, quick: bool) -> dict:
    mod = importlib.import_module(module)
    return getattr(mod, f"run_{'ours' if side == 'ours' else 'reference'}")(quick)


def main(argv: list[str]) -> None:
    kind, *args, out = argv
    if kind == "seed":
        result = seed(args[0], args[1], int(args[2]))
    elif kind == "hook":
        result = hook(args[0], args[1], args[2] == "1")
    else:
        raise SystemExit(f"unknown worker kind {kind!r}")
    result["python"] = platform.python_version()
    result["mlsysim_version"] = _version()
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1:])
