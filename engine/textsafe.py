"""Text that a spreadsheet must show, never run: the one escaping rule for every text output.

A spreadsheet opening a CSV (or a cell typed by hand) treats text that starts with ``=``, ``+``,
``-`` or ``@`` as a formula, and a leading tab or carriage return can hide such a start (OWASP,
"CSV Injection"). ``inert_text`` prefixes such text with ``'`` (Excel's and LibreOffice's mark for
"this is text"), except a plain number such as ``-5`` or ``+1.5E3``, which is data. The same
rule serves the sweep's CSV output and the recompute's CSV summary; ``.xlsx`` writers store such
text as a text cell instead (an ``.xlsx`` formula is only ever an ``<f>`` element).
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

__all__ = ["FORMULA_START", "inert_text", "looks_like_formula"]


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (a plain number is not one)."""
    if not text.startswith(FORMULA_START):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return text[0] in "\t\r"


def inert_text(text: str) -> str:
    """``text``, prefixed with ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if looks_like_formula(text) else text
