"""Section: call time of the Excel-facing functions (``mlsysim.macros.MLSYS_*``).

What: the median time of one call of each function in ``FUNCTIONS`` with the arguments a cell
would pass (registry names as strings, numbers), timed in-process with ``timing.time_calls``
after warm-up, in a fresh interpreter. Our functions are called directly (the Python function
behind the UDF, without Excel or xlwings in the loop). The reference has no Excel functions: its
row is the closest equivalent, the same question asked through its API by name
(``ServingModel().solve(...)`` on registry entries looked up from the strings, converted to a
float in the function's unit). A function not written yet is reported as not available.
"""

from __future__ import annotations

import hooks
import timing

# name, arguments as a cell passes them, attribute of the reference ServingResult, unit.
FUNCTIONS = (
    ("MLSYS_TTFT", ("Llama3_70B", "H100", 4096, 1), "ttft", "ms"),
    ("MLSYS_ITL", ("Llama3_70B", "H100", 4096, 1), "itl", "ms"),
)
NOTE = "reference: the same question through ServingModel by name; it has no Excel functions"
HAS_REFERENCE = True
TITLE = "Excel functions (per call)"


def _calls(quick: bool) -> int:
    return 200 if quick else 1000


def _row(name: str, called: str, fn, quick: bool) -> dict:
    fn()  # one call first, so a failing function fails before being timed
    stats = timing.time_calls(fn, min_calls=_calls(quick))
    return {
        "row": name,
        "status": "ok",
        "value": stats["median_us"],
        "unit": "us",
        "called": called,
        "detail": stats,
    }


def run_ours(quick: bool) -> dict:
    try:
        macros, _ = hooks.require("mlsysim.macros")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    out = []
    for name, args, _attr, _unit in FUNCTIONS:
        fn = getattr(macros, name, None)
        called = f"mlsysim.macros.{name}{args!r}"
        if fn is None:
            out.append(
                {
                    "row": name,
                    "status": hooks.NOT_AVAILABLE,
                    "called": called,
                    "reason": f"mlsysim.macros has no {name}",
                }
            )
            continue
        out.append(_row(name, called, lambda fn=fn, args=args: fn(*args), quick))
    return hooks.rows(*out)


def run_reference(quick: bool) -> dict:
    from mlsysim import Hardware, Models
    from mlsysim.solvers import ServingModel

    def by_name(model, hardware, seq_len, batch_size, attr, unit):
        r = ServingModel().solve(
            model=getattr(Models.Language, model),
            hardware=getattr(Hardware.Cloud, hardware),
            seq_len=seq_len,
            batch_size=batch_size,
        )
        return getattr(r, attr).to(unit).magnitude

    out = []
    for name, args, attr, unit in FUNCTIONS:
        called = (
            f"ServingModel().solve(model=getattr(Models.Language, {args[0]!r}), "
            f"hardware=getattr(Hardware.Cloud, {args[1]!r}), seq_len={args[2]}, "
            f"batch_size={args[3]}).{attr}.to({unit!r}).magnitude"
        )
        out.append(_row(name, called, lambda a=args, t=attr, u=unit: by_name(*a, t, u), quick))
    return hooks.rows(*out)
