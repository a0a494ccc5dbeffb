"""Extract the code blocks of the user-facing spec (shared/spec) exactly as a reader would copy them.

A block starts at a line beginning with ``import mlsysim``, ``from mlsysim`` or ``hw = mlsysim`` and
grows line by line while the code stays valid Python or an unfinished statement; the first line
that would make it a syntax error (prose) ends it.
"""

from __future__ import annotations

import codeop
import warnings
from pathlib import Path

from conftest import shared_file

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "000_feb7029948a6fd93.txt"
_STARTS = ("import mlsysim", "from mlsysim", "hw = mlsysim")


def _acceptable(lines: list[str]) -> bool:
    """True while the lines are complete Python or an unfinished statement (not prose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            codeop.compile_command("\n".join(lines), "<spec>", "exec")
        except (SyntaxError, ValueError, OverflowError):
            return False
    return True


def spec_path() -> Path:
    """The spec file; a test without it is skipped (failed under CI), see ``conftest.shared_file``."""
    return shared_file("spec", SPEC.name)


def code_blocks(text: str | None = None) -> list[str]:
    lines = (text if text is not None else spec_path().read_text("utf-8")).splitlines()
    blocks: list[str] = []
    current: list[str] | None = None
    for line in lines:
        if current is None:
            if line.startswith(_STARTS):
                current = [line]
            continue
        if not line.strip() or _acceptable([*current, line]):
            current.append(line)
            continue
        blocks.append("\n".join(current).rstrip())
        current = [line] if line.startswith(_STARTS) else None
    if current:
        blocks.append("\n".join(current).rstrip())
    return blocks
