"""Excel's conversion rules, case by case: a formula, the cells it reads, Excel's answer as
Microsoft's function reference gives it (``source``: the support.microsoft.com page, by title),
and LibreOffice Calc's answer to the same workbook (``libreoffice``, recorded by
``test_recalc_coercion.py::test_libreoffice_answers_are_as_recorded``; ``SAME`` when it agrees).

Cell values: numbers are floats, text is str (``"5"`` is text that looks like a number), TRUE and
FALSE are bools, an error is ``E("#DIV/0!")``, and a cell not listed is empty. The formula sits
in Z1 of a sheet holding the cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class E:
    """An error value in a cell or an answer."""

    code: str


SAME = object()  # LibreOffice gives Excel's answer

OPERATORS = 'Microsoft, "Calculation operators and precedence in Excel", "Converting values in formulas"'
SUM = (
    'Microsoft, "SUM function": numbers in references only; logicals and number text typed as arguments count'
)
COUNT = 'Microsoft, "COUNT function", remarks and example (12/8/08, 19, 22.24, TRUE, #DIV/0!)'
COUNTIF = 'Microsoft, "COUNTIF function", examples (apples 32, oranges 54, peaches 75, apples 86)'
SUMIFS = 'Microsoft, "SUMIFS function", example (Quantity Sold, Product, Salesperson)'
AVERAGE = 'Microsoft, "AVERAGE function", remarks and example (10, 7, 9, 27, 2)'
MAX = 'Microsoft, "MAX function", remarks and example (10, 7, 9, 27, 2)'
IS = 'Microsoft, "IS functions" (ISNUMBER, ISTEXT, ISLOGICAL, ISBLANK, ISERROR), remarks and examples'
ROUND = 'Microsoft, "ROUND function", examples'
MATCH = 'Microsoft, "MATCH function", example (25, 38, 40, 41) and remarks on text and wildcards'
DATE = 'Microsoft, "DATE function": 1 January 2008 is serial 39448; month and day beyond their range carry'
FLOAT = 'Microsoft, "Floating-point arithmetic may give inaccurate results in Excel": 15 significant digits'
AND = 'Microsoft, "AND function": text and empty cells in a reference are ignored; no logicals is #VALUE!'
IF = 'Microsoft, "IF function" and "IFERROR function"'
TEXT = 'Microsoft, "LEN, LENB functions", "LEFT, LEFTB functions", "EXACT function", "TRIM function"'
COMPARE = 'Microsoft, "Sort data in a range or table" (numbers, text, logicals, errors, blanks order)'

MIXED = {"A1": 1.0, "A2": "5", "A3": 3.0, "A4": True, "B1": 10.0, "B2": 20.0, "B3": 30.0}
COUNT_DATA = {"A2": "Data", "A3": 39790.0, "A5": 19.0, "A6": 22.24, "A7": True, "A8": E("#DIV/0!")}
FRUIT = {"A2": "apples", "A3": "oranges", "A4": "peaches", "A5": "apples"}
FRUIT |= {"B2": 32.0, "B3": 54.0, "B4": 75.0, "B5": 86.0}
SALES = {f"A{r}": v for r, v in enumerate([5.0, 4.0, 15.0, 3.0, 22.0, 12.0, 10.0, 33.0], start=2)}
SALES |= {
    f"B{r}": v
    for r, v in enumerate(
        ["Apples", "Apples", "Artichokes", "Artichokes", "Bananas", "Bananas", "Carrots", "Carrots"], start=2
    )
}
SALES |= {f"C{r}": ("Tom", "Sarah")[r % 2] for r in range(2, 10)}
FIVE = {"A2": 10.0, "A3": 7.0, "A4": 9.0, "A5": 27.0, "A6": 2.0}
COUNTS = {"B2": 25.0, "B3": 38.0, "B4": 40.0, "B5": 41.0}


@dataclass(frozen=True)
class Case:
    formula: str
    cells: dict[str, Any]
    excel: Any
    source: str
    libreoffice: Any = SAME
    note: str = ""
    tags: tuple[str, ...] = field(default=())


CASES = [
    # The table: A1:A4 = 1, "5" (text), 3, TRUE; B1:B3 = 10, 20, 30
    Case("SUM(A1:A4)", MIXED, 4.0, SUM, libreoffice=5.0, note="text and TRUE in a reference are ignored"),
    Case("ISNUMBER(A2)", MIXED, False, IS, note="text that looks like a number is text"),
    Case("AVERAGE(A1:A4)", MIXED, 2.0, AVERAGE, libreoffice=5 / 3, note="(1 + 3) / 2"),
    Case("MAX(A1:A4)", MIXED, 3.0, MAX),
    Case('SUMIFS(B1:B3,A1:A3,">1")', MIXED, 30.0, SUMIFS, note='">1" compares numbers only'),
    Case(
        'COUNTIF(A1:A4,">0")',
        MIXED,
        2.0,
        COUNTIF,
        libreoffice=3.0,
        note="1 and 3; not the text or the logical",
    ),
    Case("0.1+0.2=0.3", {}, True, FLOAT),
    # Direct arguments versus references
    Case(
        'SUM(1,"2",TRUE)',
        {},
        4.0,
        SUM,
        libreoffice=E("#VALUE!"),
        note="typed as arguments, number text and TRUE count",
    ),
    Case('SUM("x",1)', {}, E("#VALUE!"), SUM, note="text that is not a number, typed as an argument"),
    Case("SUM(A2)", MIXED, 0.0, SUM, note="a one-cell reference is a reference: its text is ignored"),
    Case("SUM(B1:B3,A4)", MIXED, 60.0, SUM, libreoffice=61.0),
    Case("A2+1", MIXED, 6.0, OPERATORS, note="an operator converts number text"),
    Case("A4+1", MIXED, 2.0, OPERATORS, note="TRUE is 1 in arithmetic"),
    Case("C9+1", MIXED, 1.0, OPERATORS, note="an empty cell is 0"),
    Case('C9&"x"', MIXED, "x", OPERATORS, note='an empty cell is "" in text'),
    Case("COUNT(A2:A7)", COUNT_DATA, 3.0, COUNT, libreoffice=4.0, note="the date, 19 and 22.24"),
    Case("COUNT(A5:A7)", COUNT_DATA, 2.0, COUNT, libreoffice=3.0),
    Case("COUNT(A2:A7,2)", COUNT_DATA, 4.0, COUNT, libreoffice=5.0),
    Case('COUNT(1,"2",TRUE,"x")', {}, 3.0, COUNT, note="typed: numbers, number text and logicals count"),
    Case("COUNTA(A2:A8)", COUNT_DATA, 6.0, 'Microsoft, "COUNTA function": every cell that is not empty'),
    Case("COUNTBLANK(A2:A8)", COUNT_DATA, 1.0, 'Microsoft, "COUNTBLANK function"'),
    Case("SUM(A2:A8)", COUNT_DATA, E("#DIV/0!"), SUM, note="an error in the reference is the result"),
    Case("AVERAGE(A2:A6)", FIVE, 11.0, AVERAGE),
    Case("AVERAGE(A2:A6,5)", FIVE, 10.0, AVERAGE),
    Case("AVERAGE(C1:C3)", {}, E("#DIV/0!"), AVERAGE, note="no numbers"),
    Case("MAX(A2:A6)", FIVE, 27.0, MAX),
    Case("MAX(A2:A6,30)", FIVE, 30.0, MAX),
    Case("MAX(C1:C3)", {}, 0.0, MAX, note="no numbers: 0"),
    # Operators converting values (the page's table)
    Case('"1"+"2"', {}, 3.0, OPERATORS),
    Case('1+"$4.00"', {}, 5.0, OPERATORS),
    Case('"6/1/2001"-"5/1/2001"', {}, 31.0, OPERATORS),
    Case('SQRT("8+1")', {}, E("#VALUE!"), OPERATORS),
    Case('"A"&TRUE', {}, "ATRUE", OPERATORS, libreoffice="A1"),
    Case("5+2*3", {}, 11.0, OPERATORS),
    Case("(5+2)*3", {}, 21.0, OPERATORS),
    Case("-2^2", {}, 4.0, OPERATORS, note="negation comes before ^"),
    Case("2^3^2", {}, 64.0, OPERATORS, note="left to right"),
    Case("10%*50", {}, 5.0, OPERATORS),
    # Comparison: kinds, case, blanks, 15 digits
    Case('"abc"="ABC"', {}, True, OPERATORS, note="text comparison ignores case"),
    Case('"5"=5', {}, False, COMPARE, note="text is never equal to a number"),
    Case('"a"<1', {}, False, COMPARE, note="numbers sort before text"),
    Case("TRUE>1E+300", {}, True, COMPARE, libreoffice=False, note="logicals sort after numbers"),
    Case('C9=""', {}, True, COMPARE),
    Case("C9=0", {}, True, COMPARE),
    Case("C9=FALSE", {}, True, COMPARE),
    Case("1+1E-16=1", {}, True, FLOAT),
    Case("123456789012345678=123456789012345000", {}, True, FLOAT, libreoffice=False),
    # Criteria (COUNTIF, SUMIFS)
    Case('COUNTIF(A2:A5,"apples")', FRUIT, 2.0, COUNTIF),
    Case("COUNTIF(A2:A5,A4)", FRUIT, 1.0, COUNTIF),
    Case("COUNTIF(A2:A5,A2)+COUNTIF(A2:A5,A3)", FRUIT, 3.0, COUNTIF),
    Case('COUNTIF(B2:B5,">55")', FRUIT, 2.0, COUNTIF),
    Case('COUNTIF(B2:B5,"<>"&B4)', FRUIT, 3.0, COUNTIF),
    Case('COUNTIF(B2:B5,">=32")-COUNTIF(B2:B5,">85")', FRUIT, 3.0, COUNTIF),
    Case('COUNTIF(A2:A5,"*")', FRUIT, 4.0, COUNTIF),
    Case('COUNTIF(A2:A5,"?????es")', FRUIT, 2.0, COUNTIF),
    Case('COUNTIF(A2:A5,"APPLES")', FRUIT, 2.0, COUNTIF, note="criteria ignore case"),
    Case('SUMIFS(A2:A9,B2:B9,"=A*",C2:C9,"Tom")', SALES, 20.0, SUMIFS),
    Case('SUMIFS(A2:A9,B2:B9,"<>Bananas",C2:C9,"Tom")', SALES, 30.0, SUMIFS),
    Case('SUMIF(B2:B5,">50")', FRUIT, 215.0, 'Microsoft, "SUMIF function"', note="54 + 75 + 86"),
    Case('COUNTIF(A1:A4,"5")', MIXED, 1.0, COUNTIF, note='"5" matches the text "5" cell'),
    Case('COUNTIF(C1:C4,"")', {"C2": "x"}, 3.0, COUNTIF, note='"" matches empty cells'),
    Case('COUNTIF(C1:C4,"<>")', {"C2": "x"}, 1.0, COUNTIF, note='"<>" matches cells that are not empty'),
    # Errors: propagation and handling
    Case("A8+1", COUNT_DATA, E("#DIV/0!"), OPERATORS),
    Case("ISERROR(A8)", COUNT_DATA, True, IS),
    Case('IFERROR(1/0,"Error in calculation")', {}, "Error in calculation", IF),
    Case("IF(TRUE,1,1/0)", {}, 1.0, IF, note="the branch not taken does not matter"),
    Case("IF(1/0,1,2)", {}, E("#DIV/0!"), IF),
    Case('ISLOGICAL("TRUE")', {}, False, IS),
    Case("ISNUMBER(4)", {}, True, IS),
    Case("ISBLANK(C9)", {}, True, IS),
    Case('ISTEXT("")', {}, True, IS),
    Case("AND(A1:A4)", MIXED, True, AND, note="1, 3 and TRUE; the text is ignored"),
    Case("AND(C1:C3)", {}, E("#VALUE!"), AND),
    Case('AND("TRUE",1)', {}, True, AND, libreoffice=E("#VALUE!")),
    # Rounding, lookup, text, dates
    Case("ROUND(2.15,1)", {}, 2.2, ROUND),
    Case("ROUND(2.149,1)", {}, 2.1, ROUND),
    Case("ROUND(-1.475,2)", {}, -1.48, ROUND),
    Case("ROUND(21.5,-1)", {}, 20.0, ROUND),
    Case("ROUND(626.3,-3)", {}, 1000.0, ROUND),
    Case("ROUND(1.98,-1)", {}, 0.0, ROUND),
    Case("ROUND(-50.55,-2)", {}, -100.0, ROUND),
    Case("MATCH(39,B2:B5,1)", COUNTS, 2.0, MATCH),
    Case("MATCH(41,B2:B5,0)", COUNTS, 4.0, MATCH),
    Case("MATCH(40,B2:B5,-1)", COUNTS, E("#N/A"), MATCH, note="the data is not in descending order"),
    Case('MATCH("ORANGES",A2:A5,0)', FRUIT, 2.0, MATCH, note="text without regard to case"),
    Case('MATCH("pe*",A2:A5,0)', FRUIT, 3.0, MATCH, note="wildcards with match type 0"),
    Case('MATCH("5",A1:A3,0)', MIXED, 2.0, MATCH, note="the text, not a number"),
    Case('LEN("Phoenix, AZ")', {}, 11.0, TEXT),
    Case('LEFT("Sale Price",4)', {}, "Sale", TEXT),
    Case('EXACT("Word","word")', {}, False, TEXT),
    Case('TRIM(" First Quarter   Earnings ")', {}, "First Quarter Earnings", TEXT),
    Case("DATE(2008,1,1)", {}, 39448.0, DATE),
    Case("DATE(2008,14,2)", {}, 39846.0, DATE, note="2 February 2009"),
    Case("DATE(2008,1,35)", {}, 39482.0, DATE, note="4 February 2008"),
    Case("DATE(2008,-3,2)", {}, 39327.0, DATE, note="2 September 2007"),
    Case("DATE(2008,1,-15)", {}, 39432.0, DATE, note="16 December 2007"),
    Case(
        "DATE(108,1,2)",
        {},
        39449.0,
        DATE,
        libreoffice=E("#VALUE!"),
        note="a year below 1900 is added to 1900",
    ),
    Case('"2008-01-01"+0', {}, 39448.0, OPERATORS, note="a date typed as text"),
]
