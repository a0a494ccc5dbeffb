"""``mlsysim.workbooks``: planning-workbook generation, headless recompute and reports.

``build(path, scenarios=...)`` writes the planning workbook (``build_workbook`` returns it in
memory); ``recalc(path, ...)`` recomputes any workbook headless (``mlsysim.workbooks.recalc``).
"""

from mlsysim.extras import needs

with needs("mlsysim.workbooks (planning workbooks: mlsysim plan, mlsysim recalc)"):
    from .planbook import SHEETS, build, build_workbook
    from .recalc import recalc
    from .scenarios import Scenarios, load_scenarios

__all__ = ["SHEETS", "Scenarios", "build", "build_workbook", "load_scenarios", "recalc"]
