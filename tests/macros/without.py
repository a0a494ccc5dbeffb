"""Run Python code as if some packages were not installed (``python without.py pandas,scipy -- ...``).

``sys.modules[name] = None`` is how Python marks a module as absent: ``import name`` then raises
``ModuleNotFoundError`` and ``importlib.util.find_spec(name)`` returns None, as on a machine
without it (pint, xlwings and numpy probe their optional dependencies that way). The rest of the
command line is ``-c CODE`` or ``-m MODULE ARGS...``; at exit, the packages that were imported
are printed to stderr as ``IMPORTED: a,b`` when any of the names given was (it never should be).
"""

from __future__ import annotations

import atexit
import runpy
import sys


def main() -> None:
    names = sys.argv[1].split(",")
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]
    atexit.register(_report, names)
    mode, target, *rest = sys.argv[3:]
    if mode == "-c":
        sys.argv = ["-c", *rest]
        exec(compile(target, "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)


def _report(names: list[str]) -> None:
    loaded = [m for m in sys.modules if m.partition(".")[0] in names and sys.modules[m] is not None]
    if loaded:
        print(f"IMPORTED: {','.join(sorted(loaded))}", file=sys.stderr)


if __name__ == "__main__":
    main()
