"""Sizes of file sweeps, in a module light enough for the command line's ``--help``."""

# Rows read, swept and written at a time: ~100 MB of inputs and results for a serving sweep.
DEFAULT_CHUNK_ROWS = 250_000
# An .xlsx sheet holds 1,048,576 rows, one of them the header.
EXCEL_MAX_ROWS = 1_048_575
# Rows a vectorised sweep evaluates at a time: a block's temporaries stay in the CPU caches.
BLOCK_ROWS = 65_536
