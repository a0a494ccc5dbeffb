"""The serving scenarios fed to the sweep and workbook sections, built the same way every run.

Rows cycle deterministically through a small grid (model x hardware x sequence length x batch),
so a run is reproducible and every row is a valid question for both implementations. Columns are
named after the serving solver's keyword arguments: ``model``, ``hardware``, ``seq_len``,
``batch_size`` (registry names as strings, the way a spreadsheet or CSV holds them).

The sweep asks exactly the reference's single-device question (Llama-3-70B does not fit one
device: those rows come back infeasible on both sides). The workbook frame adds ``tp = 8`` so
every planning scenario fits and is priced, as a planner would enter it.
"""

from __future__ import annotations

import itertools

MODELS = ("Llama3_70B",)
HARDWARE = ("H100", "A100")
SEQ_LENS = (512, 1024, 2048, 4096)
BATCH_SIZES = (1, 8, 32)
COLUMNS = ("model", "hardware", "seq_len", "batch_size")


def serving_rows(n: int) -> list[tuple[str, str, int, int]]:
    """``n`` scenario tuples in ``COLUMNS`` order (plain Python: runs in the reference venv)."""
    grid = itertools.cycle(itertools.product(MODELS, HARDWARE, SEQ_LENS, BATCH_SIZES))
    return list(itertools.islice(grid, n))


def serving_frame(n: int):
    """The same ``n`` scenarios as a pandas DataFrame (our side only; pandas is our dependency)."""
    import pandas as pd

    return pd.DataFrame.from_records(serving_rows(n), columns=list(COLUMNS))


def workbook_frame(n: int):
    """``serving_frame(n)`` with tensor parallelism over 8 devices (``tp``), so every row fits."""
    return serving_frame(n).assign(tp=8)
