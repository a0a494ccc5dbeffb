"""xlwings Lite: the MLSYS_* functions in Excel without a local Python (see macros/README.md).

Paste this file into the xlwings Lite editor's ``main.py`` and add the mlsysim wheel to its
``requirements.txt`` (``requirements.txt`` next to this file shows the lines). xlwings Lite discovers
the decorated functions in ``main.py`` when it starts.
"""

from mlsysim.macros.xlwings_udfs import decorate
from xlwings import arg, func

globals().update(decorate(func, arg))
