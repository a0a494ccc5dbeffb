"""xlwings Lite: the MLSYS_* functions in Excel without a local Python (see macros/README.md).

Paste this file into the xlwings Lite editor's ``main.py`` and the lines of ``requirements.txt``
next to it into the editor's ``requirements.txt`` (with the URL of your mlsysim wheel). xlwings
Lite finds the decorated functions in ``main.py`` when it starts. ``cache=True``: the add-in
keeps each result and answers a repeated identical call without calling Python again (the
functions are pure: same arguments, same result).
"""

from mlsysim.macros.xlwings_udfs import decorate
from xlwings import arg, func

globals().update(decorate(func, arg, cache=True))
