"""Resource limits that keep a recompute bounded in memory and time whatever the input holds.

A planning workbook with 1,000 scenarios is about 1 MB zipped and 15 MB of XML; the limits leave a
wide margin above that and refuse what would need gigabytes (a 100 MB workbook, a zip bomb).
"""

from __future__ import annotations

MiB = 1 << 20

MAX_FILE_BYTES = 64 * MiB  # the .xlsx file itself
MAX_PART_BYTES = 256 * MiB  # one part (e.g. a worksheet's XML) after decompression
MAX_TOTAL_BYTES = 512 * MiB  # all parts after decompression
# Deflate compresses at most ~1032:1; spreadsheet XML reaches ~100:1. Beyond this ratio a part is
# a zip bomb (checked for parts above one MiB, where the ratio means something).
MAX_RATIO = 300
MAX_PARTS = 10_000
MAX_CELLS = 3_000_000  # cells with a value or a formula, all sheets together
CHUNK = MiB  # streaming read size
