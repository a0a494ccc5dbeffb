"""The README's Python example runs and prints what the README says it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_prints_what_the_readme_shows():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"```python\n(.*?)```\n\nprints[^\n]*\n\n```text\n(.*?)```", text, re.DOTALL)
    assert match, "README: a ```python block followed by 'prints ...' and a ```text block"
    code, shown = match.groups()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
