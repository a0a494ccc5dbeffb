"""The README's Python examples run and print what the README says they print."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_print_what_the_readme_shows():
    text = README.read_text(encoding="utf-8")
    pairs = re.findall(r"```python\n(.*?)```\n\nprints[^\n]*\n\n```text\n(.*?)```", text, re.DOTALL)
    assert pairs, "README: a ```python block followed by 'prints ...' and a ```text block"
    for code, shown in pairs:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == shown
