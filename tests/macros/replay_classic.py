"""Replays the classic xlwings add-in's call of a UDF with xlwings' own code, on any platform.

Run as a script (``python replay_classic.py``) by ``test_macros_xlwings_replay.py``: it reads a
pickled list of calls ``(function name, [argument, ...])`` from stdin and writes the pickled
results to stdout. Each argument is what Excel's COM server hands ``xlwings.udfs.call_udf``: a
literal the way pywin32 converts it (``float``, ``str``, ``bool``, ``decimal.Decimal`` for a
Currency value, ``pywintypes.TimeType`` for a date, an int SCODE for an error, the int
``-2147352572`` for a missing argument), or ``("range", rows)`` for a cell reference, whose
``.Value`` pywin32 returns as a tuple of row tuples of such values.

Only the Windows-only modules are stand-ins (``pywintypes``, ``pythoncom``, ``win32*``, ctypes'
``windll``): xlwings' ``udfs.call_udf``, its ``conversion`` pipeline and ``_xlwindows``'s reading
of ``Range.Value`` (``clean_value_data``, the error-code table) run as shipped. The UDF module is
``mlsysim.macros.xlwings_udfs`` decorated with xlwings' classic ``xlfunc``/``xlarg``, exactly
what ``xlwings/__init__.py`` binds to ``xlwings.func``/``xlwings.arg`` on Windows.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import pickle
import sys
import traceback
import types
from typing import Any

MISSING = -2147352572  # what Excel passes for an omitted argument (DISP_E_PARAMNOTFOUND)
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel.Range's interface id


class _AnyType(type):
    """Lets the stand-in class itself be indexed and read like the module-level objects it replaces
    (``pythoncom.TypeIIDs[...]``, ``win32con.SOME_FLAG``)."""

    def __getitem__(cls, key: Any) -> Any:
        return _Anything()

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything


class _Anything(metaclass=_AnyType):
    """A Windows-only object that xlwings touches at import time but never uses in a UDF call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __call__(self, *args: Any, **kwargs: Any) -> _Anything:
        return _Anything()

    def __getitem__(self, key: Any) -> Any:
        return _Anything()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything()


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Anything


class TimeType(dt.datetime):
    """pywintypes' date type (a ``datetime`` subclass), which pywin32 returns for VT_DATE."""


def _install_stubs() -> None:
    names = [
        "pywintypes",
        "pythoncom",
        "win32api",
        "win32con",
        "win32event",
        "win32gui",
        "win32process",
        "win32timezone",
        "win32com",
        "win32com.client",
        "win32com.client.gencache",
        "win32com.server",
        "win32com.server.dispatcher",
        "win32com.server.policy",
        "win32com.server.util",
    ]
    for name in names:
        sys.modules[name] = _StubModule(name)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, sys.modules[name])
    pywintypes = sys.modules["pywintypes"]
    pywintypes.TimeType = TimeType
    pywintypes.IID = str
    pywintypes.com_error = type("com_error", (Exception,), {})
    sys.modules["pythoncom"].__file__ = "pythoncom.dll"
    sys.modules["win32process"].GetWindowThreadProcessId = lambda hwnd: (0, 4242)
    for attribute in ("windll", "oledll"):
        setattr(ctypes, attribute, _Anything())
    ctypes.PyDLL = _Anything  # type: ignore[misc]


class _TypeAttr:
    iid = RANGE_IID


class _OleObj:
    def GetTypeInfo(self) -> Any:
        return types.SimpleNamespace(GetTypeAttr=_TypeAttr)


class ComRange:
    """A cell reference as Excel's COM server passes it: ``.Value`` is what pywin32 returns (one
    cell's value, or a tuple of row tuples); the rest is the object model xlwings walks to find
    the workbook's Excel instance (``Range.Worksheet.Parent.Application``)."""

    def __init__(self, rows: tuple) -> None:
        self._oleobj_ = _OleObj()
        self.Value = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else rows
        application = types.SimpleNamespace(Hwnd=1)
        self.Worksheet = types.SimpleNamespace(Parent=types.SimpleNamespace(Application=application))
        self.Row, self.Column = 1, 1
        self.Rows = types.SimpleNamespace(Count=len(rows))
        self.Columns = types.SimpleNamespace(Count=len(rows[0]))


def main() -> None:
    _install_stubs()
    import xlwings
    from xlwings import _xlwindows
    from xlwings.main import Engine

    xlwings.engines.add(Engine(impl=_xlwindows.engine))
    from xlwings import udfs

    xlwings.func, xlwings.arg = udfs.xlfunc, udfs.xlarg  # what xlwings binds on Windows
    calls = pickle.load(sys.stdin.buffer)
    results = []
    for name, arguments in calls:
        args = tuple(ComRange(a[1]) if isinstance(a, tuple) and a[:1] == ("range",) else a for a in arguments)
        try:
            results.append(
                udfs.call_udf("mlsysim.macros.xlwings_udfs", name, args, None, ComRange(((0.0,),)))
            )
        except Exception as exc:  # the VBA wrapper would show Err.Description in the cell
            traceback.print_exc()
            results.append(f"raised {type(exc).__name__}: {exc}")
    sys.stdout.buffer.write(pickle.dumps(results))


if __name__ == "__main__":
    main()
