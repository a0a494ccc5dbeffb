"""Section: call time of the Excel-facing functions (``mlsysim.macros.MLSYS_*``).

What: the median time of one call of each function in ``FUNCTIONS``, one per solver family, with
the arguments a cell would pass (catalog names as strings, numbers), timed in-process with
``timing.time_calls`` after warm-up, in a fresh interpreter. Our functions are called directly
(the Python function behind the UDF, without Excel or xlwings in the loop).

Our functions memoise their results (``functools.lru_cache`` on each family's ``estimate``), so a
repeated identical call only measures a cache hit. Each timed call is therefore made after
clearing those result caches (see ``_result_cache_clear``; name-resolution and unit caches stay
warm, as in a running workbook where only the numbers change); the median time of the clearing
alone is subtracted. The memoised time
of a repeated call is reported once more, for ``MLSYS_TTFT``, as its own row (the reference does
not memoise: its repeat call is the same call). A call must return a
number: an error text (``#MLSYS! ...``) is an error of the benchmark, not a timing. The reference
has no Excel functions: its row is the same question asked through its API by name (registry
entries looked up from the strings, the fleets from a dict built once with its own ``Fleet``
constructor, as in ``seed_calls``), converted to a float in the function's unit. A function not
written yet is reported as not available.
"""

from __future__ import annotations

import sys

import hooks
import seed_calls
import timing

TITLE = "Excel functions (per call)"
NOTE = "reference: the same question through its solver API, names looked up per call"
HAS_REFERENCE = True

_LANG, _CLOUD = "getattr(Models.Language, {!r})", "getattr(Hardware.Cloud, {!r})"
# name, arguments as a cell passes them, the reference's equivalent expression.
FUNCTIONS = (
    (
        "MLSYS_TTFT",
        ("Llama3_8B", "H100", 4096, 1),
        f"ServingModel().solve(model={_LANG.format('Llama3_8B')}, hardware="
        f"{_CLOUD.format('H100')}, seq_len=4096, batch_size=1).ttft.to('ms').magnitude",
    ),
    (
        "MLSYS_ITL",
        ("Llama3_8B", "H100", 4096, 1),
        f"ServingModel().solve(model={_LANG.format('Llama3_8B')}, hardware="
        f"{_CLOUD.format('H100')}, seq_len=4096, batch_size=1).itl.to('ms').magnitude",
    ),
    (
        "MLSYS_LATENCY",
        ("ResNet50", "A100", 1),
        "Engine.solve(model=getattr(Models.Vision, 'ResNet50'), hardware="
        f"{_CLOUD.format('A100')}, batch_size=1, precision='fp16').latency.to('ms').magnitude",
    ),
    (
        "MLSYS_STEP_TIME",
        ("Llama3_70B", "H100_64", 512, 8, 4, 64),
        f"DistributedModel().solve(model={_LANG.format('Llama3_70B')}, fleet=FLEETS['H100_64'], "
        "batch_size=512, tp_size=8, pp_size=4, microbatch_count=64)"
        ".step_latency_total.to('ms').magnitude",
    ),
    (
        "MLSYS_TCO",
        ("H100_8", 365, 0.08),
        "EconomicsModel().solve(fleet=FLEETS['H100_8'], duration_days=365, kwh_price=0.08).tco_usd",
    ),
    (
        "MLSYS_CARBON",
        ("H100_256", 30, "Quebec"),
        "SustainabilityModel().solve(fleet=FLEETS['H100_256'], duration_days=30, "
        "datacenter=getattr(Infrastructure.Grids, 'Quebec')).carbon_footprint_kg",
    ),
    (
        "MLSYS_MTBF",
        ("H100_256",),
        "ReliabilityModel().solve(fleet=FLEETS['H100_256'], job_duration_hours=720)"
        ".fleet_mtbf.to('hour').magnitude",
    ),
)
REF_SETUP = (
    seed_calls.REF_IMPORTS
    + "from mlsysim import Hardware, Infrastructure, Models\n"
    + "FLEETS = {n: Fleet(name=n, node=_node, count=c, fabric=_ndr)\n"
    + "          for n, c in (('H100_8', 1), ('H100_64', 8), ('H100_256', 32))}\n"
)


MEMOISED_ROW = "MLSYS_TTFT, repeated identical call"


def _row(name: str, called: str, fn, quick: bool, clear=None) -> dict:
    value = fn()  # one call first, so a failing function fails before being timed
    if not isinstance(value, int | float):
        raise AssertionError(f"{called} returned {value!r}, not a number")
    calls = 200 if quick else 1000
    detail: dict = {"result": value}
    if clear is None:
        stats = timing.time_calls(fn, min_calls=calls)
        median = stats["median_us"]
    else:
        stats = timing.time_calls(lambda: (clear(), fn()), min_calls=calls)
        detail["clear_us"] = timing.time_calls(clear, min_calls=calls)["median_us"]
        median = stats["median_us"] - detail["clear_us"]
    return {
        "row": name,
        "status": "ok",
        "value": median,
        "unit": "us",
        "called": called,
        "detail": {**stats, **detail},
    }


def _result_cache_clear(call):
    """A function clearing the memoised results of the ``mlsysim.macros`` families.

    The result caches are the ``lru_cache``-wrapped ``estimate`` functions of the
    ``mlsysim.macros.family_*`` modules. Name resolution and unit-conversion caches stay warm, as
    in a running workbook where only the numbers change. Fails if none of the cleared caches is
    filled again by ``call``: then the function memoises somewhere else and the timing would
    measure a cache hit.
    """
    caches = [
        mod.estimate
        for name, mod in list(sys.modules.items())
        if name.startswith("mlsysim.macros.family_")
        and hasattr(getattr(mod, "estimate", None), "cache_clear")
    ]

    def clear() -> None:
        for c in caches:
            c.cache_clear()

    clear()
    call()
    if not any(c.cache_info().currsize for c in caches):
        raise AssertionError("no mlsysim.macros.family_*.estimate cache holds this call's result")
    clear.count = len(caches)
    return clear


def run_ours(quick: bool) -> dict:
    try:
        hooks.require("mlsysim.macros")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    out = []
    for name, args, _ref in FUNCTIONS:
        called = f"mlsysim.macros.{name}{args!r}"
        try:
            _, (fn,) = hooks.require("mlsysim.macros", name)
        except hooks.NotAvailable as exc:
            out.append(
                {"row": name, "status": hooks.NOT_AVAILABLE, "called": called, "reason": str(exc)}
            )
            continue
        call = lambda fn=fn, args=args: fn(*args)  # noqa: E731
        call()  # load the function's modules before collecting their caches
        clear = _result_cache_clear(call)
        out.append(_row(name, called, call, quick, clear=clear))
        out[-1]["detail"]["caches_cleared"] = clear.count
        if name == "MLSYS_TTFT":
            out.append(_row(MEMOISED_ROW, called, call, quick))
    return hooks.rows(*out)


def run_reference(quick: bool) -> dict:
    ns: dict = {}
    exec(REF_SETUP, ns)
    out = []
    for name, _args, expr in FUNCTIONS:
        fn = eval(f"lambda: {expr}", ns)
        out.append(_row(name, expr, fn, quick))
        if name == "MLSYS_TTFT":
            out.append({**out[-1], "row": MEMOISED_ROW, "note": "no memoisation: same call"})
    return {**hooks.rows(*out), "setup": REF_SETUP}
