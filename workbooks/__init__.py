"""``mlsysim.workbooks``: planning-workbook generation, headless recompute and reports."""
