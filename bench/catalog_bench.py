"""Section: catalog loading, the packaged catalog alone and with a user catalog of 100 entries.

What: the wall time of reading, validating and building the packaged catalog
(``build_catalog(read_catalog(packaged, []))``, the uncached work behind the first
``mlsysim.load_catalog()``), and of the same with a user folder of 100 accelerators laid over it
(``mlsysim.load_catalog(folder)`` uncached), median of ``REPEATS`` after one warm-up, in a fresh
interpreter. The folder is written once, outside the timing: 100 entries in
``hardware/cloud.toml`` with one source, each with four peak rates, memory, bandwidth, TDP, link
and price. The packaged-only time is the baseline of the user-catalog row (same run). The
reference has no user catalogs. The timed loads read the parsed TOML from the parse cache
(``mlsysim.toml_cache``, filled by the warm-up); the first row times a first load ever, each
repeat with an empty cache folder.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import hooks

TITLE = "Catalog loading"
NOTE = "reference: no user catalogs; the packaged-only load (same run) is the user row's baseline"
HAS_REFERENCE = False
REPEATS = 7  # 3 with --quick
USER_ENTRIES = 100

_SOURCE = """[bench-sheet]
title = "Benchmark accelerators"
publisher = "bench"
url = "https://example.org"
accessed = "2026-12-01"
"""

_ENTRY = """
[Bench{i}]
name = "Bench accelerator {i}"
peak_flops.fp32 = {{ value = {f32}, unit = "TFLOP/s", source = "bench-sheet" }}
peak_flops.bf16 = {{ value = {f16}, unit = "TFLOP/s", source = "bench-sheet" }}
peak_flops.fp16 = {{ value = {f16}, unit = "TFLOP/s", source = "bench-sheet" }}
peak_flops.fp8 = {{ value = {f8}, unit = "TFLOP/s", source = "bench-sheet" }}
memory_capacity = {{ value = {mem}, unit = "GB", source = "bench-sheet" }}
memory_bandwidth = {{ value = 3, unit = "TB/s", source = "bench-sheet" }}
tdp = {{ value = 700, unit = "W", source = "bench-sheet" }}
scale_up_bandwidth = {{ value = 900, unit = "GB/s", source = "bench-sheet" }}
price = {{ value = 25000, unit = "USD", source = "bench-sheet" }}
"""


def _write_folder(root: Path) -> Path:
    (root / "sources").mkdir(parents=True)
    (root / "hardware").mkdir()
    (root / "sources" / "bench.toml").write_text(_SOURCE, "utf-8")
    entries = (
        _ENTRY.format(i=i, f32=50 + i, f16=500 + i, f8=1000 + 2 * i, mem=40 + i)
        for i in range(USER_ENTRIES)
    )
    (root / "hardware" / "cloud.toml").write_text("".join(entries), "utf-8")
    return root


def _median_ms(load) -> tuple[float, list[float]]:
    load()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        load()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), times


def _with_empty_cache(build_catalog, read_catalog, catalog_root) -> None:
    with tempfile.TemporaryDirectory() as cache:
        saved = os.environ.get("MLSYSIM_CACHE_DIR")
        os.environ["MLSYSIM_CACHE_DIR"] = cache
        try:
            build_catalog(read_catalog(catalog_root(), []))
        finally:
            if saved is None:
                del os.environ["MLSYSIM_CACHE_DIR"]
            else:
                os.environ["MLSYSIM_CACHE_DIR"] = saved


def run_ours(quick: bool) -> dict:
    global REPEATS
    try:
        _, (build_catalog, catalog_root) = hooks.require(
            "mlsysim.catalog_loader", "build_catalog", "catalog_root"
        )
        _, (read_catalog,) = hooks.require("mlsysim.catalog_files", "read_catalog")
    except hooks.NotAvailable as exc:
        return hooks.unavailable(str(exc))
    if quick:
        REPEATS = 3
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write_folder(Path(tmp) / "user")
        cold, cold_times = _median_ms(
            lambda: _with_empty_cache(build_catalog, read_catalog, catalog_root)
        )
        packaged, packaged_times = _median_ms(
            lambda: build_catalog(read_catalog(catalog_root(), []))
        )

        def with_user():
            catalog = build_catalog(read_catalog(catalog_root(), [folder]), (str(folder),))
            if len(catalog.user_entries("hardware")) != USER_ENTRIES:
                raise AssertionError("the user entries did not all load")

        user, user_times = _median_ms(with_user)
    return hooks.rows(
        hooks.row(
            "load the packaged catalog, first ever (empty TOML parse cache)",
            cold,
            "ms",
            "build_catalog(read_catalog(catalog_root(), [])) with a new MLSYSIM_CACHE_DIR",
            times_ms=cold_times,
        ),
        {
            "row": "load the packaged catalog (parse cache warm)",
            "status": "ok",
            "value": packaged,
            "unit": "ms",
            "called": "build_catalog(read_catalog(catalog_root(), []))",
            "detail": {"times_ms": packaged_times},
        },
        {
            "row": f"load packaged + user catalog of {USER_ENTRIES} accelerators "
            "(parse cache warm)",
            "status": "ok",
            "value": user,
            "unit": "ms",
            "called": "build_catalog(read_catalog(catalog_root(), [folder]))",
            "detail": {"times_ms": user_times, "over_packaged_ms": user - packaged},
        },
    )
